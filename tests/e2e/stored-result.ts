// A calcium result as a screening worker stores it before any reader opens the study: detected
// and scored by the core, labelled by the anatomy rules (automatic, not reviewed), and saved to
// the archive as SEG + SR + PDF (core/store saveToArchive). Shared by the viewer tests and
// bench:viewer.
import { scoreVolume } from '../../core/index';
import { scoreResult } from '../../core/scoring/score';
import { labelByRules } from '../../core/labelling/rules';
import { readSeriesFromFiles } from '../../core/dicom/read';
import { initCodecs } from '../../core/dicom/pixels';
import { saveToArchive, type SaveOutcome } from '../../core/store/save';
import type { ScoringResult } from '../../core/types';
import type { Assignment } from '../../core/scoring/assign';
import type { LesionSet } from '../../core/scoring/detect';

/** edit: changes the labels after the rules' run, before storing (e.g. to store a split lesion). */
export async function storeAutomaticResult(
  dicomWebUrl: string,
  files: Uint8Array[],
  edit?: (lesionSet: LesionSet, assignment: Assignment) => void,
): Promise<{ result: ScoringResult; saved: SaveOutcome }> {
  await initCodecs();
  const volume = readSeriesFromFiles(files.map((bytes, n) => ({ name: `${n}.dcm`, bytes })));
  const { lesionSet, assignment, inputWarnings } = scoreVolume(volume);
  const run = labelByRules(volume, lesionSet, assignment);
  edit?.(lesionSet, assignment);
  const result = scoreResult(lesionSet, assignment, { warnings: [...inputWarnings, ...run.warnings], model: run.labelled ? run.model : null });
  const saved = await saveToArchive({ result, lesionSet, assignment, volume }, { url: dicomWebUrl });
  if (!saved.ok) throw new Error(`The automatic result was not stored: ${saved.message}`);
  return { result, saved };
}
