#!/usr/bin/env node
// Build the `cacs` command line into dist/cli/ (webpack.cli.config.js) when it is missing or older
// than its sources. `npm run build:cli` runs this (add --force to build anyway); so does `npm ci`
// (the `prepare` script) and bin/cacs.mjs on its first run after a source changed.
//
// Safe beside running `cacs` processes and parallel callers (test files run in parallel):
// - a lock folder (dist/.cli-build-lock, holding the builder's pid) lets one process build while
//   the others wait; a lock whose owner is gone is taken over;
// - webpack writes into a fresh temporary folder, and the files are then moved into dist/cli one by
//   one (rename, atomic), entries last: a running `cacs` that loads a chunk later still finds the
//   chunk it was built with (chunk names carry a content hash), and no one reads a half-written file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIR = path.join(REPO_ROOT, 'dist', 'cli');
const ENTRIES = ['cacs.mjs', 'decode-worker.mjs'];
/** Chunks of earlier builds are removed once they are this old (no run lasts that long before loading its chunks). */
const OLD_CHUNK_MS = 10 * 60_000;

/** Why the build in dist/cli cannot be used as it is, or null when it is current. */
export function cliBuildStale(root = REPO_ROOT) {
  const dir = path.join(root, 'dist', 'cli');
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'inputs.json'), 'utf8'));
  } catch {
    return 'not built yet';
  }
  if (!ENTRIES.every((e) => fs.existsSync(path.join(dir, e)))) return 'not built yet';
  for (const f of manifest.files ?? []) {
    const st = fs.statSync(path.join(root, f), { throwIfNoEntry: false });
    if (!st || st.mtimeMs > manifest.startedMs) return `${f} changed`;
  }
  return null;
}

function lockOwnerAlive(lock) {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    // Just created, pid not written yet: alive unless it is old.
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

/** Move a file into place by rename (atomic); skip it when the same bytes are already there. */
function install(from, to) {
  const old = fs.statSync(to, { throwIfNoEntry: false });
  if (old && old.size === fs.statSync(from).size && fs.readFileSync(to).equals(fs.readFileSync(from))) return;
  fs.renameSync(from, to);
}

/**
 * Build dist/cli when it is missing or stale (or always with force). Returns true when it built.
 * Throws an Error with webpack's output when the build fails, or when webpack is not installed.
 */
export function ensureCliBuilt({ root = REPO_ROOT, force = false, log = () => {} } = {}) {
  if (!force && !cliBuildStale(root)) return false;
  const dist = path.join(root, 'dist');
  const dir = path.join(dist, 'cli');
  const webpack = path.join(root, 'node_modules', 'webpack-cli', 'bin', 'cli.js');
  if (!fs.existsSync(webpack)) {
    throw new Error(`cannot build the command line: webpack is not installed; run \`npm ci\` in ${root}`);
  }
  const lock = path.join(dist, '.cli-build-lock');
  fs.mkdirSync(dist, { recursive: true });
  const deadline = Date.now() + 300_000;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (!lockOwnerAlive(lock)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) log('waiting for another build of the command line to finish...');
      told = true;
      if (Date.now() > deadline) throw new Error(`timed out waiting for another build of the command line (lock ${lock}; remove it if no build runs)`);
      sleep(200);
    }
  }
  const tmp = path.join(dist, `.cli-build-${process.pid}`);
  try {
    if (!force && !cliBuildStale(root)) return false;
    log('building the command line (webpack, into dist/cli)...');
    fs.rmSync(tmp, { recursive: true, force: true });
    const r = spawnSync(process.execPath, [webpack, '--config', path.join(root, 'webpack.cli.config.js'), '--mode', 'production', '--output-path', tmp], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0 || !fs.existsSync(path.join(tmp, 'inputs.json'))) {
      throw new Error(`the build of the command line failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const built = fs.readdirSync(tmp);
    const last = [...ENTRIES, 'inputs.json'];
    for (const f of built.filter((f) => !last.includes(f))) install(path.join(tmp, f), path.join(dir, f));
    for (const f of last) fs.renameSync(path.join(tmp, f), path.join(dir, f));
    const now = Date.now();
    for (const f of fs.readdirSync(dir)) {
      if (built.includes(f)) continue;
      const st = fs.statSync(path.join(dir, f));
      if (now - st.mtimeMs > OLD_CHUNK_MS) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    }
    return true;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // --if-possible (the `prepare` script of `npm ci`): an install without the build tools
  // (npm ci --omit=dev) is not an error here; bin/cacs.mjs then says what to do.
  if (process.argv.includes('--if-possible') && !fs.existsSync(path.join(REPO_ROOT, 'node_modules', 'webpack-cli', 'bin', 'cli.js'))) {
    console.error('build-cli: webpack is not installed, the command line is not built (npm ci without --omit=dev builds it)');
    process.exit(0);
  }
  try {
    const built = ensureCliBuilt({ force: process.argv.includes('--force'), log: (m) => console.error(`build-cli: ${m}`) });
    console.error(built ? `build-cli: dist/cli built` : 'build-cli: dist/cli is up to date');
  } catch (e) {
    console.error(`build-cli: ${e.message}`);
    process.exit(1);
  }
}
