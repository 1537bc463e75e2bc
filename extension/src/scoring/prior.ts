// The patient's prior calcium result beside the current one (docs/scoring.md §1.6): found through
// the viewer's data source with the CLI's search (core/store/prior.ts), metadata only, while the
// series loads; then compared with whatever current result the panel has (core/prior.ts), which
// is cheap enough to redo on every assign or exclude.
import { acquisitionDifferences, comparePrior, snapshotOfReport, snapshotOfResult, type AcquisitionFacts, type PriorComparison, type ScoreSnapshot } from '../../../core/prior';
import { settingsParameters } from '../../../core/encode/sr';
import type { CalciumReport } from '../../../core/encode/readback';
import type { ScoringResult } from '../../../core/types';
import { DicomwebClient } from '../../../core/store/dicomweb';
import { findPriorReport, type PriorSearchStudy } from '../../../core/store/prior';

/** The study on screen, as its headers give it, and its series' acquisition (known before scoring). */
export interface PriorCurrent extends PriorSearchStudy {
  acquisition: AcquisitionFacts | null;
}

export type PriorView =
  | { status: 'searching'; current: PriorCurrent }
  | { status: 'none'; current: PriorCurrent; note: string }
  | { status: 'error'; current: PriorCurrent; message: string }
  | { status: 'found'; current: PriorCurrent; report: CalciumReport; snapshot: ScoreSnapshot };

/** Where to search: the data source's QIDO root for the study search, its WADO root for the reports, with its headers. */
export interface PriorArchive {
  url: string;
  qidoUrl?: string | null;
  headers: Record<string, string>;
}

/** The current study from OHIF's naturalised metadata of one of its instances. */
export function priorCurrentOf(studyInstanceUid: string, instance: Record<string, unknown> | undefined, acquisition: AcquisitionFacts | null): PriorCurrent {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);
  return { studyInstanceUid, studyDate: text(instance?.StudyDate), patientId: text(instance?.PatientID), acquisition };
}

/** Search the archive for the newest earlier calcium result of the patient; never rejects. */
export async function searchPrior(archive: PriorArchive, current: PriorCurrent): Promise<PriorView> {
  // A few small requests, asked ahead of the slices queued for the same host (fetch priority).
  const urgent: typeof fetch = (input, init) => globalThis.fetch(input, { ...init, priority: 'high' } as RequestInit);
  const client = new DicomwebClient({ url: archive.url, headers: archive.headers, fetch: urgent });
  const search = archive.qidoUrl && archive.qidoUrl !== archive.url ? new DicomwebClient({ url: archive.qidoUrl, headers: archive.headers, fetch: urgent }) : client;
  try {
    const found = await findPriorReport(client, current, { search });
    return found.found ? { status: 'found', current, report: found.report, snapshot: snapshotOfReport(found.report) } : { status: 'none', current, note: found.note };
  } catch (e) {
    return { status: 'error', current, message: `Could not search the archive for a prior result: ${(e as Error).message}` };
  }
}

/**
 * The comparison with the current result: the reader's live result once scored, else the stored
 * report of this series while its lesions are found; null without either, or without a prior.
 */
export function compareWithPrior(view: PriorView | null, current: { result: ScoringResult } | { report: CalciumReport } | null): PriorComparison | null {
  if (view?.status !== 'found' || !current) return null;
  const now =
    'result' in current
      ? snapshotOfResult(current.result, view.current, settingsParameters(current.result.settings))
      : // A stored report of the series on screen: compared as the report says it (its own acquisition facts).
        { ...snapshotOfReport(current.report), studyInstanceUid: view.current.studyInstanceUid, studyDate: current.report.studyDate ?? view.current.studyDate, notFinal: null };
  return comparePrior(now, view.snapshot);
}

/** Before any current score: what already tells that the two scans differ (the series' headers against the prior's report). */
export function acquisitionWarning(view: PriorView): string | null {
  if (view.status !== 'found') return null;
  const { differ } = acquisitionDifferences(view.current.acquisition, view.snapshot.acquisition);
  return differ.length > 0 ? `The scores will not be comparable: the acquisitions differ (${differ.join('; ')}).` : null;
}
