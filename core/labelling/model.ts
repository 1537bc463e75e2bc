/**
 * The automatic artery labeller: a small classifier (ONNX, run by ./runtime.ts) over the
 * per-slice-component features of ./features.ts, in the heart frame found by core/anatomy.
 *
 * Pure: no DOM, no file or network I/O. The caller hands over the manifest (parsed JSON) and
 * the model bytes (a Uint8Array), and a `createClassifier` that turns bytes into something
 * that runs (./runtime.ts: onnxruntime-web, WebGPU or WASM, in a Worker or under Node).
 *
 * Labels are proposals: each component gets source 'auto', a confidence (the winning class's
 * probability), its fine class (e.g. 'aortic-valve' behind an OTHER) and a review flag when the
 * confidence is below the manifest's threshold. Labels a person set are never overwritten
 * (Assignment.applyProposals). When the anatomy is not found nothing is labelled and the
 * anatomy's warnings are carried: the candidates stay for the reader.
 */
import { findAnatomy, labelAt, LABEL_BONE, LABEL_LUNG, LABEL_OUTSIDE, signedHeartDistanceMm, type Anatomy } from '../anatomy/index';
import type { Assignment } from '../scoring/assign';
import type { LesionSet } from '../scoring/detect';
import type { CtVolume, LesionLabel, Vec3 } from '../types';
import { ARTERIES } from '../types';
import { componentFeatures, FEATURE_NAMES, FEATURE_VERSION } from './features';

/** The fine classes the shipped models use (a manifest may name its own, each mapped to a label). */
export const FINE_CLASSES = ['LM', 'LAD', 'LCX', 'RCA', 'aortic-wall', 'aortic-valve', 'mitral-annulus', 'bone', 'outside', 'metal', 'noise'] as const;

/** Largest model file accepted (bytes). */
export const MAX_MODEL_BYTES = 5 * 1024 * 1024;

export interface ModelManifest {
  format: 'cacs-labeller-manifest';
  formatVersion: 1;
  name: string;
  version: string;
  licence: string;
  description?: string;
  /** File name of the ONNX model beside the manifest. */
  model: string;
  input: string;
  output: string;
  opset?: number;
  featureVersion: number | string;
  featureNames: string[];
  normalisation: { mean: number[]; std: number[] };
  classes: string[];
  /** Class -> label: LM, LAD, LCX, RCA, or OTHER for the non-coronary classes. */
  labels: Record<string, LesionLabel>;
  /** Proposals with a confidence below `review` are marked for review. */
  thresholds: { review: number };
  training?: Record<string, unknown>;
}

/** The model does not fit this build (feature code, format, size): say what and what to do. */
export class ModelMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMismatchError';
  }
}

/** Something that maps normalised feature rows to class probabilities (./runtime.ts). */
export interface Classifier {
  /** 'webgpu', 'wasm' (with its thread count), ... : what actually ran. */
  readonly backend: string;
  /** rows x columns features in, rows x classes probabilities out. */
  run(features: Float32Array, rows: number, columns: number): Promise<Float32Array>;
  release?(): Promise<void>;
}

export interface LabelModel {
  manifest: ModelManifest;
  classifier: Classifier;
}

/**
 * Checks a manifest against this build's feature code; throws ModelMismatchError with a clear
 * message when it does not match (the features would mean something else to the model).
 */
export function checkManifest(json: unknown, expected: { featureVersion: number | string; featureNames: readonly string[] } = { featureVersion: FEATURE_VERSION, featureNames: FEATURE_NAMES }): ModelManifest {
  const m = json as Partial<ModelManifest> | null;
  const what = m && typeof m.name === 'string' ? `The labelling model "${m.name}"${typeof m.version === 'string' ? ` ${m.version}` : ''}` : 'The labelling model';
  if (!m || typeof m !== 'object' || m.format !== 'cacs-labeller-manifest' || m.formatVersion !== 1) {
    throw new ModelMismatchError(`${what} has no manifest this version can read (expected format cacs-labeller-manifest, version 1); use the manifest written with the model by npm run train.`);
  }
  for (const key of ['name', 'version', 'licence', 'model', 'input', 'output'] as const) {
    if (typeof m[key] !== 'string' || m[key] === '') throw new ModelMismatchError(`${what}: its manifest lacks "${key}"; retrain with npm run train.`);
  }
  if (String(m.featureVersion) !== String(expected.featureVersion)) {
    throw new ModelMismatchError(
      `${what} was trained on features version ${String(m.featureVersion)}, but this build computes features version ${String(expected.featureVersion)}; retrain it (npm run train) or use the model shipped with this version. Lesions stay for the reader.`,
    );
  }
  const names = m.featureNames;
  if (!Array.isArray(names) || names.length !== expected.featureNames.length || names.some((n, i) => n !== expected.featureNames[i])) {
    const first = Array.isArray(names) ? names.findIndex((n, i) => n !== expected.featureNames[i]) : -1;
    throw new ModelMismatchError(
      `${what} expects ${Array.isArray(names) ? names.length : 'no'} features${first >= 0 ? ` (the ${first + 1}. is "${names![first]}", this build computes "${expected.featureNames[first] ?? 'nothing'}")` : ''}, this build computes ${expected.featureNames.length}; retrain it (npm run train) or use the model shipped with this version.`,
    );
  }
  const n = names.length;
  const norm = m.normalisation;
  if (!norm || !Array.isArray(norm.mean) || !Array.isArray(norm.std) || norm.mean.length !== n || norm.std.length !== n || [...norm.mean, ...norm.std].some((v) => typeof v !== 'number' || !Number.isFinite(v)) || norm.std.some((v) => v <= 0)) {
    throw new ModelMismatchError(`${what}: its manifest's feature normalisation is missing or not ${n} finite means and positive standard deviations; retrain with npm run train.`);
  }
  if (!Array.isArray(m.classes) || m.classes.length < 2 || !m.labels || typeof m.labels !== 'object') {
    throw new ModelMismatchError(`${what}: its manifest lists no classes or no class-to-label mapping; retrain with npm run train.`);
  }
  for (const c of m.classes) {
    const label = m.labels[c];
    if (!([...ARTERIES, 'OTHER'] as string[]).includes(label)) {
      throw new ModelMismatchError(`${what}: class "${c}" maps to "${String(label)}", not one of LM, LAD, LCX, RCA, OTHER; fix the manifest's labels.`);
    }
  }
  const review = m.thresholds?.review;
  if (typeof review !== 'number' || !(review >= 0 && review <= 1)) {
    throw new ModelMismatchError(`${what}: its manifest's review threshold must be a probability from 0 to 1 (thresholds.review).`);
  }
  return m as ModelManifest;
}

