/**
 * `cacs score --prior STUDY_UID|auto`: find the patient's earlier calcium result in the archive
 * and compare the new score with it (core/prior.ts).
 *  - STUDY_UID: that study's current calcium report (core/store loadCalciumReports + readback's
 *    currentReport); a study of another patient (PatientID differs) is refused (UsageError);
 *  - auto: the patient's other studies by PatientID over QIDO-RS, newest earlier study (by
 *    StudyDate) that holds a calcium report.
 * A prior that is not there, or an archive that does not answer, is a one-line note: the score
 * is printed and stored all the same.
 */
import { currentReport, type CalciumReport } from '../core/encode/readback';
import { DicomwebClient, DicomwebError, jsonValue, loadCalciumReports } from '../core/store/dicomweb';
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

const samePatient = (a: string | null, b: string | null) => (a ?? '').trim() === (b ?? '').trim();

/** The archive's current calcium report of a study, or null (none, or the study is not there). */
async function currentOf(client: DicomwebClient, studyUid: string): Promise<CalciumReport | null> {
  try {
    return currentReport(await loadCalciumReports(client, studyUid));
  } catch (e) {
    if (e instanceof DicomwebError && e.status === 404) return null;
    throw e;
  }
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
      const report = await currentOf(client, requested);
      if (!report) return none(`No prior: study ${requested} holds no calcium report at ${client.url}.`);
      if (!samePatient(report.patientId, current.patientId)) {
        throw new UsageError(
          `--prior ${requested} belongs to another patient (PatientID '${report.patientId ?? ''}', this series '${current.patientId ?? ''}'); a prior must be the same patient`,
        );
      }
      return { requested, report, note: null };
    }
    const pid = (current.patientId ?? '').trim();
    if (!pid) return none('No prior: this series has no PatientID, so --prior auto cannot find the patient\'s other studies; give --prior STUDY_UID.');
    const today = isoDate(current.studyDate);
    if (!today) return none('No prior: this series has no study date, so --prior auto cannot tell which studies are earlier; give --prior STUDY_UID.');
    opts.progress.note(`searching ${client.url} for earlier studies of patient ${pid}`);
    const studies = (await client.searchForStudies({ PatientID: pid }))
      .map((s) => ({ uid: jsonValue(s, '0020000D'), date: isoDate(jsonValue(s, '00080020')), pid: jsonValue(s, '00100020') }))
      .filter((s): s is { uid: string; date: string; pid: string | null } => !!s.uid && s.uid !== current.studyInstanceUid && !!s.date && s.date < today && samePatient(s.pid ?? pid, pid))
      .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    for (const s of studies) {
      const report = await currentOf(client, s.uid);
      if (report && samePatient(report.patientId, pid)) return { requested, report, note: null };
    }
    return none(
      studies.length === 0
        ? `No prior: the archive holds no earlier study of patient ${pid}.`
        : `No prior: none of the ${studies.length} earlier ${studies.length === 1 ? 'study' : 'studies'} of patient ${pid} holds a calcium report.`,
    );
  } catch (e) {
    if (e instanceof DicomwebError) return none(`No prior: the archive did not answer (${e.message}).`);
    throw e;
  }
}
