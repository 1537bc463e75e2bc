/**
 * The shipped model on the held-out synthetic sets (distinct seeds, natural mix; and the
 * left-dominant family no training scan had), run in Node on onnxruntime-web's WASM backend as
 * the CLI runs it. Writes models/<name>.heldout.json: the figures the model card quotes. With
 * --labeller rules the rule labeller (core/labelling/rules.ts) instead: models/cac-rules.heldout.json.
 *
 *   node --import tsx scripts/train/evaluate.ts [--scans N] [--left N] [--labeller model|rules]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadModelFile, MODELS_DIR, DEFAULT_MODEL_NAME } from '../../cli/labeller';
import { RULES_LABELLER } from '../../core/labelling/rules';
import { evaluateScans, median, type Figures } from './evaluate-lib';
import { heldOutScan, leftDominantScan, HELD_OUT_FIRST_SEED, LEFT_FAMILY_FIRST_SEED } from './common';

const { values } = parseArgs({ options: { scans: { type: 'string', default: '24' }, left: { type: 'string', default: '12' }, labeller: { type: 'string', default: 'model' } } });
const rules = values.labeller === 'rules';
if (!rules && values.labeller !== 'model') throw new Error(`--labeller must be model or rules (got ${values.labeller})`);
const model = rules ? 'rules' : await loadModelFile();
const summary = (f: Figures) => ({
  scans: f.scans,
  anatomyFound: f.anatomyFound,
  lesionAccuracy: f.lesions.right / Math.max(1, f.lesions.all),
  coronaryLesionRecall: f.lesions.coronaryRight / Math.max(1, f.lesions.coronaryTruth),
  coronaryProposalPrecision: f.lesions.coronaryProposedRight / Math.max(1, f.lesions.coronaryProposed),
  lesions: f.lesions,
  falseCoronary: f.falseCoronary,
  agatstonRelativeError: Object.fromEntries(Object.entries(f.agatston).map(([a, v]) => [a, v.truth > 0 ? v.absError / v.truth : null])),
  agatston: f.agatston,
  kappaLinearClassic: f.kappa,
  categoryAgreement: f.categoryAgreement,
  needsReview: f.needsReview,
  confusion: f.confusion,
  medianMs: { anatomy: median(f.timingsMs.anatomy), features: median(f.timingsMs.features), inference: median(f.timingsMs.inference) },
});
const t0 = performance.now();
const nHeld = Number(values.scans);
const nLeft = Number(values.left);
const held = await evaluateScans(Array.from({ length: nHeld }, (_, n) => heldOutScan(n)), model, (n) => n % 10 === 9 && process.stdout.write(`  held-out ${n + 1}/${nHeld}\n`));
const left = await evaluateScans(Array.from({ length: nLeft }, (_, n) => leftDominantScan(n)), model);
const out = {
  model: model === 'rules' ? { ...RULES_LABELLER } : { name: model.manifest.name, version: model.manifest.version },
  backend: model === 'rules' ? 'rules' : model.classifier.backend,
  heldOut: { seeds: `${HELD_OUT_FIRST_SEED}..${HELD_OUT_FIRST_SEED + nHeld - 1}`, ...summary(held) },
  leftDominantFamily: { seeds: `${LEFT_FAMILY_FIRST_SEED}..${LEFT_FAMILY_FIRST_SEED + nLeft - 1}`, ...summary(left) },
  seconds: Math.round((performance.now() - t0) / 100) / 10,
};
const file = path.join(MODELS_DIR, `${rules ? RULES_LABELLER.name : DEFAULT_MODEL_NAME}.heldout.json`);
fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
for (const [name, s] of [['held-out', out.heldOut], ['left-dominant family', out.leftDominantFamily]] as const) {
  process.stdout.write(`${name}: ${s.scans} scans, lesions right ${pct(s.lesionAccuracy)}, coronary recall ${pct(s.coronaryLesionRecall)}, coronary precision ${pct(s.coronaryProposalPrecision)}, kappa ${s.kappaLinearClassic.toFixed(3)}\n`);
}
process.stdout.write(`wrote ${file} in ${out.seconds} s\n`);
