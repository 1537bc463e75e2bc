/**
 * Worker thread of cli/decode-pool.ts: decodes slices into the shared HU buffer, taking the next
 * slice index from a shared counter until none is left. Imports only the pixel decoder (not
 * dcmjs) so that it starts quickly; the conversion is the reader's own frameToHu.
 */
import './codecs-lite'; // first: before dcmjs-codecs loads
import { parentPort } from 'node:worker_threads';
import { decodeFailureMessage, frameToHu, initCodecs } from '../core/dicom/pixels';
import type { SliceJob } from '../core/dicom/read';

export interface DecodeBatch {
  hu: SharedArrayBuffer;
  counter: SharedArrayBuffer;
  jobs: SliceJob[];
  /** One slot per worker: the slice it is decoding, or -1 (the pool's time bound reads it). */
  busy?: SharedArrayBuffer;
  slot?: number;
}

const ready = initCodecs();
parentPort!.on('message', async (batch: DecodeBatch) => {
  await ready;
  const hu = new Int16Array(batch.hu);
  const next = new Int32Array(batch.counter);
  const busy = batch.busy ? new Int32Array(batch.busy) : null;
  const slot = batch.slot ?? 0;
  let decoded = 0;
  for (;;) {
    const n = Atomics.add(next, 0, 1);
    if (n >= batch.jobs.length) break;
    const job = batch.jobs[n];
    const sliceSize = job.layout.rows * job.layout.columns;
    if (busy) Atomics.store(busy, slot, n);
    try {
      frameToHu(job.frame, job.transferSyntaxUid, job.layout, hu.subarray(job.k * sliceSize, (job.k + 1) * sliceSize));
      decoded++;
      if (busy) Atomics.store(busy, slot, -1);
    } catch (e) {
      // Same wording as the reader's decodeSlice; the others stop taking slices.
      if (busy) Atomics.store(busy, slot, -1);
      Atomics.store(next, 0, batch.jobs.length);
      parentPort!.postMessage({ error: decodeFailureMessage(job.name, e), userError: true });
      return;
    }
  }
  parentPort!.postMessage({ finished: true, decoded });
});
parentPort!.postMessage({ started: true });
