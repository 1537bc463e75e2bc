/**
 * `npm run bench` (node --expose-gc --import tsx scripts/bench.ts [--runs N] [--json FILE] [--cli-only]):
 *
 * 1. Scoring time on two phantom volumes (core/phantom generatePhantom): 512x512x64 (gated-like)
 *    and 512x512x320 (chest-like, 0.75 mm increment), as a ratio to a plain pass that reads every
 *    voxel once (the sum of all Int16 values) in the same process. Aim: within 6x.
 * 2. Extra memory of detectLesions in bytes per voxel: heap + ArrayBuffers after gc, before and
 *    after the call, with the LesionSet kept alive (retained), and without gc right after the
 *    call (retained + garbage, an upper estimate of the transient peak). Aim: under 1 byte/voxel.
 * 3. The CLI end to end on ../shared/data/acrin-chest-ct (135 JPEG-LS slices): a fresh
 *    `node bin/cacs.mjs score ... --no-auto --format json` process (the compiled build in dist/cli),
 *    wall time including start-up and decoding, with its phase times (CACS_TIMING=1), against
 *    scripts/bench-pydicom.py, the same scoring in plain pydicom + numpy/scipy (Debian's
 *    /usr/bin/python3; python3-pydicom, python3-scipy, and python3-gdcm for JPEG-LS), run
 *    alternately in the same loop. Both read the files from a warm page cache (one untimed run
 *    each first). Reported: median of N runs (>= 5) of each, and their ratio. Aim: the CLI at
 *    least 5 times faster. The two must agree on the total Agatston of all candidates.
 *    Also the start-up of `cacs --version` (median).
 *
 * Minimum of N runs is reported for times (the least disturbed by other processes), median in brackets.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectLesions } from '../core/scoring/detect';
import { scoreVolume } from '../core/index';
import type { CtVolume } from '../core/types';
import { ensureCliBuilt } from './build-cli.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');
const PYTHON = '/usr/bin/python3';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1]) > 0 && argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 5;
const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : null;
/** --cli-only: only section 3 (the CLI against pydicom). */
const cliOnly = argv.includes('--cli-only');

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('bench: run with node --expose-gc (npm run bench does)');
  process.exit(2);
}

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function stats(times: number[]) {
  const s = [...times].sort((a, b) => a - b);
  return { min: s[0], median: s[s.length >> 1] };
}

let sink = 0;
function plainPass(hu: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < hu.length; i++) sum += hu[i];
  return sum;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

interface CaseResult {
  name: string;
  dims: string;
  voxels: number;
  lesions: number;
  plainMs: { min: number; median: number };
  detectMs: { min: number; median: number };
  scoreVolumeMs: { min: number; median: number };
  detectRatio: number;
  scoreVolumeRatio: number;
  retainedBytesPerVoxel: number;
  transientBytesPerVoxel: number;
}

function benchVolume(name: string, volume: CtVolume): CaseResult {
  const voxels = volume.hu.length;
  // Warm-up: JIT both paths before timing.
  sink += plainPass(volume.hu);
  detectLesions(volume);
  const plain: number[] = [];
  const detect: number[] = [];
  const whole: number[] = [];
  let lesions = 0;
  for (let r = 0; r < runs; r++) {
    gc!();
    plain.push(time(() => (sink += plainPass(volume.hu))));
    gc!();
    detect.push(time(() => (lesions = detectLesions(volume).lesions.length)));
    gc!();
    whole.push(time(() => scoreVolume(volume, { ignoreErrors: true })));
  }
  // Memory: what detectLesions leaves allocated (LesionSet kept) and what it allocated in all.
  gc!();
  const before = memory();
  let kept: unknown = detectLesions(volume);
  const transient = memory() - before;
  gc!();
  const retained = memory() - before;
  kept = null;
  void kept;
  const p = stats(plain);
  const d = stats(detect);
  const w = stats(whole);
  return {
    name,
    dims: `${volume.columns}x${volume.rows}x${volume.slices}`,
    voxels,
    lesions,
    plainMs: p,
    detectMs: d,
    scoreVolumeMs: w,
    detectRatio: d.min / p.min,
    scoreVolumeRatio: w.min / p.min,
    retainedBytesPerVoxel: retained / voxels,
    transientBytesPerVoxel: transient / voxels,
  };
}

/** Median wall time (ms) of a fresh process per run, and the last run's result. */
function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const t = performance.now();
  const res = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  const wall = performance.now() - t;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  return { wall, res };
}

type PythonBench = { wallMs: { min: number; median: number }; totalAgatston: number; components: number; phasesOfLastRun: Record<string, number> } | { error: string };

