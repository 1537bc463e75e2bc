// The scoring worker's own read of the displayed series, as `cacs score --dicomweb` reads it
// (cli/dicomweb.ts, cli/score-series.ts): one WADO-RS Retrieve Series request through the
// viewer's data source (its WADO root and authorization header) for the stored encoding, the
// core's reader (planSeries) and its decoders, slices decoded in parallel by helper workers
// where the page is cross-origin isolated. Scoring then never waits for OHIF's display loader
// and its queue. The request asks for low fetch priority, so the viewport's own image requests
// go first.
import { initCodecs, needsCodecs } from '../../../core/dicom/pixels';
import { decodeSlice, DicomReadError, planSeries, type SliceJob } from '../../../core/dicom/read';
import { DicomwebClient } from '../../../core/store/dicomweb';
import type { CtVolume } from '../../../core/types';
import type { DecodeBatch, DecodeReply, SeriesSource } from './workerProtocol';

/** The series could not be read by the worker: the viewer's cache path takes over (one line why). */
export class FetchFailed extends Error {}

/** Fetch, check and decode the series; throws FetchFailed with one line when it cannot. */
export async function fetchVolume(
  source: SeriesSource,
  onProgress: (loaded: number, total: number) => void,
  helpers: MessagePort[] = [],
): Promise<{ volume: CtVolume; warnings: string[] }> {
  // Started now: the helpers load their decoders while the series downloads.
  const wasmUrl = (await import(/* webpackChunkName: "calcium-codecs" */ './codecsWasm')).codecsWasmUrl;
  const codecs = initCodecs({ wasmUrl });
  codecs.catch(() => undefined);
  const client = new DicomwebClient({
    url: source.wadoRoot,
    headers: source.headers,
    // Low priority: the display's first image goes first (Fetch Priority, Chromium).
    fetch: (input, init) => fetch(input, { ...init, priority: 'low' } as RequestInit),
  });
  let parts: Uint8Array[];
  try {
    parts = await client.retrieveSeries(source.studyUid, source.seriesUid);
  } catch (e) {
    throw new FetchFailed((e as Error).message);
  }
  let planned;
  try {
    planned = planSeries(
      parts.map((bytes, n) => ({ name: `instance ${n + 1}`, bytes })),
      { seriesUid: source.seriesUid, allowGaps: true },
    );
  } catch (e) {
    if (e instanceof DicomReadError) throw new FetchFailed(`the archive's copy of the series cannot be read: ${e.message}`);
    throw e;
  }
  parts = [];
  const { geometry, jobs } = planned.plan;
  // Only the slices the viewer shows are scored (its overlay draws on them by SOP instance).
  const shown = new Set(source.sopInstanceUids);
  const unknown = geometry.instances.find((i) => !shown.has(i.sopInstanceUid));
  if (unknown) throw new FetchFailed(`the archive's series holds instance ${unknown.sopInstanceUid}, which the viewer does not show`);
  if (jobs.some((j) => needsCodecs(j.transferSyntaxUid))) {
    try {
      await codecs;
    } catch (e) {
      throw new FetchFailed((e as Error).message);
    }
  }
  const hu = await decodeAll(jobs, geometry.columns * geometry.rows * geometry.slices, helpers, wasmUrl, onProgress);
  return { volume: { ...geometry, hu }, warnings: planned.warnings };
}

/**
 * Decode the slices here and in `helpers` workers, all taking the next slice from one shared
 * counter (a slow-starting helper costs nothing: this worker simply decodes more). The volume
 * comes back in a plain ArrayBuffer, to be transferred to the viewer with the result.
 */
async function decodeAll(jobs: SliceJob[], voxels: number, helpers: MessagePort[], wasmUrl: string, onProgress: (loaded: number, total: number) => void): Promise<Int16Array> {
  const workers = jobs.length >= 8 && typeof SharedArrayBuffer !== 'undefined' ? helpers : [];
  const shared = workers.length > 0;
  const buffer = shared ? new SharedArrayBuffer(voxels * 2) : new ArrayBuffer(voxels * 2);
  const hu = new Int16Array(buffer);
  const counter = new Int32Array(shared ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  const done = new Int32Array(shared ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  const finished = workers.map(
    (w) =>
      new Promise<number>((resolve, reject) => {
        w.onmessage = (e: MessageEvent<DecodeReply>) => {
          const m = e.data;
          if (m.finished) resolve(m.decoded);
          else reject(new DicomReadError(m.error));
        };
        // A helper that cannot start decodes nothing; the count below says whether any slice is missing.
        w.onmessageerror = () => resolve(0);
        const batch: DecodeBatch = { hu: buffer as SharedArrayBuffer, counter: counter.buffer as SharedArrayBuffer, done: done.buffer as SharedArrayBuffer, jobs, wasmUrl };
        w.postMessage(batch);
      }),
  );
  for (const f of finished) f.catch(() => undefined);
  try {
    let mine = 0;
    for (;;) {
      const n = Atomics.add(counter, 0, 1);
      if (n >= jobs.length) break;
      try {
        decodeSlice(jobs[n], hu);
      } catch (e) {
        Atomics.store(counter, 0, jobs.length);
        throw e;
      }
      mine++;
      onProgress(Math.min(Atomics.add(done, 0, 1) + 1, jobs.length), jobs.length);
    }
    const byHelpers = (await Promise.all(finished)).reduce((a, b) => a + b, 0);
    if (mine + byHelpers !== jobs.length) {
      // A helper stopped without answering for the slice it held: the viewer's cache path takes over.
      throw new FetchFailed(`decoding stopped: ${mine + byHelpers} of ${jobs.length} slices decoded`);
    }
  } finally {
    for (const w of helpers) w.close();
  }
  onProgress(jobs.length, jobs.length);
  if (!shared) return hu;
  // SharedArrayBuffer cannot be transferred: one copy into a transferable buffer (about 20 ms for 70 MB).
  return hu.slice();
}
