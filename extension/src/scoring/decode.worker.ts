// Web Worker started by the viewer beside the scoring worker (seriesFetch.ts), which sends it
// slices to decode through a port: it takes
// the next slice from a shared counter and writes HU into the shared volume, as the CLI's decode
// threads do (cli/decode-worker.ts), so no slice is copied back. Only where the page is
// cross-origin isolated (SharedArrayBuffer).
import { decodeFailureMessage, frameToHu, initCodecs } from '../../../core/dicom/pixels';
import type { DecodeBatch, DecodeReply } from './workerProtocol';

const ctx = self as unknown as { onmessage: ((e: MessageEvent<{ port: MessagePort }>) => void) | null };

ctx.onmessage = (e: MessageEvent<{ port: MessagePort }>) => {
  const port = e.data.port;
  port.onmessage = (m: MessageEvent<DecodeBatch>) => void decode(m.data, (reply) => port.postMessage(reply));
};

async function decode(batch: DecodeBatch, reply: (r: DecodeReply) => void): Promise<void> {
  try {
    if (batch.wasmUrl) await initCodecs({ wasmUrl: batch.wasmUrl });
  } catch (err) {
    // Decodes nothing: the scoring worker decodes every slice itself.
    reply({ finished: true, decoded: 0, note: (err as Error).message });
    return;
  }
  const hu = new Int16Array(batch.hu);
  const next = new Int32Array(batch.counter);
  const done = new Int32Array(batch.done);
  let decoded = 0;
  for (;;) {
    const n = Atomics.add(next, 0, 1);
    if (n >= batch.jobs.length) break;
    const job = batch.jobs[n];
    const sliceSize = job.layout.rows * job.layout.columns;
    try {
      frameToHu(job.frame, job.transferSyntaxUid, job.layout, hu.subarray(job.k * sliceSize, (job.k + 1) * sliceSize));
    } catch (err) {
      // The others stop taking slices; the scoring worker reports it in the reader's words.
      Atomics.store(next, 0, batch.jobs.length);
      reply({ finished: false, error: decodeFailureMessage(job.name, err) });
      return;
    }
    decoded++;
    Atomics.add(done, 0, 1);
  }
  reply({ finished: true, decoded });
}
