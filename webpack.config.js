// Builds the OHIF extension and mode as ES-module bundles that a stock OHIF 3.13 viewer
// imports at run time from window.config.extensions / window.config.modes:
//   dist/ohif-calcium-scoring-extension/index.js  (+ its chunks, workers, wasm, models)
//   dist/ohif-calcium-scoring-mode/index.js
// React is bundled into the extension (the host's React is not reachable from a runtime-loaded
// bundle, docs/platform.md); cornerstone is NOT bundled: the panel takes the host's copy at run time.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

// The package for a build-time install (`npm pack` in extension/, OHIF's pluginConfig.json or
// `yarn cli link-extension`): React comes from the host viewer's build (peerDependencies, as in
// OHIF's extension template), so it is left out of that bundle, and so do OHIF's i18next binding
// and UI components, which the package's panel uses (the panel's UI adapter, below).
// Cornerstone and @ohif/core are only imported as types, so neither bundle carries them.
const HOST_PROVIDED = ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react-i18next', '@ohif/ui-next'];
// The panel's UI adapter (strings and buttons): its own t() and buttons in the bundle loaded by
// URL, which cannot reach the host's React; react-i18next and @ohif/ui-next in the package.
const PANEL_UI = path.join(ROOT, 'extension/src/panel/ui');
const PANEL_UI_HOST = path.join(ROOT, 'extension/src/panel/ui.ohif.tsx');

function bundle(name, entry, { hostReact = false } = {}) {
  return {
    name: hostReact ? `${name}-package` : name,
    target: 'web',
    entry: path.join(ROOT, entry),
    experiments: { outputModule: true },
    output: {
      path: hostReact ? path.join(ROOT, 'dist', 'package', name) : path.join(ROOT, 'dist', name),
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
      ...(hostReact ? { alias: { [`${PANEL_UI}$`]: PANEL_UI_HOST } } : {}),
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
    ...(hostReact ? { externalsType: 'module', externals: Object.fromEntries(HOST_PROVIDED.map((m) => [m, m])) } : {}),
    devtool: 'source-map',
    performance: { hints: false },
    stats: 'errors-warnings',
  };
}

// `webpack --env package` builds the build-time package instead of the bundles loaded by URL.
export default (env = {}) =>
  env.package
    ? [bundle('ohif-calcium-scoring-extension', 'extension/src/index.ts', { hostReact: true })]
    : [bundle('ohif-calcium-scoring-extension', 'extension/src/index.ts'), bundle('ohif-calcium-scoring-mode', 'mode/src/index.ts')];
