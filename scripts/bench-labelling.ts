/**
 * `npm run bench:labelling [-- --runs N]`: automatic labelling as a user meets it, cold: a fresh
 * `node bin/cacs.mjs score <series> --format json` process (the compiled build) per run, with
 * the default labeller (the anatomy rules), with `--labeller model` (the ONNX model on
 * onnxruntime-web's WASM backend, loaded in that process) and with `--no-auto` (the baseline:
 * the same process without labelling), run alternately in one loop after one untimed run of
 * each (warm page cache). Reported per series: the median wall time of each and the median of
 * the CLI's own `auto-label` phase (CACS_TIMING=1), i.e. what labelling adds to `cacs score`.
 * Aims (issue 13): labelling within 1 s for a gated study and 3 s for a chest CT.
 * Series: the gated demo phantom (written once to a temporary folder) and the real chest CTs in
 * ../shared/data (acrin-chest-ct, covid-ct-md/cap002).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCtSeries } from '../core/dicom/write-ct';
import { median } from '../core/math';
import { demoStudy } from '../core/phantom/index';
import { ensureCliBuilt } from './build-cli.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const runs = argv.includes('--runs') ? Math.max(1, Number(argv[argv.indexOf('--runs') + 1]) || 5) : 5;

ensureCliBuilt();
const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-bench-demo-'));
writeCtSeries(demoStudy(1).volume).forEach((bytes, n) => fs.writeFileSync(path.join(demoDir, `${String(n).padStart(3, '0')}.dcm`), bytes));
const series = [
  { name: 'gated demo phantom (512 x 512 x 48)', dir: demoDir },
  { name: 'acrin-chest-ct (512 x 512 x 135, JPEG-LS)', dir: path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct') },
  { name: 'covid-ct-md/cap002 (512 x 512 x 131, JPEG Lossless)', dir: path.resolve(REPO_ROOT, '../shared/data/covid-ct-md/cap002') },
].filter((s) => fs.existsSync(s.dir));
const variants = [
  { name: 'rules (default)', args: [] as string[] },
  { name: '--labeller model', args: ['--labeller', 'model'] },
  { name: '--no-auto', args: ['--no-auto'] },
];

function once(dir: string, extra: string[]): { wallMs: number; labelMs: number | null } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), 'score', dir, '--format', 'json', ...extra], {
    env: { ...process.env, CACS_TIMING: '1' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cacs score ${dir} ${extra.join(' ')} exited ${r.status}: ${r.stderr.split('\n')[0]}`);
  const m = /timing auto-label (\d+) ms/.exec(r.stderr);
  return { wallMs, labelMs: m ? Number(m[1]) : null };
}

console.log(`bench:labelling, ${runs} cold runs of each (fresh process), medians; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const s of series) {
  for (const v of variants) once(s.dir, v.args); // untimed: warm page cache
  const wall = variants.map(() => [] as number[]);
  const label = variants.map(() => [] as number[]);
  for (let r = 0; r < runs; r++)
    variants.forEach((v, i) => {
      const t = once(s.dir, v.args);
      wall[i].push(t.wallMs);
      if (t.labelMs !== null) label[i].push(t.labelMs);
    });
  const base = median(wall[2]);
  console.log(`\n${s.name}`);
  variants.forEach((v, i) => {
    const w = median(wall[i]);
    const l = label[i].length ? `${median(label[i]).toFixed(0)} ms` : '-';
    console.log(`  ${v.name.padEnd(18)} wall ${w.toFixed(0).padStart(6)} ms  (+${(w - base).toFixed(0)} ms over --no-auto)  auto-label phase ${l}`);
  });
}
fs.rmSync(demoDir, { recursive: true, force: true });
