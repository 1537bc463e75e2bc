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

function lockOwnerAlive(lock) {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    // Just created by its owner, pid not written yet: alive unless it is old.
    const st = fs.statSync(lock, { throwIfNoEntry: false });
    return !!st && Date.now() - st.mtimeMs < 5000;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Run webpack when needed. Returns true when it built. Throws with webpack's output on failure.
 * A lock folder keeps parallel callers (test files run in parallel) from building over each other.
 */
export function ensureBuilt({ root = REPO_ROOT, force = false, log = console.error } = {}) {
  if (!force && !bundlesAreStale(root)) return false;
  const lock = path.join(root, 'dist', '.build-lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      // Another process is building. Its lock is stale when that process is gone (killed mid-build).
      if (!lockOwnerAlive(lock)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) log('Waiting for another build of the plugin to finish...');
      told = true;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for another build (lock ${lock}).`);
      sleep(200);
    }
  }
  try {
    if (!force && !bundlesAreStale(root)) return false;
    log('Building the calcium scoring extension and mode (webpack)...');
    const webpack = path.join(root, 'node_modules', 'webpack-cli', 'bin', 'cli.js');
    const r = spawnSync(process.execPath, [webpack, '--mode', 'production'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`The webpack build failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
    // webpack leaves unchanged outputs untouched (compareBeforeEmit): mark them as built now.
    const now = new Date();
    for (const o of OUTPUTS) fs.utimesSync(path.join(root, 'dist', o), now, now);
    return true;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
