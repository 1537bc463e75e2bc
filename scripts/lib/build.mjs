// Build the plugin bundles (webpack) when they are missing or older than their sources.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST_DIR = path.join(REPO_ROOT, 'dist');
const OUTPUTS = ['ohif-calcium-scoring-extension/index.js', 'ohif-calcium-scoring-mode/index.js'];
const SOURCES = ['extension/src', 'mode/src', 'core', 'webpack.config.js', 'package.json'];

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newestMtime(path.join(p, e)));
  return m;
}

export function bundlesAreStale(root = REPO_ROOT) {
  const outs = OUTPUTS.map((o) => path.join(root, 'dist', o));
  if (outs.some((o) => !fs.existsSync(o))) return true;
  const built = Math.min(...outs.map((o) => fs.statSync(o).mtimeMs));
  return SOURCES.some((s) => newestMtime(path.join(root, s)) > built);
}

/** Run webpack when needed. Returns true when it built. Throws with webpack's output on failure. */
export function ensureBuilt({ root = REPO_ROOT, force = false, log = console.error } = {}) {
  if (!force && !bundlesAreStale(root)) return false;
  log('Building the calcium scoring extension and mode (webpack)...');
  const webpack = path.join(root, 'node_modules', 'webpack-cli', 'bin', 'cli.js');
  const r = spawnSync(process.execPath, [webpack, '--mode', 'production'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`The webpack build failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
  return true;
}