/** Checks manifest and model bytes, then builds the classifier (e.g. createOnnxClassifier). */
export async function loadLabelModel(
  manifestJson: unknown,
  modelBytes: Uint8Array,
  createClassifier: (bytes: Uint8Array, manifest: ModelManifest) => Promise<Classifier>,
): Promise<LabelModel> {
  const manifest = checkManifest(manifestJson);
  if (!(modelBytes instanceof Uint8Array) || modelBytes.length === 0) {
    throw new ModelMismatchError(`The labelling model file ${manifest.model} is empty or not bytes; reinstall it beside its manifest.`);
  }
  if (modelBytes.length > MAX_MODEL_BYTES) {
    throw new ModelMismatchError(`The labelling model file ${manifest.model} is ${(modelBytes.length / 1048576).toFixed(1)} MB, over the 5 MB limit; use a smaller model.`);
  }
  // Node's Buffer is a Uint8Array subclass that onnxruntime-web refuses: pass a plain view.
  const plain = Object.getPrototypeOf(modelBytes) === Uint8Array.prototype ? modelBytes : new Uint8Array(modelBytes.buffer, modelBytes.byteOffset, modelBytes.byteLength);
  return { manifest, classifier: await createClassifier(plain, manifest) };
}

/** One component's proposal. */
export interface ComponentProposal {
  componentId: number;
  label: LesionLabel;
  /** The fine class (e.g. 'aortic-valve'); the same as label for the arteries. */
  fineClass: string;
  confidence: number;
  needsReview: boolean;
}

