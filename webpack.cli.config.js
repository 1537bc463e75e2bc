// Builds the `cacs` command line into plain JavaScript for Node, so that it runs without a
// TypeScript loader (`npm run build:cli`; also part of `npm run build`, and of `npm ci` through
// the `prepare` script):
//   dist/cli/cacs.mjs           entry: exports main(argv) (bin/cacs.mjs calls it)
//   dist/cli/decode-worker.mjs  the decoding worker thread (cli/decode-pool.ts starts it by that
//                               name beside itself, as it does with cli/decode-worker.mjs in the sources)
//   dist/cli/*.[hash].mjs       the subcommands and the core, loaded only by the command that needs them
//   dist/cli/inputs.json        the source files the build read, for bin/cacs.mjs's staleness check
// Packages from node_modules (dcmjs, dcmjs-codecs with its .wasm, pdf-lib) are not bundled: they are
// imported from node_modules at run time, as the sources do.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(ROOT, 'dist', 'cli');

/**
 * Writes inputs.json beside the output: when the build started and every repository file it read
 * (relative to the root), so that bin/cacs.mjs can tell when a source changed after the build.
 */
class InputsManifest {
  apply(compiler) {
    const startedMs = Date.now();
    compiler.hooks.afterEmit.tap('InputsManifest', (compilation) => {
      const files = [...compilation.fileDependencies]
        .filter((f) => f.startsWith(ROOT + path.sep) && !f.includes(`${path.sep}node_modules${path.sep}`) && fs.existsSync(f) && fs.statSync(f).isFile())
        .map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
      files.push('webpack.cli.config.js');
      const manifest = { startedMs, files: [...new Set(files)].sort() };
      fs.writeFileSync(path.join(compilation.outputOptions.path, 'inputs.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    });
  }
}

export default {
  name: 'cacs',
  target: 'node20',
  entry: {
    cacs: path.join(ROOT, 'cli/main.ts'),
    'decode-worker': path.join(ROOT, 'cli/decode-worker.ts'),
  },
  experiments: { outputModule: true },
  output: {
    path: OUT,
    filename: '[name].mjs',
    // Chunks sit beside the entries: decode-pool finds decode-worker.mjs relative to its own file.
    chunkFilename: '[name].[contenthash:8].mjs',
    library: { type: 'module' },
    module: true,
    chunkFormat: 'module',
    chunkLoading: 'import',
    clean: true,
  },
  externalsPresets: { node: true },
  // Bare specifiers (packages) stay imports, resolved from node_modules at run time.
  externals: [
    ({ request }, callback) => {
      if (/^[a-z@][^:]*$/i.test(request) && !request.startsWith('.')) return callback(null, `import ${request}`);
      return callback();
    },
  ],
  resolve: {
    extensions: ['.ts', '.js', '.mjs'],
    extensionAlias: { '.js': ['.ts', '.js'] },
  },
  module: {
    parser: {
      // import.meta.url stays the file's own URL at run time, `new Worker(new URL(...))` is left
      // alone (the worker is its own entry above), and so is createRequire (cli/codecs-lite.ts
      // resolves packages at run time).
      javascript: { importMeta: false, url: false, worker: false, createRequire: false },
    },
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        loader: 'ts-loader',
        options: { transpileOnly: true, compilerOptions: { noEmit: false, target: 'ES2022' } },
      },
    ],
  },
  // Readable output (a stack trace of an internal error names our functions); no minifier pass.
  optimization: { minimize: false, moduleIds: 'named', chunkIds: 'named' },
  devtool: false,
  performance: { hints: false },
  stats: 'errors-warnings',
  plugins: [new InputsManifest()],
};
