/**
 * `node --import tsx scripts/bench-anatomy.ts [--runs N]`: time of the anatomy finder
 * (core/anatomy findAnatomy) and the per-component features (core/labelling/features) on
 *
 *  - the gated demo-like phantom, 512 x 512 x 48 (3 mm, 200 mm field of view, varied heart),
 *  - the real chest CT ../shared/data/acrin-chest-ct (512 x 512 x 135, JPEG-LS, read once).
 *
 * For each: median (and minimum) of N runs (default 5) after one untimed warm-up run, the
 * per-step medians of the anatomy, and the ratio to detectLesions on the same volume measured in
 * the same loop (a baseline that moves with machine load, so the ratio is comparable between
 * machines). Aims (issue 8): anatomy + features at most ~0.7 s for the gated study and ~2 s for
 * the chest CT on the 2-core build machine. The load average is printed: on a shared machine
 * under load absolute times grow, ratios much less.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAnatomy } from '../core/anatomy/index';
import { initCodecs, readSeries } from '../core/dicom/read';
import { componentFeatures } from '../core/labelling/features';
import { generatePhantom } from '../core/phantom/index';
import { detectLesions } from '../core/scoring/detect';
import type { CtVolume } from '../core/types';
import { median } from '../core/math';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');
const argv = process.argv.slice(2);
const runs = argv.includes('--runs') ? Math.max(1, Number(argv[argv.indexOf('--runs') + 1]) || 5) : 5;

const ms = (v: number) => `${v.toFixed(0)} ms`;

function bench(name: string, volume: CtVolume, aimMs: number): void {
  const detect: number[] = [];
  const anatomy: number[] = [];
  const features: number[] = [];
  const total: number[] = [];
  const steps: Record<string, number[]> = {};
  let rows = 0;
  let found = false;
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    const set = detectLesions(volume);
    const t1 = performance.now();
    const a = findAnatomy(volume);
    const t2 = performance.now();
    const f = componentFeatures(volume, set, a);
    const t3 = performance.now();
    if (r === 0) continue; // warm-up
    rows = set.components.length;
    found = a.found;
    void f;
    detect.push(t1 - t0);
    anatomy.push(t2 - t1);
    features.push(t3 - t2);
    total.push(t3 - t1);
    for (const [k, v] of Object.entries(a.timingsMs)) (steps[k] ??= []).push(v);
  }
  const m = median(total);
  console.log(`\n${name}: ${volume.columns} x ${volume.rows} x ${volume.slices}, ${rows} components, heart found: ${found}`);
  console.log(`  anatomy + features  median ${ms(m)} (min ${ms(Math.min(...total))}), aim <= ${ms(aimMs)}: ${m <= aimMs ? 'met' : 'NOT met'}`);
  console.log(`  anatomy             median ${ms(median(anatomy))}`);
  console.log(`  features            median ${ms(median(features))}`);
  console.log(`  detectLesions       median ${ms(median(detect))} (baseline); (anatomy + features) / detect = ${(m / median(detect)).toFixed(2)}`);
  console.log(`  anatomy steps (median ms): ${Object.entries(steps).map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(', ')}`);
}

console.log(`bench-anatomy: ${runs} runs each (+1 warm-up); ${os.cpus().length} CPUs, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
const gated = generatePhantom({ geometry: 'gated', seed: 1, anatomyVariation: true }).volume;
bench('gated phantom', gated, 700);
if (fs.existsSync(ACRIN)) {
  await initCodecs();
  const files = fs
    .readdirSync(ACRIN)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(ACRIN, name))) }));
  bench('acrin-chest-ct', readSeries(files).volume, 2000);
} else console.log(`\n${ACRIN} not found: chest CT skipped`);
console.log(`\nload average at the end ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
