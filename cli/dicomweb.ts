/**
 * Fetch a CT series over DICOMweb for `cacs score --dicomweb URL --study UID [--series UID]`,
 * with the core's DICOMweb client (core/store/dicomweb.ts): QIDO-RS lists the study's series,
 * WADO-RS series metadata tells a CT axial series from a localizer when several CT series exist,
 * WADO-RS retrieves the chosen series' instances as Part-10 files, which then go through the same
 * reader as files on disk. Archive faults become one-line UsageErrors (exit code 2).
 */
import { chooseSeries, summariseDatasets, type DicomFile, type NaturalDataset } from '../core/dicom/read';
import { DicomwebClient, DicomwebError, jsonValue, type JsonDataset } from '../core/store/dicomweb';
import { UsageError } from './args';
import type { Progress } from './folder';

export interface DicomWebSource {
  url: string;
  studyUid: string;
  seriesUid?: string;
  timeoutMs?: number;
}

/**
 * The archive failed a read: one line for `cacs score` (a UsageError, exit code 2); `transient`
 * (no answer, time limit, HTTP 408/429/5xx) tells the screening worker to retry later.
 */
export class ArchiveFault extends UsageError {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** Run one client call; an archive fault is the user's to fix (URL, server), said in one line. */
async function ask<T>(call: () => Promise<T>, notFound?: T): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof DicomwebError)) throw e;
    if (notFound !== undefined && e.status === 404) return notFound;
    throw new ArchiveFault(`${e.message}; check --dicomweb`, e.transient);
  }
}

/** Choose the series (QIDO + metadata) and retrieve its instances as Part-10 files. */
export async function fetchSeries(src: DicomWebSource, progress: Progress): Promise<{ files: DicomFile[]; seriesUid: string }> {
  const client = new DicomwebClient({ url: src.url, timeoutMs: src.timeoutMs });
  const root = client.url;
  const seriesList = await ask(() => client.searchForSeries(src.studyUid), [] as JsonDataset[]);
  if (seriesList.length === 0) throw new UsageError(`study ${src.studyUid} was not found at ${root} (QIDO-RS returned no series)`);
  const describe = (s: JsonDataset) =>
    `${jsonValue(s, '0020000E')}${jsonValue(s, '0008103E') ? ` "${jsonValue(s, '0008103E')}"` : ''} (${jsonValue(s, '00080060') ?? '?'}, ${jsonValue(s, '00201209') ?? '?'} instances)`;

  let seriesUid = src.seriesUid;
  if (seriesUid) {
    if (!seriesList.some((s) => jsonValue(s, '0020000E') === seriesUid)) {
      throw new UsageError(`series ${seriesUid} is not in study ${src.studyUid}; found: ${seriesList.map(describe).join('; ')}`);
    }
  } else {
    const ct = seriesList.filter((s) => (jsonValue(s, '00080060') ?? '').toUpperCase() === 'CT');
    if (ct.length === 0) throw new UsageError(`study ${src.studyUid} has no CT series; found: ${seriesList.map(describe).join('; ')}`);
    if (ct.length === 1) seriesUid = jsonValue(ct[0], '0020000E')!;
    else {
      // Several CT series (e.g. localizer + axial, or two reconstructions): decide from headers.
      const datasets: NaturalDataset[] = [];
      for (const s of ct) datasets.push(...(await ask(() => client.retrieveSeriesMetadata(src.studyUid, jsonValue(s, '0020000E')!), [])));
      seriesUid = chooseSeries(summariseDatasets(datasets), { chooseSeriesHint: 'pass --series UID' }).seriesInstanceUid;
    }
  }

  progress.note(`retrieving series ${seriesUid} from ${root}`);
  const uid = seriesUid;
  const parts = await ask(() => client.retrieveSeries(src.studyUid, uid), null);
  if (parts === null) throw new UsageError(`series ${uid} was not found at ${root}`);
  progress.note(`retrieved ${parts.length} instances (${(parts.reduce((n, p) => n + p.byteLength, 0) / 1e6).toFixed(1)} MB)`);
  return { files: parts.map((bytes, n) => ({ name: `${uid}/instance-${n + 1}`, bytes })), seriesUid: uid };
}
