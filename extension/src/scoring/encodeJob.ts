// Encoding the result for the archive in a Web Worker (encode.worker.ts), with the volume's
// voxels transferred there and back; on the main thread only when no worker can start.
import type { Assignment, LesionSet } from '../../../core/index';
import type { EncodeOptions } from '../../../core/encode/index';
import type { PriorComparison } from '../../../core/prior';
import type { CtVolume, ScoringResult } from '../../../core/types';
import type { EncodeReply, EncodeRequest } from './encode.worker';

export type EncodedForStore = Extract<EncodeReply, { type: 'done' }>;

async function encodeOnMain(result: ScoringResult, lesionSet: LesionSet, assignment: Assignment, volume: CtVolume, options: EncodeOptions, prior: PriorComparison | null): Promise<EncodedForStore> {
  const { encodeResult } = await import(/* webpackChunkName: "calcium-encode" */ '../../../core/encode/index');
  const encoded = await encodeResult({ result, lesionSet, assignment, volume, prior }, options);
  return {
    type: 'done',
    hu: volume.hu,
    objects: encoded.all.map((o) => ({ kind: o.kind, bytes: o.bytes, sopInstanceUid: o.sopInstanceUid, sopClassUid: o.sopClassUid, seriesInstanceUid: o.seriesInstanceUid })),
    sr: { seriesInstanceUid: encoded.sr.seriesInstanceUid, sopInstanceUid: encoded.sr.sopInstanceUid, sopClassUid: encoded.sr.sopClassUid },
    reportText: encoded.reportText,
    warnings: encoded.warnings,
  };
}

/**
 * Encode off the main thread. `volume.hu` is transferred: the caller must take the voxels back
 * from the reply (`hu`), also when it fails (the error carries them).
 */
export function encodeOffThread(
  result: ScoringResult,
  lesionSet: LesionSet,
  assignment: Assignment,
  volume: CtVolume,
  options: EncodeOptions,
  prior: PriorComparison | null = null,
): Promise<EncodedForStore> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./encode.worker.ts', import.meta.url), { type: 'module', name: 'calcium-encoder' });
  } catch {
    return encodeOnMain(result, lesionSet, assignment, volume, options, prior);
  }
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<EncodeReply>) => {
      worker.terminate();
      const m = e.data;
      if (m.type === 'done') resolve(m);
      else reject(Object.assign(new Error(m.message), { hu: m.hu }));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`The encoding worker failed: ${e.message || 'it could not start'}.`));
    };
    const request: EncodeRequest = { result, lesionSet, assignment: assignment.toJSON(), volume, options, prior };
    worker.postMessage(request, [volume.hu.buffer as ArrayBuffer]);
  });
}
