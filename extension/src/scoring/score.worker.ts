// Web Worker: detection and first scoring of a volume off the viewer's main thread.
// Receives { volume, settings }, posts progress, then the result, the lesion set and the
// (automatic) assignment; later reassignments are cheap and run on the main thread.
import { InputError, scoreVolume } from '../../../core/index';
import type { CtVolume, ScoringSettings } from '../../../core/types';

interface Request {
  volume: CtVolume;
  settings?: Partial<ScoringSettings>;
}

const ctx = self as unknown as { postMessage: (msg: unknown, transfer?: Transferable[]) => void; onmessage: ((e: MessageEvent<Request>) => void) | null };

ctx.onmessage = (e: MessageEvent<Request>) => {
  const { volume, settings } = e.data;
  try {
    const { result, lesionSet, assignment, inputWarnings } = scoreVolume(volume, {
      settings,
      onProgress: (done, total) => ctx.postMessage({ type: 'progress', done, total }),
    });
    const transfer = lesionSet.componentVoxels.map((v) => v.buffer as ArrayBuffer);
    ctx.postMessage({ type: 'done', result, lesionSet, assignment: assignment.toJSON(), inputWarnings }, transfer);
  } catch (err) {
    const problems = err instanceof InputError ? err.problems : null;
    ctx.postMessage({ type: 'error', message: (err as Error).message, problems });
  }
};
