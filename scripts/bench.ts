/**
 * `npm run bench` (node --expose-gc --import tsx scripts/bench.ts [--runs N] [--json FILE]):
 *
 * 1. Scoring time on two phantom volumes (core/phantom generatePhantom): 512x512x64 (gated-like)
 *    and 512x512x320 (chest-like, 0.75 mm increment), as a ratio to a plain pass that reads every
 *    voxel once (the sum of all Int16 values) in the same process. Aim: within 6x.
 * 2. Extra memory of detectLesions in bytes per voxel: heap + ArrayBuffers after gc, before and
 *    after the call, with the LesionSet kept alive (retained), and without gc right after the
 *    call (retained + garbage, an upper estimate of the transient peak). Aim: under 1 byte/voxel.
 * 3. The CLI end to end on ../shared/data/acrin-chest-ct (135 JPEG-LS slices): a fresh
 *    `node bin/cacs.mjs score ... --format json` process, wall time including start-up and
 *    decoding, with its phase times (CACS_TIMING=1). Aim: under 3 s.
 *
 * Minimum of N runs is reported for times (the least disturbed by other processes), median in brackets.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePhantom } from '../core/phantom/index';
import { detectLesions } from '../core/scoring/detect';
import { scoreVolume } from '../core/index';
import type { CtVolume } from '../core/types';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1]) > 0 && argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 5;
const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : null;

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

function benchCli() {
  if (!fs.existsSync(ACRIN)) return null;
  const walls: number[] = [];
  let phases: Record<string, number> = {};
  let lesionCount = 0;
  for (let r = 0; r < Math.max(3, Math.min(runs, 5)); r++) {
    const t = performance.now();
    const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), 'score', ACRIN, '--format', 'json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CACS_TIMING: '1' },
      maxBuffer: 256 * 1024 * 1024,
    });
    const wall = performance.now() - t;
    if (res.status !== 0) throw new Error(`cacs failed (${res.status}): ${res.stderr}`);
    walls.push(wall);
    lesionCount = JSON.parse(res.stdout).lesions.length;
    if (wall <= Math.min(...walls)) {
      phases = {};
      for (const m of res.stderr.matchAll(/^timing (\S+) (\d+) ms$/gm)) phases[m[1]] = Number(m[2]);
    }
  }
  return { wallMs: stats(walls), phasesOfFastestRun: phases, lesionCount };
}

const f0 = (x: number) => x.toFixed(0);
const f2 = (x: number) => x.toFixed(2);

console.log(`cacs benchmark: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg().map(f2).join(' ')}, ${runs} runs`);
console.log('volumes: core/phantom generatePhantom (synthetic chest CT with coronary plaques, bone, aorta, noise)\n');

const cases: CaseResult[] = [];
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

const cli = benchCli();
if (cli) {
  console.log(`\ncacs score ../shared/data/acrin-chest-ct --format json (fresh process, JPEG-LS decode included):`);
  console.log(`  wall ${f0(cli.wallMs.min)} ms [median ${f0(cli.wallMs.median)}] (aim < 3000), ${cli.lesionCount} lesions`);
  console.log(`  phases of the fastest run: ${Object.entries(cli.phasesOfFastestRun).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
} else {
  console.log('\n../shared/data/acrin-chest-ct not found: CLI end-to-end timing skipped');
}
console.log(`(checksum ${sink})`);

if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), runs, cases, cli }, null, 2));