function benchCli() {
  if (!fs.existsSync(ACRIN)) return null;
  // The build is checked once; the timed runs never rebuild (CACS_NO_BUILD=1).
  ensureCliBuilt({ log: (m) => console.log(`(${m})`) });
  const cacs = [path.join(REPO_ROOT, 'bin/cacs.mjs'), 'score', ACRIN, '--no-auto', '--format', 'json'];
  const cacsEnv = { CACS_TIMING: '1', CACS_NO_BUILD: '1' };
  const python = fs.existsSync(PYTHON) ? [path.join(REPO_ROOT, 'scripts/bench-pydicom.py'), ACRIN] : null;
  // Untimed first runs: page cache, and each side's own start-up caches.
  const first = timeProcess(process.execPath, cacs, cacsEnv);
  let pyResult: { totalAgatston: number; components: number; ms: Record<string, number> } | null = null;
  let pythonError: string | null = null;
  if (python) {
    try {
      pyResult = JSON.parse(timeProcess(PYTHON, python).res.stdout);
    } catch (e) {
      pythonError = String((e as Error).message).split('\n').slice(0, 3).join(' ');
    }
  }
  const walls: number[] = [];
  const pyWalls: number[] = [];
  let phases: Record<string, number> = {};
  let out = JSON.parse(first.res.stdout);
  for (let r = 0; r < Math.max(5, runs); r++) {
    const { wall, res } = timeProcess(process.execPath, cacs, cacsEnv);
    walls.push(wall);
    out = JSON.parse(res.stdout);
    if (wall <= Math.min(...walls)) {
      phases = {};
      for (const m of res.stderr.matchAll(/^timing (\S+) (\d+) ms$/gm)) phases[m[1]] = Number(m[2]);
    }
    if (pyResult) {
      const py = timeProcess(PYTHON, python!);
      pyWalls.push(py.wall);
      pyResult = JSON.parse(py.res.stdout);
    }
  }
  const ours = (out.lesions as { agatston: number }[]).reduce((a, l) => a + l.agatston, 0);
  const startup: number[] = [];
  for (let r = 0; r < 11; r++) startup.push(timeProcess(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), '--version'], { CACS_NO_BUILD: '1' }).wall);
  return {
    wallMs: stats(walls),
    phasesOfFastestRun: phases,
    lesionCount: out.lesions.length,
    totalAgatstonAllCandidates: ours,
    versionStartupMs: stats(startup),
    python: (pyResult
      ? { wallMs: stats(pyWalls), totalAgatston: pyResult.totalAgatston, components: pyResult.components, phasesOfLastRun: pyResult.ms }
      : { error: pythonError ?? `${PYTHON} not found` }) as PythonBench,
  };
}

const f0 = (x: number) => x.toFixed(0);
const f2 = (x: number) => x.toFixed(2);

console.log(`cacs benchmark: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg().map(f2).join(' ')}, ${runs} runs`);
console.log('volumes: core/phantom generatePhantom (synthetic chest CT with coronary plaques, bone, aorta, noise)\n');

const cases: CaseResult[] = [];
if (!cliOnly) {
  const { generatePhantom } = await import('../core/phantom/index');
  {
    const gated = generatePhantom({ geometry: 'gated', size: 512, slices: 64, seed: 7 }).volume;
    cases.push(benchVolume('gated-like 512x512x64 (3 mm)', gated));
  }
  {
    const chest = generatePhantom({ geometry: 'nongated', size: 512, slices: 320, sliceThicknessMm: 1, sliceIncrementMm: 0.75, seed: 7 }).volume;
    cases.push(benchVolume('chest-like 512x512x320 (0.75 mm)', chest));
  }

  for (const c of cases) {
    console.log(`${c.name}: ${c.voxels} voxels, ${c.lesions} lesions`);
    console.log(`  plain pass (sum of HU)   ${f0(c.plainMs.min).padStart(6)} ms  [median ${f0(c.plainMs.median)}]`);
    console.log(`  detectLesions            ${f0(c.detectMs.min).padStart(6)} ms  [median ${f0(c.detectMs.median)}]  = ${f2(c.detectRatio)} x plain pass (aim <= 6)`);
    console.log(`  scoreVolume (all)        ${f0(c.scoreVolumeMs.min).padStart(6)} ms  [median ${f0(c.scoreVolumeMs.median)}]  = ${f2(c.scoreVolumeRatio)} x plain pass`);
    console.log(`  extra memory             ${f2(c.retainedBytesPerVoxel)} bytes/voxel retained, ${f2(c.transientBytesPerVoxel)} bytes/voxel before gc (aim < 1)`);
  }
}

const cli = benchCli();
if (cli) {
  console.log(`\ncacs score ../shared/data/acrin-chest-ct --no-auto --format json (fresh process, compiled build, JPEG-LS decode included; warm page cache):`);
  console.log(`  cacs     median ${f0(cli.wallMs.median)} ms [min ${f0(cli.wallMs.min)}], ${cli.lesionCount} candidate lesions, total Agatston ${cli.totalAgatstonAllCandidates.toFixed(2)}`);
  console.log(`           phases of the fastest run: ${Object.entries(cli.phasesOfFastestRun).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
  if (!('error' in cli.python)) {
    const py = cli.python;
    const agree = Math.abs(py.totalAgatston - cli.totalAgatstonAllCandidates) <= 1e-6 * Math.max(1, Math.abs(py.totalAgatston));
    console.log(`  pydicom  median ${f0(py.wallMs.median)} ms [min ${f0(py.wallMs.min)}], ${py.components} slice components, total Agatston ${py.totalAgatston.toFixed(2)} (scripts/bench-pydicom.py: ${Object.entries(py.phasesOfLastRun).map(([k, v]) => `${k} ${v} ms`).join(', ')})`);
    console.log(`  ratio    pydicom / cacs = ${f2(py.wallMs.median / cli.wallMs.median)} x (medians, ${Math.max(5, runs)} runs each, alternating; aim >= 5)`);
    console.log(`  totals   ${agree ? 'agree' : 'DIFFER'} (cacs ${cli.totalAgatstonAllCandidates.toFixed(4)}, pydicom ${py.totalAgatston.toFixed(4)})`);
    if (!agree) process.exitCode = 1;
  } else {
    console.log(`  pydicom  not run: ${cli.python.error} (Debian: apt-get install python3-pydicom python3-scipy python3-gdcm)`);
  }
  console.log(`  cacs --version start-up: median ${f0(cli.versionStartupMs.median)} ms [min ${f0(cli.versionStartupMs.min)}] (11 runs)`);
} else {
  console.log('\n../shared/data/acrin-chest-ct not found: CLI end-to-end timing skipped');
}
console.log(`(checksum ${sink})`);

if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), runs, cases, cli }, null, 2));
