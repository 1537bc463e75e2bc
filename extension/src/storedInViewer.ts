// The calcium reports the viewer already holds. OHIF reads every series' metadata of a study
// when it opens it (WADO-RS series metadata: an SR's whole content tree comes with it), and the
// SR SOP class handler keeps those instances on its display sets. Reading them needs no request,
// so a stored result can be on screen before the archive answers ours (the archive's answer
// stays the one that counts: session.ts reads it too and replaces this when it differs).
import { isCalciumReport, readCalciumSr, type CalciumReport } from '../../core/encode/readback';
import type { Dataset } from '../../core/dicom/part10';
import type { ServicesManager } from './ohif';

export function calciumReportsInViewer(servicesManager: ServicesManager, studyUid: string): CalciumReport[] {
  const reports: CalciumReport[] = [];
  const seen = new Set<string>();
  for (const ds of servicesManager.services.displaySetService.getActiveDisplaySets()) {
    if (ds.Modality !== 'SR' || ds.StudyInstanceUID !== studyUid) continue;
    for (const instance of ds.instances ?? []) {
      const uid = String(instance.SOPInstanceUID ?? '');
      if (!uid || seen.has(uid)) continue;
      seen.add(uid);
      try {
        if (isCalciumReport(instance as Dataset)) reports.push(readCalciumSr(instance as Dataset));
      } catch {
        // Not readable from the viewer's copy (e.g. its content tree left out): the archive's read decides.
      }
    }
  }
  return reports;
}
