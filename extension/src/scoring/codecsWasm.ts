// Where the image decoders' WebAssembly (dcmjs-codecs) lies: webpack emits it beside the bundle.
// Imported on demand (import()), never statically from a worker's entry: a .wasm referenced from
// an entry chunk became a chunk of its own that the ES-module worker's start-up waited for forever.
export const codecsWasmUrl = new URL('../../../node_modules/dcmjs-codecs/build/dcmjs-native-codecs.wasm', import.meta.url).href;
