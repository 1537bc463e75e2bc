/**
 * Labeller timings for the model card: anatomy, features and inference (median of N runs) on
 * the gated demo study (512 x 512 x 48) and the 135-slice acrin chest CT, in Node on
 * onnxruntime-web's WASM backend, as `cacs score` runs it.
 *
 *   node --import tsx scripts/train/bench-labeller.ts [--runs 5] [--threads 1]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadModelFile } from '../../cli/labeller';
import { initCodecs, readSeries } from '../../core/dicom/read';
import { labelVolume } from '../../core/labelling/model';
import { demoStudy } from '../../core/phantom/index';
import { Assignment } from '../../core/scoring/assign';
import { detectLesions } from '../../core/scoring/detect';
import type { CtVolume } from '../../core/types';
import { median } from './evaluate-lib';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, threads: { type: 'string', default: '1' } } });
const runs = Number(values.runs);
const model = await loadModelFile(undefined, { numThreads: Number(values.threads) });
await initCodecs();
const acrinDir = path.resolve('../shared/data/acrin-chest-ct');
const acrin = readSeries(fs.readdirSync(acrinDir).sort().map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(acrinDir, name))) }))).volume;
const studies: [string, CtVolume][] = [
  ['gated demo study 512x512x48', demoStudy().volume],
  ['acrin-chest-ct 512x512x135', acrin],
];
process.stdout.write(`backend ${model.classifier.backend}, ${runs} runs, median ms\n`);
for (const [name, volume] of studies) {
  const set = detectLesions(volume);
  const t: Record<string, number[]> = { anatomy: [], features: [], inference: [], total: [] };
  let counts = '';
  for (let r = 0; r < runs; r++) {
    const run = await labelVolume(volume, set, new Assignment(set), model);
    for (const k of Object.keys(t)) t[k].push(run.timingsMs[k as keyof typeof run.timingsMs]);
    counts = `${set.components.length} components: ${run.counts.coronary} coronary, ${run.counts.other} non-coronary, ${run.counts.needsReview} to review`;
  }
  process.stdout.write(`${name}: anatomy ${median(t.anatomy).toFixed(0)}, features ${median(t.features).toFixed(0)}, inference ${median(t.inference).toFixed(1)}, total ${median(t.total).toFixed(0)} (${counts})\n`);
}
