// One scoring run in the Web Worker (score.worker.ts): the volume's voxels are TRANSFERRED to
// the worker (no copy on the main thread) and come back with the result; the run can be
// cancelled (the worker is terminated). Where no worker can start, the same core runs on the
// main thread, so scoring never depends on it.
import { InputError, scoreVolume, type AssignmentJson, type LesionSet } from '../../../core/index';
import type { CtVolume, ScoringResult, ScoringSettings } from '../../../core/types';
import type { LabellerKind, WorkerRequest, WorkerMessage, LabellingInfo, SeriesSource } from './workerProtocol';

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
  /** The geometry of the volume the worker fetched itself (absent: it scored the viewer's volume). */
  geometry?: Omit<CtVolume, 'hu'>;
}

export interface ScoringProgress {
  (phase: 'loading' | 'scoring' | 'labelling', done: number, total: number): void;
}

function scoreOnMain(volume: CtVolume, settings: Partial<ScoringSettings> | undefined, onProgress: ScoringProgress): ScoringDone {
  const { result, lesionSet, assignment, inputWarnings } = scoreVolume(volume, { settings, onProgress: (d, t) => onProgress('scoring', d, t) });
  return { result, lesionSet, assignment: assignment.toJSON(), inputWarnings, hu: volume.hu, labelling: null };
}

export interface ScoringJob {
  /** Settles once start() has handed over a volume (rejects with CancelledError on cancel()). */
  promise: Promise<ScoringDone>;
  /** Hand over the loaded volume; its voxels are transferred to the worker. */
  start(volume: CtVolume): void;
  /**
   * Let the worker fetch and decode the series itself, then score it (promise). Resolves true
   * once the worker has read it, false (with a console note) when it could not: then start()
   * with the viewer's volume.
   */
  fetchAndScore(source: SeriesSource): Promise<boolean>;
  cancel(): void;
}

export class CancelledError extends Error {
  constructor() {
    super('Scoring was cancelled.');
  }
}

/**
 * Open a scoring job before the volume is loaded: the worker starts at once and, when a model
 * ships, loads the labeller (onnxruntime-web, its WebAssembly, the model session) while the
 * viewer is still loading slices; start(volume) then runs detection, scoring and labelling.
 */
export function startScoringJob(
  settings: Partial<ScoringSettings> | undefined,
  onProgress: ScoringProgress,
  options: { autoLabel?: boolean; labeller?: LabellerKind } = {},
): ScoringJob {
  let worker: Worker | null = null;
  try {
    worker = new Worker(new URL('./score.worker.ts', import.meta.url), { type: 'module', name: 'calcium-scoring' });
  } catch (e) {
    console.warn('[calcium-scoring] No Web Worker, scoring on the main thread:', e);
  }
  let resolve: (d: ScoringDone) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<ScoringDone>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A job cancelled before anyone awaits it is not an unhandled rejection.
  promise.catch(() => undefined);
  let settled = false;
  const settle = (f: () => void) => {
    if (settled) return;
    settled = true;
    f();
  };
  if (!worker) {
    return {
      promise,
      start: (volume) => {
        queueMicrotask(() => {
          if (settled) return;
          try {
            const done = scoreOnMain(volume, settings, onProgress);
            settle(() => resolve(done));
          } catch (e) {
            settle(() => reject(e as Error));
          }
        });
      },
      // No worker to fetch with: the viewer's cache path.
      fetchAndScore: async () => false,
      cancel: () => settle(() => reject(new CancelledError())),
    };
  }
  const w = worker;
  let fetching: ((read: boolean) => void) | null = null;
  // Decode helpers of the worker's own read: stopped once it has read the series.
  const helpers: Worker[] = [];
  const stopHelpers = () => helpers.splice(0).forEach((h) => h.terminate());
  w.onmessage = (e: MessageEvent<WorkerMessage>) => {
    const m = e.data;
    if (m.type === 'progress') {
      if (!settled) onProgress(m.phase, m.done, m.total);
      return;
    }
    if (m.type === 'fetched' || m.type === 'fetch-failed') {
      if (m.type === 'fetched') {
        performance.mark('calcium:fetched');
        console.info(`[calcium-scoring] The series was read by the scoring worker in ${Math.round(m.ms)} ms (${m.helpers} decode helper${m.helpers === 1 ? '' : 's'}).`);
      } else console.info(`[calcium-scoring] The scoring worker could not read the series itself (${m.message}); reading it from the viewer's image cache instead.`);
      stopHelpers();
      fetching?.(m.type === 'fetched');
      fetching = null;
      return;
    }
    stopHelpers();
    w.terminate();
    if (m.type === 'done') settle(() => resolve({ ...m }));
    else settle(() => reject(m.problems ? new InputError(m.problems) : new Error(m.message)));
  };
  w.onerror = (e) => {
    stopHelpers();
    w.terminate();
    fetching?.(false);
    fetching = null;
    // The voxels went to the worker: the caller reloads them (from the viewer's cache) to retry.
    settle(() => reject(new Error(`The scoring worker failed: ${e.message || 'it could not start'}.`)));
  };
  if (options.autoLabel !== false) w.postMessage({ type: 'prepare', labeller: options.labeller } satisfies WorkerRequest);
  return {
    promise,
    start: (volume) => {
      const request: WorkerRequest = { type: 'score', volume, settings, autoLabel: options.autoLabel, labeller: options.labeller };
      // Transferred, not copied: a 135 x 512 x 512 chest CT is 70 MB of Int16.
      w.postMessage(request, [volume.hu.buffer as ArrayBuffer]);
    },
    fetchAndScore: (source) =>
      new Promise<boolean>((res) => {
        if (settled) return res(false);
        fetching = res;
        const decoders = startDecoders();
        helpers.push(...decoders.workers);
        w.postMessage({ type: 'fetch-and-score', source, settings, autoLabel: options.autoLabel, labeller: options.labeller, decoders: decoders.ports } satisfies WorkerRequest, decoders.ports);
      }),
    cancel: () => {
      stopHelpers();
      w.terminate();
      fetching?.(false);
      fetching = null;
      settle(() => reject(new CancelledError()));
    },
  };
}

/**
 * Helper decode workers beside the scoring worker: one per further core, at most 3, and none
 * without cross-origin isolation (no SharedArrayBuffer to decode into). The viewer starts them
 * and hands the scoring worker a port to each, so they can be stopped with the job from here.
 */
export function decodeHelpers(): number {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer === 'undefined') return 0;
  return Math.max(0, Math.min(3, (g.navigator?.hardwareConcurrency ?? 1) - 1));
}

/**
 * Helper decode workers for the scoring worker's own read (decodeHelpers: one per
 * further core where the page is cross-origin isolated), each with a port for the scoring worker.
 */
function startDecoders(): { workers: Worker[]; ports: MessagePort[] } {
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  for (let n = 0; n < decodeHelpers(); n++) {
    try {
      const helper = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'calcium-decode' });
      const channel = new MessageChannel();
      helper.postMessage({ port: channel.port1 }, [channel.port1]);
      workers.push(helper);
      ports.push(channel.port2);
    } catch {
      break;
    }
  }
  return { workers, ports };
}

/** For a failed worker: score the (reloaded) volume on the main thread. */
export { scoreOnMain };
