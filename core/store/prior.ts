/**
 * Finding the patient's prior calcium result in the archive (docs/scoring.md §1.6), one search
 * for `cacs score --prior` and the viewer's panel. Metadata only: QIDO-RS for the patient's
 * studies and each study's SR series, WADO-RS series metadata for the reports; never an image.
 *  - priorReportOfStudy: a given study's current calcium report (readback's currentReport);
 *  - findPriorReport: the patient's studies by PatientID, newest first among those dated before
 *    the current study, the first that holds a calcium report of the same patient.
 * Not found is an answer with a one-line note, not an error; an archive that does not answer
 * is a DicomwebError for the caller to word.
 */
import { currentReport, type CalciumReport } from '../encode/readback';
import { isoDate } from '../prior';
import { DicomwebClient, DicomwebError, jsonValue, loadCalciumReports } from './dicomweb';

/** The study being scored, as its headers give it. */
export interface PriorSearchStudy {
  studyInstanceUid: string;
  /** DICOM DA or ISO; null when unknown. */
  studyDate: string | null;
  patientId: string | null;
}

/** Why no prior was found (the CLI adds its own hint to some). */
export type NoPriorReason = 'no-patient-id' | 'no-study-date' | 'no-earlier-study' | 'no-report';

export type PriorSearch =
  | { found: true; report: CalciumReport; /** Earlier studies of the patient whose reports were read, the found one included. */ studiesSearched: number }
  | { found: false; reason: NoPriorReason; /** One line, "No prior: ...". */ note: string };

export const samePatient = (a: string | null | undefined, b: string | null | undefined): boolean => (a ?? '').trim() === (b ?? '').trim();

/** The archive's current calcium report of a study, or null (none, or the study is not there). */
export async function priorReportOfStudy(client: DicomwebClient, studyUid: string): Promise<CalciumReport | null> {
  try {
    return currentReport(await loadCalciumReports(client, studyUid));
  } catch (e) {
    if (e instanceof DicomwebError && e.status === 404) return null;
    throw e;
  }
}

/**
 * The newest earlier study of the same patient that holds a calcium report. `search` answers the
 * study search (a viewer's QIDO root; the reading client when not given).
 */
export async function findPriorReport(client: DicomwebClient, current: PriorSearchStudy, opts: { search?: DicomwebClient } = {}): Promise<PriorSearch> {
  const pid = (current.patientId ?? '').trim();
  if (!pid) return { found: false, reason: 'no-patient-id', note: "No prior: this series has no PatientID, so the patient's other studies cannot be found." };
  const today = isoDate(current.studyDate);
  if (!today) return { found: false, reason: 'no-study-date', note: 'No prior: this series has no study date, so it cannot be told which studies are earlier.' };
  const studies = (await (opts.search ?? client).searchForStudies({ PatientID: pid }))
    .map((s) => ({ uid: jsonValue(s, '0020000D'), date: isoDate(jsonValue(s, '00080020')), pid: jsonValue(s, '00100020'), modalities: s['00080061']?.Value }))
    // An archive that ignores the PatientID filter still answers only this patient's studies here.
    .filter((s): s is typeof s & { uid: string; date: string } => !!s.uid && s.uid !== current.studyInstanceUid && !!s.date && s.date < today && samePatient(s.pid ?? pid, pid))
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
  let searched = 0;
  for (const s of studies) {
    // A study whose modalities the archive lists without SR holds no report: no request for it.
    if (Array.isArray(s.modalities) && s.modalities.length > 0 && !s.modalities.includes('SR')) continue;
    searched++;
    const report = await priorReportOfStudy(client, s.uid);
    if (report && samePatient(report.patientId, pid)) return { found: true, report, studiesSearched: searched };
  }
  return studies.length === 0
    ? { found: false, reason: 'no-earlier-study', note: `No prior: the archive holds no earlier study of patient ${pid}.` }
    : {
        found: false,
        reason: 'no-report',
        note: `No prior: none of the ${studies.length} earlier ${studies.length === 1 ? 'study' : 'studies'} of patient ${pid} holds a calcium report.`,
      };
}
