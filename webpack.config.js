// Builds the OHIF extension and mode as ES-module bundles that a stock OHIF 3.13 viewer
// imports at run time from window.config.extensions / window.config.modes:
//   dist/ohif-calcium-scoring-extension/index.js  (+ its chunks, workers, wasm, models)
//   dist/ohif-calcium-scoring-mode/index.js
// React is bundled into the extension (the host's React is not reachable from a runtime-loaded
// bundle, docs/platform.md); cornerstone is NOT bundled: the panel takes the host's copy at run time.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

function bundle(name, entry) {
  return {
    name,
    target: 'web',
    entry: path.join(ROOT, entry),
    experiments: { outputModule: true },
    output: {
      path: path.join(ROOT, 'dist', name),
      filename: 'index.js',
      chunkFilename: '[name].[contenthash:8].js',
      assetModuleFilename: '[name].[contenthash:8][ext]',
      library: { type: 'module' },
      module: true,
      chunkFormat: 'module',
      // Chunks, workers and wasm are found relative to the bundle's own URL (import.meta.url),
      // so the folder can be served from any path.
      publicPath: 'auto',
      clean: true,
    },
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.mjs'],
      // core/ uses ESM-style "./x.js" specifiers for .ts files.
      extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
    },
    module: {
      rules: [
        // The labelling model (models/*.json manifest + .onnx) is emitted beside the bundle as
        // files the scoring worker fetches (extension/src/scoring/labeller.ts).
        { test: /\.(onnx|json)$/, include: path.join(ROOT, 'models'), type: 'asset/resource', generator: { filename: 'models/[name].[contenthash:8][ext]' } },
        {
          test: /\.tsx?$/,
          exclude: /node_modules/,
          loader: 'ts-loader',
          options: { transpileOnly: true, compilerOptions: { noEmit: false, sourceMap: true } },
        },
      ],
    },
    devtool: 'source-map',
    performance: { hints: false },
    stats: 'errors-warnings',
  };
}

export default [
  bundle('ohif-calcium-scoring-extension', 'extension/src/index.ts'),
  bundle('ohif-calcium-scoring-mode', 'mode/src/index.ts'),
];
