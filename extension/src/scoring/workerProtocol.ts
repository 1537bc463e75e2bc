// Messages between the viewer and its scoring Web Worker (score.worker.ts).
import type { AssignmentJson, LesionSet } from '../../../core/index';
import type { LabellerKind } from '../../../core/labelling/rules';
import type { CtVolume, ScoringResult, ScoringSettings } from '../../../core/types';
import type { SliceJob } from '../../../core/dicom/read';

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

/** Where the worker fetches the displayed series itself: the data source's WADO root and headers. */
export interface SeriesSource {
  /** Absolute URL of the DICOMweb (WADO-RS) root. */
  wadoRoot: string;
  /** What the data source sends (Authorization). */
  headers: Record<string, string>;
  studyUid: string;
  seriesUid: string;
  /** The instances the viewer shows: the overlay draws on them, so the volume holds no other. */
  sopInstanceUids: string[];
}

export type WorkerRequest =
  /** Load the labeller now (while the viewer still loads slices): the model's runtime, when the model labeller is chosen. */
  | { type: 'prepare'; labeller?: LabellerKind }
  /**
   * Fetch and decode the series (seriesFetch.ts), then score and label it as 'score' does. When
   * it cannot be fetched the worker answers 'fetch-failed' and waits for a 'score' request.
   */
  | {
      type: 'fetch-and-score';
      source: SeriesSource;
      /** Ports to helper decode workers (decode.worker.ts) the viewer started. */
      decoders?: MessagePort[];
      settings?: Partial<ScoringSettings>;
      autoLabel?: boolean;
      labeller?: LabellerKind;
    }
  | {
      type: 'score';
      volume: CtVolume;
      settings?: Partial<ScoringSettings>;
      /** Run the automatic labeller (default true). */
      autoLabel?: boolean;
      labeller?: LabellerKind;
    };

export type WorkerMessage =
  | { type: 'progress'; phase: 'loading' | 'scoring' | 'labelling'; done: number; total: number }
  /** The worker read the series itself; scoring goes on. The volume's geometry comes with 'done'. */
  | { type: 'fetched'; ms: number; helpers: number }
  /** The worker could not read the series (one line why): send 'score' with the viewer's volume. */
  | { type: 'fetch-failed'; message: string }
  | {
      type: 'done';
      result: ScoringResult;
      lesionSet: LesionSet;
      assignment: AssignmentJson;
      inputWarnings: string[];
      hu: Int16Array;
      labelling: LabellingInfo | null;
      /** The geometry of the volume the worker fetched itself (absent: the viewer sent the volume). */
      geometry?: Omit<CtVolume, 'hu'>;
    }
  | { type: 'error'; message: string; problems: string[] | null };

/** To a helper decode worker (decode.worker.ts): the slices and the shared memory to decode into. */
export interface DecodeBatch {
  hu: SharedArrayBuffer;
  /** The next slice to take (Atomics). */
  counter: SharedArrayBuffer;
  /** Slices decoded by anyone (for progress). */
  done: SharedArrayBuffer;
  jobs: SliceJob[];
  /** The decoders' WebAssembly. */
  wasmUrl: string;
}

export type DecodeReply = { finished: true; decoded: number; note?: string } | { finished: false; error: string };