export interface LabelRun {
  /** False when the anatomy was not found: nothing was labelled. */
  labelled: boolean;
  model: { name: string; version: string };
  backend: string;
  proposals: ComponentProposal[];
  /** Counts of proposals: coronary, non-coronary, and how many need review. */
  counts: { coronary: number; other: number; needsReview: number };
  warnings: string[];
  timingsMs: { anatomy: number; features: number; inference: number; total: number };
  anatomy: Anatomy;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** A labeller's run that labelled: its proposals, their counts, the anatomy's warnings, and the time of each step (t0 start, t1 anatomy, t2 features, t3 decision). */
export function labelledRun(base: Pick<LabelRun, 'model' | 'backend' | 'anatomy'>, proposals: ComponentProposal[], [t0, t1, t2, t3]: number[], end: number): LabelRun {
  const counts = { coronary: 0, other: 0, needsReview: 0 };
  for (const p of proposals) {
    if (p.label === 'OTHER') counts.other++;
    else counts.coronary++;
    if (p.needsReview) counts.needsReview++;
  }
  return {
    ...base,
    labelled: true,
    proposals,
    counts,
    warnings: [...base.anatomy.warnings],
    timingsMs: { anatomy: t1 - t0, features: t2 - t1, inference: t3 - t2, total: end - t0 },
  };
}

/** A labeller's run that labelled nothing because the anatomy was not found: the anatomy's warnings and why, for the reader. */
export function unlabelledRun(base: Pick<LabelRun, 'model' | 'backend' | 'anatomy'>, anatomyMs: number, totalMs: number): LabelRun {
  return {
    ...base,
    labelled: false,
    proposals: [],
    counts: { coronary: 0, other: 0, needsReview: 0 },
    warnings: [
      ...base.anatomy.warnings,
      'Automatic artery labelling did not run: the heart and aortic root were not found, so every candidate is left for the reader to assign.',
    ],
    timingsMs: { anatomy: anatomyMs, features: 0, inference: 0, total: totalMs },
  };
}

/** Normalise features in place with the manifest's mean and std (non-finite values become the mean). */
export function normaliseFeatures(features: Float32Array, manifest: ModelManifest): Float32Array {
  const { mean, std } = manifest.normalisation;
  const n = mean.length;
  for (let p = 0; p < features.length; p++) {
    const c = p % n;
    const v = features[p];
    features[p] = Number.isFinite(v) ? (v - mean[c]) / std[c] : 0;
  }
  return features;
}

/**
 * Anatomy checks that hold whatever the model says (docs/labelling.md §4, "enforce anatomy"):
 * coronary calcium lies in the epicardial fat, so not outside the body, in the lung, in bone
 * away from the heart, far outside the heart contour, or above the aortic root (the arch and
 * great vessels); the left main ends within 10.5 + 2 x 5.3 mm (+5 mm slack) of the left
 * ostium [MG16]. Returns which labels the component may take.
 */
export function anatomyGate(anatomy: Anatomy, p: Vec3): { coronary: boolean; lm: boolean } {
  const label = labelAt(anatomy, p);
  const heartMm = signedHeartDistanceMm(anatomy, p, 100);
  const root = anatomy.aorticRootMm;
  const coronary =
    label !== LABEL_OUTSIDE && label !== LABEL_LUNG && !(label === LABEL_BONE && heartMm > 5) && heartMm <= GATE.heartMm && !(root && p[2] > root[2] + GATE.aboveRootMm);
  const ostium = anatomy.leftOstiumMm;
  const lm = coronary && (!ostium || Math.hypot(p[0] - ostium[0], p[1] - ostium[1], p[2] - ostium[2]) <= GATE.lmMm);
  return { coronary, lm };
}

/** The gate's distances (mm). */
export const GATE = { heartMm: 25, aboveRootMm: 20, lmMm: 26 };

/** Classifies every slice component and turns probabilities into proposals (no assignment change). */
export async function proposeLabels(
  volume: CtVolume,
  set: LesionSet,
  model: LabelModel,
  opts: { anatomy?: Anatomy } = {},
): Promise<LabelRun> {
  const t0 = now();
  const anatomy = opts.anatomy ?? findAnatomy(volume);
  const t1 = now();
  const { manifest, classifier } = model;
  const base = {
    model: { name: manifest.name, version: manifest.version },
    backend: classifier.backend,
    anatomy,
  };
  if (!anatomy.found) return unlabelledRun(base, t1 - t0, now() - t0);
  const rows = set.components.length;
  const columns = manifest.featureNames.length;
  const features = rows > 0 ? componentFeatures(volume, set, anatomy) : new Float32Array(0);
  if (features.length !== rows * columns) {
    throw new ModelMismatchError(`The feature code gave ${features.length / Math.max(rows, 1)} values per component, the model ${manifest.name} expects ${columns}; retrain it (npm run train).`);
  }
  normaliseFeatures(features, manifest);
  const t2 = now();
  const probs = rows > 0 ? await classifier.run(features, rows, columns) : new Float32Array(0);
  const t3 = now();
  const k = manifest.classes.length;
  if (probs.length !== rows * k) throw new ModelMismatchError(`The model ${manifest.name} gave ${probs.length / Math.max(rows, 1)} outputs per component, its manifest lists ${k} classes; the manifest does not belong to this model.`);
  const proposals: ComponentProposal[] = [];
  const coronaryClass = manifest.classes.map((c) => manifest.labels[c] !== 'OTHER');
  const lmClass = manifest.classes.map((c) => manifest.labels[c] === 'LM');
  for (let r = 0; r < rows; r++) {
    // The model's best class among those the anatomy allows; a class the gate removed lowers
    // the confidence (the allowed winner's own probability), so such components go to review.
    const gate = anatomyGate(anatomy, set.components[r].centroidMm);
    let best = -1;
    for (let c = 0; c < k; c++) {
      if (coronaryClass[c] && !gate.coronary) continue;
      if (lmClass[c] && !gate.lm) continue;
      if (best < 0 || probs[r * k + c] > probs[r * k + best]) best = c;
    }
    if (best < 0) best = 0;
    const confidence = probs[r * k + best];
    const fineClass = manifest.classes[best];
    const label = manifest.labels[fineClass];
    const needsReview = confidence < manifest.thresholds.review;
    proposals.push({ componentId: set.components[r].id, label, fineClass, confidence, needsReview });
  }
  return labelledRun(base, proposals, [t0, t1, t2, t3], now());
}

/**
 * Runs the labeller and applies its proposals to the assignment (source 'auto'; what a person
 * or a seed set stays). Returns the run: backend, timings, counts and warnings to show.
 */
export async function labelVolume(
  volume: CtVolume,
  set: LesionSet,
  assignment: Assignment,
  model: LabelModel,
  opts: { anatomy?: Anatomy } = {},
): Promise<LabelRun> {
  const run = await proposeLabels(volume, set, model, opts);
  if (run.labelled) assignment.applyProposals(run.proposals, run.model);
  return run;
}
