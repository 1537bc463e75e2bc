// Web Worker: detection, first scoring and automatic labelling (anatomy rules, or the model) of a
// volume, off the viewer's main thread. The voxels arrive transferred and go back transferred
// with the result, the lesion set and the assignment; later reassignments are cheap and run
// on the main thread.
import { InputError, scoreResult, scoreVolume } from '../../../core/index';
import { prepareLabeller, runLabeller } from './labeller';
import type { LabellingInfo, WorkerMessage, WorkerRequest } from './workerProtocol';

const ctx = self as unknown as { postMessage: (msg: WorkerMessage, transfer?: Transferable[]) => void; onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null };

ctx.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  if (e.data.type === 'prepare') {
    prepareLabeller(e.data.labeller);
    return;
  }
  const { volume, settings, autoLabel, labeller } = e.data;
  try {
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
    // A buffer listed twice cannot be transferred: dedupe.
    const transfer = [...new Set([...lesionSet.componentVoxels.map((v) => v.buffer as ArrayBuffer), volume.hu.buffer as ArrayBuffer])];
    ctx.postMessage({ type: 'done', result, lesionSet, assignment: assignment.toJSON(), inputWarnings, hu: volume.hu, labelling }, transfer);
  } catch (err) {
    const problems = err instanceof InputError ? err.problems : null;
    ctx.postMessage({ type: 'error', message: (err as Error).message, problems });
  }
};
