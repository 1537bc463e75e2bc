// Web Worker: detection, first scoring and (when a model ships) automatic labelling of a
// volume, off the viewer's main thread. The voxels arrive transferred and go back transferred
// with the result, the lesion set and the assignment; later reassignments are cheap and run
// on the main thread.
import { InputError, scoreVolume } from '../../../core/index';
import type { WorkerMessage, WorkerRequest } from './workerProtocol';

const ctx = self as unknown as { postMessage: (msg: WorkerMessage, transfer?: Transferable[]) => void; onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null };

ctx.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const { volume, settings } = e.data;
  try {
    const { result, lesionSet, assignment, inputWarnings } = scoreVolume(volume, {
      settings,
      onProgress: (done, total) => ctx.postMessage({ type: 'progress', phase: 'scoring', done, total }),
    });
    // A buffer listed twice cannot be transferred: dedupe.
    const transfer = [...new Set([...lesionSet.componentVoxels.map((v) => v.buffer as ArrayBuffer), volume.hu.buffer as ArrayBuffer])];
    ctx.postMessage({ type: 'done', result, lesionSet, assignment: assignment.toJSON(), inputWarnings, hu: volume.hu, labelling: null }, transfer);
  } catch (err) {
    const problems = err instanceof InputError ? err.problems : null;
    ctx.postMessage({ type: 'error', message: (err as Error).message, problems });
  }
};
