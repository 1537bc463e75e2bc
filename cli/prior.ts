/**
 * `cacs score --prior STUDY_UID|auto`: find the patient's earlier calcium result in the archive
 * and compare the new score with it (core/prior.ts).
 *  - STUDY_UID: that study's current calcium report (core/store/prior.ts priorReportOfStudy); a
 *    study of another patient (PatientID differs) is refused (UsageError);
 *  - auto: the newest earlier study of the patient that holds a calcium report, by the search
 *    the viewer's panel uses too (core/store/prior.ts findPriorReport).
 * A prior that is not there, or an archive that does not answer, is a one-line note: the score
 * is printed and stored all the same.
 */
import type { CalciumReport } from '../core/encode/readback';
import { DicomwebClient, DicomwebError } from '../core/store/dicomweb';
import { findPriorReport, priorReportOfStudy, samePatient } from '../core/store/prior';
import { isoDate } from '../core/prior';
import { UsageError } from './args';
import type { Progress } from './folder';

export const PRIOR_HELP = `  --prior UID|auto      compare with the patient's prior calcium result in the archive (--store URL,
                        else --dicomweb URL): UID = that study's current calcium report; auto = the
                        newest earlier study (by StudyDate, same PatientID) with a calcium report.
                        Adds the change, the change per year and progression (square-root method,
                        Hokanson 2004) to the table, the JSON ("prior") and the stored SR and PDF.
                        A prior of another patient is refused; none found is a note, not an error.`;

export interface PriorLookup {
  requested: string;
  report: CalciumReport | null;
  /** Why there is no prior (one line), or null when one was found. */
  note: string | null;
}

export async function findPrior(opts: {
  requested: string;
  url: string;
  timeoutMs: number;
  current: { studyInstanceUid: string; studyDate: string | null; patientId: string | null };
  progress: Progress;
}): Promise<PriorLookup> {
  const { requested, current } = opts;
  const client = new DicomwebClient({ url: opts.url, timeoutMs: opts.timeoutMs });
  const none = (note: string): PriorLookup => ({ requested, report: null, note });
  try {
    if (requested !== 'auto') {
      if (requested === current.studyInstanceUid) throw new UsageError(`--prior ${requested} is the study being scored; give an earlier study of the patient, or --prior auto`);
      opts.progress.note(`reading the calcium reports of prior study ${requested} from ${client.url}`);
      const report = await priorReportOfStudy(client, requested);
      if (!report) return none(`No prior: study ${requested} holds no calcium report at ${client.url}.`);
      if (!samePatient(report.patientId, current.patientId)) {
        throw new UsageError(
          `--prior ${requested} belongs to another patient (PatientID '${report.patientId ?? ''}', this series '${current.patientId ?? ''}'); a prior must be the same patient`,
        );
      }
      return { requested, report, note: null };
    }
    if (current.patientId?.trim() && isoDate(current.studyDate)) opts.progress.note(`searching ${client.url} for earlier studies of patient ${current.patientId.trim()}`);
    const found = await findPriorReport(client, current);
    if (found.found) return { requested, report: found.report, note: null };
    // The search is core's (the viewer's too); only the way round a missing header is the CLI's.
    if (found.reason === 'no-patient-id') return none("No prior: this series has no PatientID, so --prior auto cannot find the patient's other studies; give --prior STUDY_UID.");
    if (found.reason === 'no-study-date') return none('No prior: this series has no study date, so --prior auto cannot tell which studies are earlier; give --prior STUDY_UID.');
    return none(found.note);
  } catch (e) {
    if (e instanceof DicomwebError) return none(`No prior: the archive did not answer (${e.message}).`);
    throw e;
  }
}
