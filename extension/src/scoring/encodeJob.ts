// Encoding the result for the archive in a Web Worker (encode.worker.ts), with the volume's
// voxels transferred there and back; on the main thread only when no worker can start. Saving
// (core saveToArchive) calls it as its encoder, once it knows the version to encode.
import type { EncodeInput, EncodeOptions } from '../../../core/encode/index';
import type { Encoder } from '../../../core/store/save';
import type { Assignment, LesionSet } from '../../../core/index';
import type { EncodeReply, EncodeRequest } from './encode.worker';

/** What the worker sends back: the objects in store order, the SR among them, and the voxels. */
export type EncodedForStore = Extract<EncodeReply, { type: 'done' }> & { all: Extract<EncodeReply, { type: 'done' }>['objects']; sr: Extract<EncodeReply, { type: 'done' }>['objects'][number] };

function forStore(reply: Extract<EncodeReply, { type: 'done' }>): EncodedForStore {
  const sr = reply.objects.find((o) => o.kind === 'SR');
  if (!sr) throw new Error('The encoding worker returned no SR.');
  return { ...reply, all: reply.objects, sr };
}

async function encodeOnMain(input: EncodeInput, options: EncodeOptions): Promise<EncodedForStore> {
  const { encodeResult } = await import(/* webpackChunkName: "calcium-encode" */ '../../../core/encode/index');
  const encoded = await encodeResult(input, options);
  return forStore({
    type: 'done',
    hu: input.volume.hu,
    objects: encoded.all.map((o) => ({ kind: o.kind, bytes: o.bytes, sopInstanceUid: o.sopInstanceUid, sopClassUid: o.sopClassUid, seriesInstanceUid: o.seriesInstanceUid })),
    reportText: encoded.reportText,
    warnings: encoded.warnings,
  });
}

/**
 * Encode off the main thread. `input.volume.hu` is transferred: the caller must take the voxels
 * back from the reply (`hu`), also when it fails (the error carries them).
 */
export function encodeOffThread(input: EncodeInput & { assignment: Assignment; lesionSet: LesionSet }, options: EncodeOptions): Promise<EncodedForStore> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./encode.worker.ts', import.meta.url), { type: 'module', name: 'calcium-encoder' });
  } catch {
    return encodeOnMain(input, options);
  }
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<EncodeReply>) => {
      worker.terminate();
      const m = e.data;
      if (m.type === 'done') {
        try {
          resolve(forStore(m));
        } catch (err) {
          reject(Object.assign(err as Error, { hu: m.hu }));
        }
      } else reject(Object.assign(new Error(m.message), { hu: m.hu }));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`The encoding worker failed: ${e.message || 'it could not start'}.`));
    };
    const { result, lesionSet, assignment, volume } = input;
    const request: EncodeRequest = { result, lesionSet, assignment: assignment.toJSON(), volume, prior: input.prior ?? null, options };
    worker.postMessage(request, [volume.hu.buffer as ArrayBuffer]);
  });
}

/**
 * core saveToArchive's encoder for the viewer: encodes in the worker and hands the voxels back
 * (`keep`) whether it succeeds or fails, so the PDF's key images can be made again.
 */
export function workerEncoder(lesionSet: LesionSet, assignment: Assignment, keep: (hu: Int16Array | null) => void): Encoder<EncodedForStore> {
  return async (input, options) => {
    try {
      const encoded = await encodeOffThread({ ...input, lesionSet, assignment }, options);
      keep(encoded.hu);
      return encoded;
    } catch (e) {
      keep((e as { hu?: Int16Array }).hu ?? null);
      throw e;
    }
  };
}
