// The automatic labeller in the scoring Web Worker. By default the anatomy rules
// (core/labelling/rules.ts: no model, no runtime to load; they measured better on real
// reader-labelled scans). With app-config calciumScoring.labeller = 'model', the shipped model
// (models/*.json manifest + .onnx, emitted by webpack beside the bundle) on onnxruntime-web,
// WebGPU when the browser has it and WASM otherwise, WASM threads when the page is cross-origin
// isolated (an explicit numThreads: onnxruntime-web's own default is 1 on small machines,
// docs/platform.md). The core (core/labelling) computes anatomy, features and proposals; this
// file only finds the files and picks the backend.
import type { Assignment, LesionSet } from '../../../core/index';
import { labelVolume, loadLabelModel, type LabelModel, type LabelRun } from '../../../core/labelling/model';
import { labelByRules } from '../../../core/labelling/rules';
import type { CtVolume } from '../../../core/types';
import type { LabellerKind, LabellingInfo } from './workerProtocol';

/** models/ as webpack saw it at build time: file name -> URL of the emitted asset. */
function modelFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const ctx = import.meta.webpackContext('../../../models', { recursive: false, regExp: /\.(json|onnx)$/ });
  for (const key of ctx.keys()) {
    const url = ctx(key) as string | { default: string };
    files.set(key.replace(/^\.\//, ''), typeof url === 'string' ? url : url.default);
  }
  return files;
}

let cached: Promise<LabelModel | null> | null = null;

/** WASM threads: all cores up to 4 when SharedArrayBuffer is usable (cross-origin isolated), else 1. */
export function wasmThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 1;
  return isolated ? Math.max(1, Math.min(4, cores)) : 1;
}

async function loadModel(): Promise<LabelModel | null> {
  const files = modelFiles();
  // The manifest of model NAME.onnx is NAME.json beside it (other .json files, e.g. held-out
  // figures, are not manifests).
  const onnx = [...files.keys()].find((f) => f.endsWith('.onnx') && files.has(f.replace(/\.onnx$/, '.json')));
  if (!onnx) return null; // no model shipped: lesions stay for the reader
  const manifestName = onnx.replace(/\.onnx$/, '.json');
  const manifest = (await (await fetch(files.get(manifestName)!)).json()) as { model?: string };
  const modelUrl = manifest.model ? files.get(manifest.model) : undefined;
  if (!modelUrl) throw new Error(`The labelling model ${manifest.model ?? '(none named)'} named by ${manifestName} is not beside the bundle; lesions stay for the reader.`);
  const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  // onnxruntime-web (and its wasm) loads only when a model ships. navigator.gpu can exist
  // without an adapter (headless, no GPU): ask before choosing WebGPU. Without an adapter the
  // plain-WASM build is loaded: its WebAssembly is about half the size of the WebGPU build's
  // (14 MB against 27 MB), and compiling it was most of the labeller's start-up on a 2-core
  // machine (bench:viewer: open -> done 12.0 -> 9.9 s on the demo).
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter?: () => Promise<unknown> } } | undefined)?.gpu;
  const adapter = gpu?.requestAdapter ? await gpu.requestAdapter().catch(() => null) : null;
  const [{ createOnnxClassifierWith }, ort] = await Promise.all([
    import(/* webpackChunkName: "calcium-onnx" */ '../../../core/labelling/runtime'),
    adapter
      ? import(/* webpackChunkName: "calcium-onnx-webgpu" */ 'onnxruntime-web/webgpu')
      : import(/* webpackChunkName: "calcium-onnx-wasm" */ 'onnxruntime-web/wasm'),
  ]);
  return loadLabelModel(manifest, bytes, (b, m) =>
    createOnnxClassifierWith(ort, b, m, { backends: adapter ? ['webgpu', 'wasm'] : ['wasm'], numThreads: wasmThreads() }),
  );
}

/** Start loading the model and its runtime (no wait) when the model labeller is chosen; a failure is reported by runLabeller. */
export function prepareLabeller(kind: LabellerKind = 'rules'): void {
  if (kind !== 'model') return;
  cached ??= loadModel();
  cached.catch(() => undefined);
}

/**
 * Label the lesion set in place (source 'auto'; the reader's labels are kept). Returns what
 * ran, for the panel, or null when the model labeller is chosen and no model ships.
 */
export async function runLabeller(
  volume: CtVolume,
  set: LesionSet,
  assignment: Assignment,
  kind: LabellerKind = 'rules',
): Promise<{ info: LabellingInfo; warnings: string[]; model: { name: string; version: string } | null } | null> {
  if (kind !== 'model') return describeRun(labelByRules(volume, set, assignment), set, assignment);
  cached ??= loadModel();
  let model: LabelModel | null;
  try {
    model = await cached;
  } catch (e) {
    cached = null;
    const warning = (e as Error).message;
    return { info: { backend: null, modelName: null, modelVersion: null, anatomyMs: 0, featuresMs: 0, inferenceMs: 0, autoLabelled: 0, warning }, warnings: [warning], model: null };
  }
  if (!model) return null;
  return describeRun(await labelVolume(volume, set, assignment, model), set, assignment);
}

function describeRun(run: LabelRun, set: LesionSet, assignment: Assignment): { info: LabellingInfo; warnings: string[]; model: { name: string; version: string } | null } {
  const autoLabelled = set.lesions.filter((l) => l.componentIds.some((id) => assignment.sourceOfComponent(id) === 'auto' && assignment.labelOfComponent(id) !== 'OTHER' && assignment.labelOfComponent(id) !== 'UNASSIGNED')).length;
  return {
    info: {
      backend: run.backend,
      modelName: run.model.name,
      modelVersion: run.model.version,
      anatomyMs: run.timingsMs.anatomy,
      featuresMs: run.timingsMs.features,
      inferenceMs: run.timingsMs.inference,
      autoLabelled,
      warning: run.labelled ? null : (run.warnings[run.warnings.length - 1] ?? null),
    },
    warnings: run.warnings,
    model: run.labelled ? run.model : null,
  };
}
