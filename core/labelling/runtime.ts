/**
 * The labeller's ONNX runtime adapter: onnxruntime-web, in the viewer's Web Worker (WebGPU
 * when the browser has it, else WASM, multi-threaded when the page is cross-origin isolated)
 * and under Node for the CLI and tests (WASM). The only file of the core that imports
 * onnxruntime-web, and only as a type: the caller hands over the build it loaded
 * (createOnnxClassifierWith), so the viewer can load the plain-WASM build (a 14 MB
 * WebAssembly) where no WebGPU adapter exists instead of the WebGPU one (27 MB).
 * runtime-node.ts binds the default build for the CLI and tests; model.ts stays free of it.
 */
import type * as Ort from 'onnxruntime-web';
import type { Classifier, ModelManifest } from './model';

export interface RuntimeOptions {
  /** Backends to try in order; default ['webgpu', 'wasm'] where WebGPU exists, else ['wasm']. */
  backends?: ('webgpu' | 'wasm')[];
  /** WASM threads (onnxruntime-web's default is 1 on small machines); default 1. */
  numThreads?: number;
  /** Where the .wasm files are served from (the viewer's bundle folder); default: next to the script. */
  wasmPaths?: string;
}

const hasWebGpu = (): boolean => typeof navigator !== 'undefined' && !!(navigator as unknown as { gpu?: unknown }).gpu;

/** The parts of an onnxruntime-web build this adapter uses (every build has them). */
export type OrtBuild = Pick<typeof Ort, 'env' | 'InferenceSession' | 'Tensor'>;

/** An onnxruntime-web session over the model bytes, as a Classifier, on the given build. */
export async function createOnnxClassifierWith(ort: OrtBuild, bytes: Uint8Array, manifest: ModelManifest, opts: RuntimeOptions = {}): Promise<Classifier> {
  const backends = opts.backends ?? (hasWebGpu() ? ['webgpu', 'wasm'] : ['wasm']);
  ort.env.wasm.numThreads = Math.max(1, opts.numThreads ?? 1);
  if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
  let session: Ort.InferenceSession | null = null;
  let backend = '';
  const failures: string[] = [];
  for (const b of backends) {
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: [b], graphOptimizationLevel: 'all' });
      backend = b === 'wasm' ? `wasm (${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads === 1 ? '' : 's'})` : b;
      break;
    } catch (e) {
      failures.push(`${b}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!session) throw new Error(`The labelling model ${manifest.name} could not be started (${failures.join('; ')}); lesions stay for the reader.`);
  const s = session;
  return {
    backend,
    async run(features: Float32Array, rows: number, columns: number): Promise<Float32Array> {
      const input = new ort.Tensor('float32', features, [rows, columns]);
      const out = await s.run({ [manifest.input]: input });
      const probs = out[manifest.output];
      const data = (await probs.getData()) as Float32Array;
      input.dispose?.();
      probs.dispose?.();
      return data;
    },
    async release() {
      await s.release();
    },
  };
}
