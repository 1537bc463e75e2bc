#!/usr/bin/env node
// `cacs`: the command-line face of the scoring core. It runs the compiled JavaScript in dist/cli/
// (webpack.cli.config.js; built by `npm ci` through the `prepare` script, or `npm run build:cli`).
// In a working copy whose sources changed since that build, it first rebuilds it
// (scripts/build-cli.mjs, with a lock), so `cacs` always runs the sources as they are.
// Everything heavy (dcmjs, the WebAssembly decoders, the scoring core) is loaded only by the
// command that needs it, so `cacs --help` answers at once.
import fs from 'node:fs';

const root = new URL('../', import.meta.url);
const entry = new URL('dist/cli/cacs.mjs', root);

/** Same test as scripts/build-cli.mjs's cliBuildStale, inlined: no extra module on the usual path. */
function stale() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(new URL('dist/cli/inputs.json', root), 'utf8'));
  } catch {
    return true;
  }
  if (!fs.existsSync(entry)) return true;
  for (const f of manifest.files ?? []) {
    const st = fs.statSync(new URL(f, root), { throwIfNoEntry: false });
    if (!st || st.mtimeMs > manifest.startedMs) return true;
  }
  return false;
}

// CACS_NO_BUILD=1 skips the check (benchmarks: time the build as it is, never a rebuild).
if (process.env.CACS_NO_BUILD !== '1' && stale()) {
  const builder = new URL('scripts/build-cli.mjs', root);
  const canBuild = fs.existsSync(builder) && fs.existsSync(new URL('node_modules/webpack-cli/bin/cli.js', root));
  if (canBuild) {
    const { ensureCliBuilt } = await import(builder.href);
    try {
      ensureCliBuilt({ log: (m) => process.stderr.isTTY && process.stderr.write(`cacs: ${m}\n`) });
    } catch (e) {
      process.stderr.write(`cacs: ${String(e.message)}\n`);
      process.exit(1);
    }
  } else if (!fs.existsSync(entry)) {
    // Without the build tools an existing build is used as it is; without a build there is nothing to run.
    process.stderr.write('cacs: the command line is not built (dist/cli/cacs.mjs is missing): run `npm ci` or `npm run build:cli` in the project folder\n');
    process.exit(1);
  }
}

const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
