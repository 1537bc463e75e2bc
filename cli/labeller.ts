/**
 * The shipped labelling model under Node (CLI, training scripts, tests): reads
 * models/<name>.json and the ONNX file beside it and starts onnxruntime-web's WASM backend.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLabelModel, ModelMismatchError, type LabelModel } from '../core/labelling/model';
import { createOnnxClassifier } from '../core/labelling/runtime';

/** The model the CLI uses by default. */
export const DEFAULT_MODEL_NAME = 'cac-labeller';
export const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'models');

/** Loads a model from its manifest path (default: models/cac-labeller.json). */
export async function loadModelFile(manifestPath = path.join(MODELS_DIR, `${DEFAULT_MODEL_NAME}.json`), opts: { numThreads?: number } = {}): Promise<LabelModel> {
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
