/**
 * `npm run eval:real [-- --labeller rules|model|both] [--json FILE] [--scan NAME]`: the automatic
 * labeller on every real scan with a reader's labels in ../shared/data/reader-labels/, judged
 * lesion by lesion (scripts/lib/eval-real.ts says how). Prints, per scan and overall: coronary
 * lesions right, a confusion table (reader class x label), coronary Agatston on non-coronary
 * calcium, per-artery Agatston against the reader's, the review flag's catch, and the landmark
 * errors (aortic root, apex, carina) in mm. "unsure" reader lesions are listed apart, never scored.
 */
import fs from 'node:fs';
import { loadScan, overall, readerScans, READER_CLASSES, runAndEvaluate, type ScanEval } from './lib/eval-real';
import type { LabellerKind } from '../core/labelling/rules';

const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const which = opt('--labeller') ?? 'both';
const labellers: LabellerKind[] = which === 'both' ? ['rules', 'model'] : [which as LabellerKind];
if (!labellers.every((l) => l === 'rules' || l === 'model')) {
  console.error(`eval:real: --labeller must be rules, model or both (got ${which})`);
  process.exit(2);
}
const only = opt('--scan');
const scans = readerScans().filter((s) => !only || s.name === only);
if (scans.length === 0) {
  console.error('eval:real: no reader-labelled scans found in ../shared/data/reader-labels/ (the tests and this script need ../shared beside the checkout)');
  process.exit(2);
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
function printScan(e: ScanEval): void {
  console.log(`\n== ${e.name}: anatomy ${e.anatomyFound ? 'found' : 'NOT found'}, labelling ${e.labelMs} ms`);
  for (const w of e.warnings) console.log(`   warning: ${w}`);
  console.log(`   coronary lesions right (sure/likely): ${e.coronaryRight}/${e.coronaryTotal}; all read lesions right: ${e.allRight}/${e.allTotal}`);
  console.log(`   coronary AU on non-coronary calcium: ${e.fpKnownAu} (reader: non-coronary) + ${e.fpUnreadAu} (not read) ; on "unsure" lesions: ${e.unsureCoronaryAu}`);
  console.log(`   landmarks (mm from the reader's): root ${e.landmarksMm.aorticRoot ?? '-'}, apex ${e.landmarksMm.apex ?? '-'}, carina ${e.landmarksMm.carina ?? '-'}`);
  console.log(`   Agatston       LM      LAD      LCX      RCA    total   category`);
  console.log(`   automatic ${(['LM', 'LAD', 'LCX', 'RCA', 'total'] as const).map((a) => pad(e.perArtery[a].auto.toFixed(0), 8)).join(' ')}   ${e.categories.auto}`);
  console.log(`   reader    ${(['LM', 'LAD', 'LCX', 'RCA', 'total'] as const).map((a) => pad(e.perArtery[a].reader.toFixed(0), 8)).join(' ')}   ${e.categories.reader}`);
  console.log(`   review flag: catches ${e.review.wrongFlagged} of ${e.review.wrong} wrong labels, flags ${e.review.rightFlagged} of ${e.review.right} right ones`);
  console.log(`   confusion (reader class, sure/likely -> label):  LM LAD LCX RCA OTHER UNASSIGNED`);
  for (const c of READER_CLASSES) {
    const row = e.confusion[c];
    const n = Object.values(row).reduce((s, v) => s + v, 0);
    if (n === 0) continue;
    console.log(`     ${c.padEnd(15)} ${['LM', 'LAD', 'LCX', 'RCA', 'OTHER', 'UNASSIGNED'].map((k) => pad(row[k], k.length)).join(' ')}`);
  }
  const show = e.lesions.filter((l) => !l.right || (l.confidence !== 'unsure' && ['LM', 'LAD', 'LCX', 'RCA'].includes(l.readerClass)) || l.confidence === 'unsure' && ['LM', 'LAD', 'LCX', 'RCA'].includes(l.label));
  for (const l of show.slice(0, 40))
    console.log(`     #${l.readerId} ${l.readerClass} (${l.confidence}, ~${l.readerAgatston.toFixed(0)} AU) -> ${l.label}${l.fineClass && l.fineClass !== l.label ? ` [${l.fineClass}]` : ''}${l.needsReview ? ' (check)' : ''}${l.confidence === 'unsure' ? ' (unsure: not scored)' : l.right ? ' ok' : ' WRONG'}`);
}

const out: Record<string, unknown> = {};
const loaded = [];
for (const s of scans) loaded.push(await loadScan(s));
for (const labeller of labellers) {
  console.log(`\n######## labeller: ${labeller}`);
  const evals: ScanEval[] = [];
  for (const scan of loaded) {
    const e = await runAndEvaluate(scan, labeller);
    evals.push(e);
    printScan(e);
  }
  const o = overall(evals);
  console.log(`\n== overall (${labeller}): coronary lesions right ${o.coronaryRight}/${o.coronaryTotal}; all read lesions right ${o.allRight}/${o.allTotal}; worst coronary AU on non-coronary calcium per scan ${o.maxFpAuPerScan}; categories agree ${o.categoriesAgree}/${o.scans}; worst landmark error ${o.maxLandmarkErrorMm ?? '-'} mm; review flag catches ${o.review.wrongFlagged}/${o.review.wrong} wrong, flags ${o.review.rightFlagged}/${o.review.right} right`);
  out[labeller] = { overall: o, scans: evals };
}
const jsonPath = opt('--json');
if (jsonPath) fs.writeFileSync(jsonPath, `${JSON.stringify(out, null, 1)}\n`);
