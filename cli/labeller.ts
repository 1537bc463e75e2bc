/**
 * The shipped labelling model under Node (CLI, training scripts, tests): reads
 * models/<name>.json and the ONNX file beside it and starts onnxruntime-web's WASM backend.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelVolume, loadLabelModel, ModelMismatchError, type LabelModel, type LabelRun } from '../core/labelling/model';
import type { Anatomy } from '../core/anatomy/index';
import type { Assignment } from '../core/scoring/assign';
import type { LesionSet } from '../core/scoring/detect';
import { scoreResult } from '../core/scoring/score';
import type { ClinicalInputs, CtVolume, ScoringResult } from '../core/types';
import { createOnnxClassifier } from '../core/labelling/runtime-node';
import { labelByRules, type LabellerKind } from '../core/labelling/rules';

/** The model the CLI uses by default. */
export const DEFAULT_MODEL_NAME = 'cac-labeller';
/**
 * models/ of this package: next to cli/ when run from the sources, two levels up from the
 * compiled dist/cli/ bundle.
 */
export const MODELS_DIR = ((): string => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '..', 'models'), path.resolve(here, '..', '..', 'models')];
  return candidates.find((d) => fs.existsSync(path.join(d, `${DEFAULT_MODEL_NAME}.json`))) ?? candidates[0];
})();

/** Loads a model from its manifest path (default: models/cac-labeller.json). */
export async function loadModelFile(manifestPath = process.env.CACS_MODEL || path.join(MODELS_DIR, `${DEFAULT_MODEL_NAME}.json`), opts: { numThreads?: number } = {}): Promise<LabelModel> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new ModelMismatchError(`The labelling model manifest ${manifestPath} could not be read (${e instanceof Error ? e.message : String(e)}); reinstall the package or run npm run train.`);
  }
  const file = typeof (manifest as { model?: unknown })?.model === 'string' ? (manifest as { model: string }).model : '';
  const modelPath = path.join(path.dirname(manifestPath), path.basename(file || 'missing.onnx'));
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(modelPath));
  } catch {
    bytes = new Uint8Array(0);
  }
  return loadLabelModel(manifest, bytes, (b, m) => createOnnxClassifier(b, m, { backends: ['wasm'], numThreads: opts.numThreads ?? 1 }));
}

export interface AutoLabelOutcome {
  /** The result re-scored with the automatic labels (or the input result when labelling did not run). */
  result: ScoringResult;
  /** One line for the table and the JSON's autoLabelling: what ran, on which backend, how long. */
  note: string;
  run: LabelRun | null;
}


/**
 * Auto mode of `cacs score`: labels the scored volume (seeds and reader labels stay), then
 * re-scores. By default with the anatomy rules; with `labeller: 'model'` the shipped model, and
 * a model that cannot be loaded is a warning, not a failure: the lesions then stay for the
 * reader, as with --no-auto. `anatomy`: one already found on this volume (saves finding it again).
 */
export async function autoLabelScored(
  volume: CtVolume,
  scored: { result: ScoringResult; lesionSet: LesionSet; assignment: Assignment; inputWarnings: string[] },
  opts: { clinical?: ClinicalInputs | null; manifestPath?: string; anatomy?: Anatomy; labeller?: LabellerKind } = {},
): Promise<AutoLabelOutcome> {
  if ((opts.labeller ?? 'rules') === 'rules') {
    const run = labelByRules(volume, scored.lesionSet, scored.assignment, opts.anatomy ? { anatomy: opts.anatomy } : {});
    return { result: rescore(scored, run, opts.clinical), note: runNote(run), run };
  }
  let model: LabelModel;
  try {
    model = await loadModelFile(opts.manifestPath);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const result = { ...scored.result, warnings: [...scored.result.warnings, `Automatic artery labelling unavailable: ${message}`] };
    return { result, note: `automatic artery labelling unavailable (${message})`, run: null };
  }
  try {
    const run = await labelVolume(volume, scored.lesionSet, scored.assignment, model, opts.anatomy ? { anatomy: opts.anatomy } : {});
    return { result: rescore(scored, run, opts.clinical), note: runNote(run), run };
  } finally {
    await model.classifier.release?.();
  }
}

function rescore(scored: { lesionSet: LesionSet; assignment: Assignment; inputWarnings: string[] }, run: LabelRun, clinical: ClinicalInputs | null | undefined): ScoringResult {
  return scoreResult(scored.lesionSet, scored.assignment, {
    clinical: clinical ?? null,
    warnings: [...scored.inputWarnings, ...run.warnings],
    model: run.labelled ? run.model : null,
  });
}

/** One line for the table and the JSON: what ran and how long each step took. */
function runNote(run: LabelRun): string {
  const t = run.timingsMs;
  const ms = (x: number) => `${Math.round(x)} ms`;
  if (!run.labelled) return 'automatic artery labelling did not run: the heart was not found (see warnings); assign lesions by hand or with --seeds';
  const counts = `${run.counts.coronary} coronary and ${run.counts.other} non-coronary component proposals, ${run.counts.needsReview} to review`;
  return run.backend === 'rules'
    ? `automatic labels by the anatomy rules (${run.model.name} ${run.model.version}): ${counts}; anatomy ${ms(t.anatomy)}, lesion measures ${ms(t.features)}, rules ${ms(t.inference)}`
    : `automatic labels by ${run.model.name} ${run.model.version} on ${run.backend}: ${counts}; anatomy ${ms(t.anatomy)}, features ${ms(t.features)}, inference ${ms(t.inference)}`;
}
