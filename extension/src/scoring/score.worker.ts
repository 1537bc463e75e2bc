// Web Worker: reading (its own fetch of the series, seriesFetch.ts, or the viewer's volume),
// detection, first scoring and automatic labelling (anatomy rules, or the model) of a volume, off
// the viewer's main thread. The voxels go back transferred with the result, the lesion set and
// the assignment; later reassignments are cheap and run on the main thread.
import { InputError, scoreResult, scoreVolume } from '../../../core/index';
import type { CtVolume, ScoringSettings } from '../../../core/types';
import { prepareLabeller, runLabeller } from './labeller';
import { fetchVolume } from './seriesFetch';
import type { LabellerKind, LabellingInfo, WorkerMessage, WorkerRequest } from './workerProtocol';

const ctx = self as unknown as { postMessage: (msg: WorkerMessage, transfer?: Transferable[]) => void; onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null };

async function score(volume: CtVolume, settings: Partial<ScoringSettings> | undefined, autoLabel: boolean | undefined, labeller: LabellerKind | undefined, fetched: boolean): Promise<void> {
  const scored = scoreVolume(volume, {
    settings,
    onProgress: (done, total) => ctx.postMessage({ type: 'progress', phase: 'scoring', done, total }),
  });
  const { lesionSet, assignment, inputWarnings } = scored;
  let result = scored.result;
  let labelling: LabellingInfo | null = null;
  if (autoLabel !== false && lesionSet.lesions.length > 0) {
    ctx.postMessage({ type: 'progress', phase: 'labelling', done: 0, total: 1 });
    const run = await runLabeller(volume, lesionSet, assignment, labeller);
    if (run) {
      labelling = run.info;
      result = scoreResult(lesionSet, assignment, { warnings: [...inputWarnings, ...run.warnings], model: run.model });
    }
  }
  const { hu, ...geometry } = volume;
  // A buffer listed twice cannot be transferred: dedupe.
  const transfer = [...new Set([...lesionSet.componentVoxels.map((v) => v.buffer as ArrayBuffer), hu.buffer as ArrayBuffer])];
  ctx.postMessage(
    { type: 'done', result, lesionSet, assignment: assignment.toJSON(), inputWarnings, hu, labelling, ...(fetched ? { geometry } : {}) },
    transfer,
  );
}

ctx.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const request = e.data;
  if (request.type === 'prepare') {
    prepareLabeller(request.labeller);
    return;
  }
  try {
    if (request.type === 'fetch-and-score') {
      const t0 = performance.now();
      let volume: CtVolume;
      try {
        const helpers = request.decoders ?? [];
        volume = (await fetchVolume(request.source, (done, total) => ctx.postMessage({ type: 'progress', phase: 'loading', done, total }), helpers)).volume;
        ctx.postMessage({ type: 'fetched', ms: performance.now() - t0, helpers: helpers.length });
      } catch (err) {
        // Whatever stopped the worker's own read (the archive, a slice its decoders refuse), the
        // viewer then sends its own volume ('score').
        ctx.postMessage({ type: 'fetch-failed', message: (err as Error).message });
        return;
      }
      await score(volume, request.settings, request.autoLabel, request.labeller, true);
      return;
    }
    await score(request.volume, request.settings, request.autoLabel, request.labeller, false);
  } catch (err) {
    const problems = err instanceof InputError ? err.problems : null;
    ctx.postMessage({ type: 'error', message: (err as Error).message, problems });
  }
};
