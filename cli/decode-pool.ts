/**
 * Decode a planned series on several cores: the main thread and worker threads take slices from
 * one shared counter (Atomics) and write HU into one SharedArrayBuffer, so no slice is copied
 * back and a slow-starting worker costs nothing (the main thread simply decodes more).
 * Falls back to the main thread alone on one core or for small series.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { decodeSlice, type SliceJob } from '../core/dicom/read';
import { UsageError } from './args';
import type { DecodeBatch } from './decode-worker';

/**
 * Workers beside the main thread: one per extra core, at most 3 (none on one core). The CLI runs
 * compiled JavaScript, so a worker starts without a TypeScript loader (about 0.25 s of CPU for
 * Node and the WebAssembly decoders, dcmjs-codecs' own dcmjs skipped: cli/codecs-lite.ts);
 * measured on the 2-core dev machine (busy), ACRIN end to end: median 25.1 s with one worker vs
 * 30.4 s without (5 runs each, alternating). CACS_DECODE_WORKERS=N overrides (0 = main thread only).
 */
function defaultWorkerCount(): number {
  const env = Number(process.env.CACS_DECODE_WORKERS);
  if (process.env.CACS_DECODE_WORKERS !== undefined && Number.isInteger(env) && env >= 0) return Math.min(env, 16);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(0, Math.min(cores - 1, 3));
}

/** Longest a worker may spend on one slice (a 512 x 512 slice decodes in about 10 ms). */
const SLICE_TIME_LIMIT_MS = 30_000;

export class DecodePool {
  private workers: Worker[] = [];
  /** Workers that have exited (one that failed to start exits before any batch reaches it). */
  private exited = new Set<Worker>();

  /** Start workers early (they load the decoders while the files are read). `workerUrl`: for tests. */
  constructor(count = defaultWorkerCount(), workerUrl = new URL('./decode-worker.mjs', import.meta.url)) {
    for (let n = 0; n < count; n++) {
      try {
        const w = new Worker(workerUrl);
        w.unref();
        w.on('error', () => {});
        w.once('exit', () => this.exited.add(w));
        this.workers.push(w);
      } catch {
        break;
      }
    }
  }

  async decode(jobs: SliceJob[], voxels: number, onSlice?: (done: number, total: number) => void): Promise<Int16Array> {
    // A worker that already exited would never answer: only live ones get the batch.
    const workers = jobs.length >= 8 ? this.workers.filter((w) => !this.exited.has(w)) : [];
    const huBuffer = workers.length > 0 ? new SharedArrayBuffer(voxels * 2) : new ArrayBuffer(voxels * 2);
    const hu = new Int16Array(huBuffer);
    const counterBuffer = new SharedArrayBuffer(4);
    const next = new Int32Array(counterBuffer);
    // busy[i]: the slice worker i is decoding now, or -1 (read by the time bound below).
    const busyBuffer = new SharedArrayBuffer(4 * Math.max(1, workers.length));
    const busy = new Int32Array(busyBuffer).fill(-1);
    // For a worker that neither answers nor holds a slice (see withinTimeBound): it decoded nothing.
    const giveUp: (() => void)[] = [];
    const answered = new Set<number>();
    const finished = workers.map(
      (w, slot) =>
        new Promise<number>((resolve, reject) => {
          giveUp[slot] = () => {
            if (answered.has(slot)) return;
            void w.terminate();
            resolve(0);
          };
          // A worker that never started decodes nothing; one that stopped mid-slice is caught below.
          const onExit = () => resolve(0);
          // Listeners go with the batch: a pool kept for many series (cacs worker) gathers none.
          const onMessage = (m: { finished?: boolean; decoded?: number; error?: string; userError?: boolean }) => {
            if (m.finished) {
              answered.add(slot);
              w.off('message', onMessage);
              w.off('exit', onExit);
              resolve(m.decoded ?? 0);
            } else if (m.error) {
              answered.add(slot);
              w.off('message', onMessage);
              w.off('exit', onExit);
              reject(m.userError ? new UsageError(m.error) : new Error(m.error));
            }
          };
          w.on('message', onMessage);
          w.once('exit', onExit);
          const batch: DecodeBatch = { hu: huBuffer as SharedArrayBuffer, counter: counterBuffer, jobs, busy: busyBuffer, slot };
          w.postMessage(batch);
        }),
    );
    // When the main thread's own slice fails first, a worker's later failure is not awaited.
    for (const f of finished) f.catch(() => {});
    let mine = 0;
    for (;;) {
      const n = Atomics.add(next, 0, 1);
      if (n >= jobs.length) break;
      try {
        decodeSlice(jobs[n], hu);
      } catch (e) {
        // One bad slice ends the read at once: the workers take no further slice.
        Atomics.store(next, 0, jobs.length);
        throw e;
      }
      mine++;
      onSlice?.(Math.min(Atomics.load(next, 0), jobs.length), jobs.length);
    }
    const byWorkers = await this.withinTimeBound(Promise.all(finished), busy, jobs, () => giveUp.forEach((g) => g()));
    const decoded = mine + byWorkers.reduce((a, b) => a + b, 0);
    if (process.env.CACS_TIMING === '1') process.stderr.write(`timing slices-decoded main ${mine} workers ${byWorkers.join(' ') || '-'}\n`);
    if (decoded !== jobs.length) throw new Error(`decoding stopped: ${decoded} of ${jobs.length} slices decoded`);
    onSlice?.(jobs.length, jobs.length);
    return hu;
  }

  /**
   * Once the main thread has taken its last slice, each worker holds at most one slice: one
   * that is still decoding SLICE_TIME_LIMIT_MS later is stopped (the worker is terminated) and
   * named. A worker that holds no slice by then and has not answered never started (or died
   * silently): it is stopped and counted as having decoded nothing, and the caller's count of
   * decoded slices says whether anything is missing. Never waits forever.
   */
  private async withinTimeBound<T>(all: Promise<T>, busy: Int32Array, jobs: SliceJob[], giveUpIdle: () => void): Promise<T> {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), SLICE_TIME_LIMIT_MS)));
      const outcome = await Promise.race([all, tick]).finally(() => clearTimeout(timer));
      if (outcome !== 'late') return outcome as T;
      const stuck = Array.from(busy).filter((n) => n >= 0 && n < jobs.length);
      if (stuck.length === 0) {
        giveUpIdle();
        return all;
      }
      this.close();
      throw new UsageError(
        `${stuck.map((n) => jobs[n].name).join(', ')}: decoding took more than ${SLICE_TIME_LIMIT_MS / 1000} s and was stopped; the compressed data is probably damaged: replace the file with a good copy`,
      );
    }
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
}
