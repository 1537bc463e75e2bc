// Messages between the viewer and its scoring Web Worker (score.worker.ts).
import type { AssignmentJson, LesionSet } from '../../../core/index';
import type { LabellerKind } from '../../../core/labelling/rules';
import type { CtVolume, ScoringResult, ScoringSettings } from '../../../core/types';

/** What the automatic labeller did, for the panel ("which backend ran and how long"). */
export interface LabellingInfo {
  /** e.g. "webgpu", "wasm (2 threads)"; null when no model ran. */
  backend: string | null;
  modelName: string | null;
  modelVersion: string | null;
  anatomyMs: number;
  featuresMs: number;
  inferenceMs: number;
  /** Lesions given an artery automatically. */
  autoLabelled: number;
  /** One line for the reader when the labeller could not run or found no heart. */
  warning: string | null;
}

/** Which automatic labeller runs: the anatomy rules (default) or the shipped ONNX model. */
export type { LabellerKind };

export type WorkerRequest =
  /** Load the labeller now (while the viewer still loads slices): the model's runtime, when the model labeller is chosen. */
  | { type: 'prepare'; labeller?: LabellerKind }
  | {
      type: 'score';
      volume: CtVolume;
      settings?: Partial<ScoringSettings>;
      /** Run the automatic labeller (default true). */
      autoLabel?: boolean;
      labeller?: LabellerKind;
    };

export type WorkerMessage =
  | { type: 'progress'; phase: 'scoring' | 'labelling'; done: number; total: number }
  | {
      type: 'done';
      result: ScoringResult;
      lesionSet: LesionSet;
      assignment: AssignmentJson;
      inputWarnings: string[];
      hu: Int16Array;
      labelling: LabellingInfo | null;
    }
  | { type: 'error'; message: string; problems: string[] | null };
