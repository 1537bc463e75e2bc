/**
 * The labeller's runtime bound to onnxruntime-web's default build, for the CLI and the tests
 * (under Node it resolves to the Node build, WASM backend). The viewer's worker picks its build
 * itself (extension/src/scoring/labeller.ts).
 */
import * as ort from 'onnxruntime-web';
import type { Classifier, ModelManifest } from './model';
import { createOnnxClassifierWith, type RuntimeOptions } from './runtime';

export function createOnnxClassifier(bytes: Uint8Array, manifest: ModelManifest, opts: RuntimeOptions = {}): Promise<Classifier> {
  return createOnnxClassifierWith(ort, bytes, manifest, opts);
}
