/**
 * Builds the labeller's training set from the phantom: for each seed, a varied scan
 * (core/phantom/variation.ts), detection, findAnatomy and componentFeatures (the same
 * TypeScript as at run time), and each slice component's truth class from the phantom's class
 * map. Very common easy classes (bone, table, noise) are subsampled per scan.
 *
 *   node --import tsx scripts/train/build-set.ts [--scans N] [--out DIR]
 *
 * Writes DIR/meta.json, train-x.f32 (rows x features), train-y.u8 (FINE_CLASSES index),
 * train-scan.u32 (seed of each row). `--workers N` (default 2) builds in N processes; the
 * result does not depend on N (rows are joined in seed order).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findAnatomy } from '../../core/anatomy/index';
import { componentFeatures, FEATURE_NAMES, FEATURE_VERSION } from '../../core/labelling/features';
import { FINE_CLASSES } from '../../core/labelling/model';
import { mulberry32 } from '../../core/phantom/prng';
import { detectLesions } from '../../core/scoring/detect';
import { componentTruth, generate, trainingScan } from './common';

const { values } = parseArgs({
  options: { scans: { type: 'string', default: '240' }, out: { type: 'string', default: '.cache/train' }, workers: { type: 'string', default: '2' }, shard: { type: 'string' } },
});
const scans = Number(values.scans);
const out = values.out!;
fs.mkdirSync(out, { recursive: true });

if (values.shard === undefined) {
  // Parent: one child process per core, each building every n-th scan, then join their parts in seed order.
  const workers = Math.max(1, Number(values.workers));
  const t0 = performance.now();
  const self = fileURLToPath(import.meta.url);
  const codes = await Promise.all(
    Array.from({ length: workers }, (_, w) => new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', self, '--scans', String(scans), '--out', out, '--shard', `${w}/${workers}`], { stdio: 'inherit' });
      child.on('exit', (code) => resolve(code ?? 1));
    })),
  );
  if (codes.some((c) => c !== 0)) {
    process.stderr.write('build-set: a worker failed\n');
    process.exit(1);
  }
  const parts = Array.from({ length: workers }, (_, w) => JSON.parse(fs.readFileSync(path.join(out, `part-${w}.json`), 'utf8')) as { seeds: number[]; rows: number[]; anatomyMissed: number; classCounts: number[] });
  const xs = parts.map((_, w) => new Float32Array(new Uint8Array(fs.readFileSync(path.join(out, `part-${w}-x.f32`))).buffer));
  const ys = parts.map((_, w) => fs.readFileSync(path.join(out, `part-${w}-y.u8`)));
  const nf = FEATURE_NAMES.length;
  // Rows of each seed, in seed order.
  const order: [number, number, number, number][] = []; // seed, worker, first row, rows
  parts.forEach((p, w) => {
    let first = 0;
    p.seeds.forEach((seed, n) => {
      order.push([seed, w, first, p.rows[n]]);
      first += p.rows[n];
    });
  });
  order.sort((a, b) => a[0] - b[0]);
  const total = order.reduce((s, o) => s + o[3], 0);
  const x = new Float32Array(total * nf);
  const y = new Uint8Array(total);
  const scanOf = new Uint32Array(total);
  let at = 0;
  for (const [seed, w, first, rows] of order) {
    x.set(xs[w].subarray(first * nf, (first + rows) * nf), at * nf);
    y.set(ys[w].subarray(first, first + rows), at);
    scanOf.fill(seed, at, at + rows);
    at += rows;
  }
  fs.writeFileSync(path.join(out, 'train-x.f32'), new Uint8Array(x.buffer));
  fs.writeFileSync(path.join(out, 'train-y.u8'), y);
  fs.writeFileSync(path.join(out, 'train-scan.u32'), new Uint8Array(scanOf.buffer));
  const counts = FINE_CLASSES.map((_, c) => parts.reduce((s, p) => s + p.classCounts[c], 0));
  const anatomyMissed = parts.reduce((s, p) => s + p.anatomyMissed, 0);
  const meta = {
    featureVersion: FEATURE_VERSION,
    featureNames: [...FEATURE_NAMES],
    classes: [...FINE_CLASSES],
    rows: total,
    scans,
    anatomyMissed,
    classCounts: Object.fromEntries(FINE_CLASSES.map((c, n) => [c, counts[n]])),
    heldOut: 'left-dominant hearts (redrawn right-dominant in training); seeds 900001+ and 950001+ for the held-out sets',
    buildSeconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  fs.writeFileSync(path.join(out, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  for (let w = 0; w < workers; w++) for (const f of [`part-${w}.json`, `part-${w}-x.f32`, `part-${w}-y.u8`]) fs.rmSync(path.join(out, f));
  process.stdout.write(`training set: ${total} components from ${scans - anatomyMissed} scans (anatomy not found in ${anatomyMissed}) in ${meta.buildSeconds} s: ${JSON.stringify(meta.classCounts)}\n`);
  process.exit(0);
}
const [shard, shards] = values.shard.split('/').map(Number);

/** Per scan, at most this many components of each abundant, easy class. */
const CAP: Record<string, number> = { bone: 60, outside: 15, noise: 40 };
const nf = FEATURE_NAMES.length;
const rowsX: Float32Array[] = [];
const rowsY: number[] = [];
const seeds: number[] = [];
const rowsPerSeed: number[] = [];
const counts = new Array<number>(FINE_CLASSES.length).fill(0);
let anatomyMissed = 0;
const t0 = performance.now();
for (let seed = 1 + shard; seed <= scans; seed += shards) {
  const opts = trainingScan(seed);
  const { volume, classes } = generate(opts);
  const set = detectLesions(volume);
  const anatomy = findAnatomy(volume);
  if (!anatomy.found) {
    // The labeller never runs without anatomy: such scans teach it nothing.
    anatomyMissed++;
    continue;
  }
  const x = componentFeatures(volume, set, anatomy);
  const y = componentTruth(set, classes);
  const rand = mulberry32(seed * 7919);
  const byClass = new Map<number, number[]>();
  for (let n = 0; n < y.length; n++) {
    const list = byClass.get(y[n]);
    if (list) list.push(n);
    else byClass.set(y[n], [n]);
  }
  let rows = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(c)!;
    const cap = CAP[FINE_CLASSES[c]] ?? Infinity;
    // Partial Fisher-Yates: a seeded sample of `cap` members.
    for (let m = 0; m < Math.min(cap, members.length); m++) {
      const r = m + Math.floor(rand() * (members.length - m));
      [members[m], members[r]] = [members[r], members[m]];
      const n = members[m];
      rowsX.push(x.slice(n * nf, (n + 1) * nf));
      rowsY.push(c);
      counts[c]++;
      rows++;
    }
  }
  seeds.push(seed);
  rowsPerSeed.push(rows);
  if (seeds.length % 10 === 0) process.stdout.write(`  worker ${shard}: ${seeds.length} scans, ${rowsY.length} components, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const x = new Float32Array(rowsY.length * nf);
rowsX.forEach((r, n) => x.set(r, n * nf));
fs.writeFileSync(path.join(out, `part-${shard}-x.f32`), new Uint8Array(x.buffer));
fs.writeFileSync(path.join(out, `part-${shard}-y.u8`), Uint8Array.from(rowsY));
fs.writeFileSync(path.join(out, `part-${shard}.json`), JSON.stringify({ seeds, rows: rowsPerSeed, anatomyMissed, classCounts: counts }));
