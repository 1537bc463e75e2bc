// One scoring run in the Web Worker (score.worker.ts): the volume's voxels are TRANSFERRED to
// the worker (no copy on the main thread) and come back with the result; the run can be
// cancelled (the worker is terminated). Where no worker can start, the same core runs on the
// main thread, so scoring never depends on it.
import { InputError, scoreVolume, type AssignmentJson, type LesionSet } from '../../../core/index';
import type { CtVolume, ScoringResult, ScoringSettings } from '../../../core/types';
import type { WorkerRequest, WorkerMessage, LabellingInfo } from './workerProtocol';

export interface ScoringDone {
  result: ScoringResult;
  lesionSet: LesionSet;
  assignment: AssignmentJson;
  /** The checks' warnings (scoreVolume's inputWarnings), carried into every rescoring. */
  inputWarnings: string[];
  /** The voxels, handed back by the worker. */
  hu: Int16Array;
  /** What the automatic labeller did (null: none ran). */
  labelling: LabellingInfo | null;
}

export interface ScoringProgress {
  (phase: 'scoring' | 'labelling', done: number, total: number): void;
}

export interface ScoringJob {
  promise: Promise<ScoringDone>;
  cancel(): void;
}

function scoreOnMain(volume: CtVolume, settings: Partial<ScoringSettings> | undefined, onProgress: ScoringProgress): ScoringDone {
  const { result, lesionSet, assignment, inputWarnings } = scoreVolume(volume, { settings, onProgress: (d, t) => onProgress('scoring', d, t) });
  return { result, lesionSet, assignment: assignment.toJSON(), inputWarnings, hu: volume.hu, labelling: null };
}

export class CancelledError extends Error {
  constructor() {
    super('Scoring was cancelled.');
  }
}

export function startScoringJob(
  volume: CtVolume,
  settings: Partial<ScoringSettings> | undefined,
  onProgress: ScoringProgress,
  options: { autoLabel?: boolean } = {},
): ScoringJob {
  let worker: Worker | null = null;
  try {
    worker = new Worker(new URL('./score.worker.ts', import.meta.url), { type: 'module', name: 'calcium-scoring' });
  } catch (e) {
    console.warn('[calcium-scoring] No Web Worker, scoring on the main thread:', e);
  }
  if (!worker) {
    let cancelled = false;
    return {
      promise: Promise.resolve().then(() => {
        if (cancelled) throw new CancelledError();
        return scoreOnMain(volume, settings, onProgress);
      }),
      cancel: () => {
        cancelled = true;
      },
    };
  }
  const w = worker;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<ScoringDone>((resolve, rej) => {
    reject = rej;
    w.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if (m.type === 'progress') onProgress(m.phase, m.done, m.total);
      else {
        w.terminate();
        if (m.type === 'done') resolve({ ...m });
        else rej(m.problems ? new InputError(m.problems) : new Error(m.message));
      }
    };
    w.onerror = (e) => {
      w.terminate();
      // The voxels went to the worker: the caller reloads them (from the viewer's cache) to retry.
      rej(new Error(`The scoring worker failed: ${e.message || 'it could not start'}.`));
    };
  });
  const request: WorkerRequest = { volume, settings, autoLabel: options.autoLabel };
  // Transferred, not copied: a 135 x 512 x 512 chest CT is 70 MB of Int16.
  w.postMessage(request, [volume.hu.buffer as ArrayBuffer]);
  return {
    promise,
    cancel: () => {
      w.terminate();
      reject(new CancelledError());
    },
  };
}

/** For a failed worker: score the (reloaded) volume on the main thread. */
export { scoreOnMain };
