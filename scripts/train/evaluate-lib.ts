/**
 * The labeller against phantom truth: lesion accuracy, per-artery Agatston error and the
 * linearly weighted kappa of the classic Agatston classes. Used by scripts/train/evaluate.ts
 * (the card's figures) and tests/integration/labelling-heldout.test.ts.
 */
import { agatstonCategory } from '../../core/risk';
import { Assignment } from '../../core/scoring/assign';
import { detectLesions } from '../../core/scoring/detect';
import { scoreResult } from '../../core/scoring/score';
import { FINE_CLASSES, labelVolume, type LabelModel } from '../../core/labelling/model';
import { labelByRules } from '../../core/labelling/rules';
import type { PhantomOptions } from '../../core/phantom/types';
import { ARTERIES, type Artery, type LesionLabel } from '../../core/types';
import { componentTruth, generate } from './common';

const CLASSIC = ['0', '1-10', '11-100', '101-400', '>400'];

export interface Figures {
  scans: number;
  anatomyFound: number;
  /** Scored lesions (a 3D lesion, or one label's part of it): proposed label vs truth label (majority of its voxels). */
  lesions: { all: number; right: number; coronaryTruth: number; coronaryRight: number; coronaryProposed: number; coronaryProposedRight: number };
  /** Non-coronary truth proposed as an artery, by fine class. */
  falseCoronary: Record<string, number>;
  /** Agatston per artery summed over scans: truth, proposed, sum of per-scan absolute errors. */
  agatston: Record<Artery | 'total', { truth: number; proposed: number; absError: number }>;
  /** Linearly weighted kappa of the classic classes of the per-scan totals. */
  kappa: number;
  categoryAgreement: number;
  /** truth label -> proposed label -> lesions. */
  confusion: Record<string, Record<string, number>>;
  needsReview: number;
  timingsMs: { anatomy: number[]; features: number[]; inference: number[] };
}

const labelOfFine = (fine: string): LesionLabel => ((ARTERIES as readonly string[]).includes(fine) ? (fine as Artery) : 'OTHER');

export function linearKappa(a: number[], b: number[], k: number): number {
  const n = a.length;
  if (n === 0) return NaN;
  const obs = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const ra = new Array<number>(k).fill(0);
  const rb = new Array<number>(k).fill(0);
  for (let m = 0; m < n; m++) {
    obs[a[m]][b[m]] += 1 / n;
    ra[a[m]] += 1 / n;
    rb[b[m]] += 1 / n;
  }
  let po = 0;
  let pe = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      const w = 1 - Math.abs(i - j) / (k - 1);
      po += w * obs[i][j];
      pe += w * ra[i] * rb[j];
    }
  return pe === 1 ? 1 : (po - pe) / (1 - pe);
}

/** `model` is an ONNX model, or 'rules' for the rule labeller (core/labelling/rules.ts). */
export async function evaluateScans(scans: PhantomOptions[], model: LabelModel | 'rules', onScan?: (n: number) => void): Promise<Figures> {
  const f: Figures = {
    scans: scans.length,
    anatomyFound: 0,
    lesions: { all: 0, right: 0, coronaryTruth: 0, coronaryRight: 0, coronaryProposed: 0, coronaryProposedRight: 0 },
    falseCoronary: {},
    agatston: Object.fromEntries([...ARTERIES, 'total'].map((a) => [a, { truth: 0, proposed: 0, absError: 0 }])) as Figures['agatston'],
    kappa: NaN,
    categoryAgreement: NaN,
    confusion: {},
    needsReview: 0,
    timingsMs: { anatomy: [], features: [], inference: [] },
  };
  const catTruth: number[] = [];
  const catProposed: number[] = [];
  for (const [n, opts] of scans.entries()) {
    const { volume, classes } = generate(opts);
    const set = detectLesions(volume);
    const truthFine = componentTruth(set, classes);
    const assignment = new Assignment(set);
    const run = model === 'rules' ? labelByRules(volume, set, assignment) : await labelVolume(volume, set, assignment, model);
    if (run.labelled) f.anatomyFound++;
    f.timingsMs.anatomy.push(run.timingsMs.anatomy);
    f.timingsMs.features.push(run.timingsMs.features);
    f.timingsMs.inference.push(run.timingsMs.inference);
    const result = scoreResult(set, assignment, { model: run.model });
    const truthLabelOf = (cid: number) => labelOfFine(FINE_CLASSES[truthFine[cid - 1]]);
    for (const lesion of result.lesions) {
      // Truth of a scored lesion: the label holding most of its voxels.
      const votes = new Map<LesionLabel, number>();
      let fine = new Map<string, number>();
      for (const cid of lesion.componentIds) {
        const c = set.components[cid - 1];
        votes.set(truthLabelOf(cid), (votes.get(truthLabelOf(cid)) ?? 0) + c.pixelCount);
        const fc = FINE_CLASSES[truthFine[cid - 1]];
        fine.set(fc, (fine.get(fc) ?? 0) + c.pixelCount);
      }
      const truth = [...votes.entries()].sort((a, b) => b[1] - a[1])[0][0];
      const truthFineClass = [...fine.entries()].sort((a, b) => b[1] - a[1])[0][0];
      fine = new Map();
      const proposed = lesion.artery;
      const right = proposed === truth;
      f.lesions.all++;
      if (right) f.lesions.right++;
      if (truth !== 'OTHER') {
        f.lesions.coronaryTruth++;
        if (right) f.lesions.coronaryRight++;
      }
      if (proposed !== 'OTHER' && proposed !== 'UNASSIGNED') {
        f.lesions.coronaryProposed++;
        if (right) f.lesions.coronaryProposedRight++;
        else if (truth === 'OTHER') f.falseCoronary[truthFineClass] = (f.falseCoronary[truthFineClass] ?? 0) + 1;
      }
      if (lesion.needsReview) f.needsReview++;
      const row = (f.confusion[truth] ??= {});
      row[proposed] = (row[proposed] ?? 0) + 1;
    }
    let truthTotal = 0;
    for (const a of ARTERIES) {
      let t = 0;
      for (const c of set.components) if (truthLabelOf(c.id) === a) t += c.agatston;
      const p = result.arteries[a].agatston;
      f.agatston[a].truth += t;
      f.agatston[a].proposed += p;
      f.agatston[a].absError += Math.abs(p - t);
      truthTotal += t;
    }
    f.agatston.total.truth += truthTotal;
    f.agatston.total.proposed += result.total.agatston;
    f.agatston.total.absError += Math.abs(result.total.agatston - truthTotal);
    catTruth.push(CLASSIC.indexOf(agatstonCategory(truthTotal)));
    catProposed.push(CLASSIC.indexOf(agatstonCategory(result.total.agatston)));
    onScan?.(n);
  }
  f.kappa = linearKappa(catTruth, catProposed, CLASSIC.length);
  f.categoryAgreement = catTruth.filter((c, n) => c === catProposed[n]).length / Math.max(catTruth.length, 1);
  return f;
}

export { median } from '../../core/math';
