/**
 * Scores a LesionSet under an Assignment (docs/scoring.md §1.1-1.4): per lesion, per artery and total
 * Agatston, volume and mass, plus categories and risk.
 *
 * Cheap by design, so the panel can re-score on every click: it sums the per-component figures
 * that detection stored and never reads the volume (O(number of components)).
 */
import { provisionalMessage, riskSummary, type PendingLesions } from '../risk';
import type { Artery, ClinicalInputs, LesionLabel, LesionMeasure, ScoringResult, Totals, Vec3 } from '../types';
import { ARTERIES, LESION_LABELS } from '../types';
import { SOURCE_RANK, type Assignment, type LabelSource } from './assign';
import type { LesionSet } from './detect';

export interface ScoreOptions {
  clinical?: ClinicalInputs | null;
  /** Input warnings (checkVolume) to carry into the result. */
  warnings?: string[];
  model?: { name: string; version: string } | null;
}

export const MASS_FACTOR_MISSING_WARNING =
  'Calcium mass not computed: the images carry no calibration factor (0018,9351) and no site or phantom factor is set; set one to report mass in mg.';

/** Decision-support text while the artery labels are an unconfirmed automatic proposal. */
export const AUTO_GUIDANCE_WITHHELD =
  'Automatic, not reviewed: the artery labels are a proposal of the automatic labeller; decision support is withheld until the reader reviews and confirms them.';

/** The warning carried while automatic labels are unconfirmed. */
export function autoProposalMessage(model: { name: string; version: string }, needsReview: number): string {
  return (
    `Automatic, not reviewed: artery labels proposed by ${model.name} ${model.version}; the totals count them, but they are not final until the reader confirms` +
    (needsReview > 0 ? ` (${needsReview} lesion${needsReview === 1 ? '' : 's'} marked for review).` : '.')
  );
}

/** Per-lesion figures from a group of slice components (all of a 3D lesion, or one artery's part). */
export function measureComponents(
  set: LesionSet,
  componentIds: number[],
  id: number,
  artery: LesionLabel,
  labelSource: LabelSource,
  parentId?: number,
  assignment?: Assignment,
): LesionMeasure {
  const g = set.geometry;
  let agatston = 0;
  let voxelCount = 0;
  let sumHu = 0;
  let peak = -Infinity;
  let first = Infinity;
  let last = -Infinity;
  const centroid: Vec3 = [0, 0, 0];
  for (const cid of componentIds) {
    const c = set.components[cid - 1];
    agatston += c.agatston;
    voxelCount += c.pixelCount;
    sumHu += set.componentMeanHu[cid - 1] * c.pixelCount;
    if (c.peakHu > peak) peak = c.peakHu;
    if (c.slice < first) first = c.slice;
    if (c.slice > last) last = c.slice;
    for (let a = 0; a < 3; a++) centroid[a] += c.centroidMm[a] * c.pixelCount;
  }
  const n = Math.max(voxelCount, 1);
  const meanHu = sumHu / n;
  // docs/scoring.md §1.2: volume = voxels x pixel area x slice increment; mass = c x mean HU x volume (cm^3).
  const volumeMm3 = voxelCount * g.columnSpacingMm * g.rowSpacingMm * g.sliceIncrementMm;
  const c = set.settings.massFactor;
  // Automatic labels: the lowest confidence of the lesion's components, review if any needs it.
  let confidence: number | null = null;
  let needsReview = false;
  let fineClass: string | undefined;
  if (assignment && labelSource === 'auto') {
    for (const cid of componentIds) {
      const conf = assignment.confidenceOfComponent(cid);
      if (conf !== null && (confidence === null || conf < confidence)) {
        confidence = conf;
        fineClass = assignment.fineClassOfComponent(cid) ?? undefined;
      }
      if (assignment.componentNeedsReview(cid)) needsReview = true;
    }
  }
  const measure: LesionMeasure = {
    id,
    artery,
    agatston,
    volumeMm3,
    massMg: c === null ? null : (c * meanHu * volumeMm3) / 1000,
    peakHU: peak,
    meanHU: meanHu,
    centroidMm: [centroid[0] / n, centroid[1] / n, centroid[2] / n],
    voxelCount,
    componentIds: [...componentIds],
    sliceRange: [first, last],
    labelSource,
    confidence,
    needsReview,
  };
  if (fineClass !== undefined) measure.fineClass = fineClass;
  if (parentId !== undefined) measure.parentId = parentId;
  return measure;
}

/**
 * The lesion table: a 3D lesion whose components all carry one label keeps its id; one whose
 * components carry several labels (a split) becomes one part per label, each with parentId =
 * the 3D lesion and a stable id above every 3D lesion id:
 * maxLesionId + (lesionId - 1) x (number of labels) + label index + 1.
 */
export function lesionMeasures(set: LesionSet, assignment: Assignment): LesionMeasure[] {
  const out: LesionMeasure[] = [];
  const maxLesionId = set.lesions.length;
  for (const lesion of set.lesions) {
    const groups = new Map<LesionLabel, number[]>();
    const rank = new Map<LesionLabel, LabelSource>();
    for (const cid of lesion.componentIds) {
      const label = assignment.labelOfComponent(cid);
      const source = assignment.sourceOfComponent(cid);
      const list = groups.get(label);
      if (list) list.push(cid);
      else groups.set(label, [cid]);
      const seen = rank.get(label);
      if (seen === undefined || SOURCE_RANK[source] > SOURCE_RANK[seen]) rank.set(label, source);
    }
    if (groups.size === 1) {
      const [label] = groups.keys();
      out.push(measureComponents(set, lesion.componentIds, lesion.id, label, rank.get(label) ?? 'none', undefined, assignment));
      continue;
    }
    // Parts in a fixed label order (LM, LAD, LCX, RCA, OTHER, UNASSIGNED).
    LESION_LABELS.forEach((label, labelIndex) => {
      const ids = groups.get(label);
      if (!ids) return;
      const partId = maxLesionId + (lesion.id - 1) * LESION_LABELS.length + labelIndex + 1;
      out.push(measureComponents(set, ids, partId, label, rank.get(label) ?? 'none', lesion.id, assignment));
    });
  }
  return out;
}

const emptyTotals = (mass: boolean): Totals => ({ agatston: 0, volumeMm3: 0, massMg: mass ? 0 : null, lesionCount: 0 });

/** Scores the set under the assignment; no pass over the volume. */
export function scoreResult(set: LesionSet, assignment: Assignment, opts: ScoreOptions = {}): ScoringResult {
  const hasMass = set.settings.massFactor !== null;
  const lesions = lesionMeasures(set, assignment);
  const arteries = Object.fromEntries(ARTERIES.map((a) => [a, emptyTotals(hasMass)])) as Record<Artery, Totals>;
  const total = emptyTotals(hasMass);
  // The total counts the four arteries only (OTHER and UNASSIGNED are excluded; docs/scoring.md §1.3);
  // its lesion count counts each 3D lesion once even when split between arteries.
  const countedParents = new Set<number>();
  for (const m of lesions) {
    if (!(ARTERIES as readonly string[]).includes(m.artery)) continue;
    const t = arteries[m.artery as Artery];
    t.agatston += m.agatston;
    t.volumeMm3 += m.volumeMm3;
    if (t.massMg !== null && m.massMg !== null) t.massMg += m.massMg;
    t.lesionCount += 1;
    total.agatston += m.agatston;
    total.volumeMm3 += m.volumeMm3;
    if (total.massMg !== null && m.massMg !== null) total.massMg += m.massMg;
    countedParents.add(m.parentId ?? m.id);
  }
  total.lesionCount = countedParents.size;

  // Candidates nobody has assigned or excluded yet: the result is provisional (docs/scoring.md §1.3:
  // only assigned coronary lesions count, so unreviewed calcium would otherwise read as CAC 0).
  const pending: PendingLesions = { lesionCount: 0, agatston: 0 };
  for (const m of lesions) {
    if (m.artery !== 'UNASSIGNED') continue;
    pending.lesionCount += 1;
    pending.agatston += m.agatston;
  }

  const warnings = [...(opts.warnings ?? [])];
  if (pending.lesionCount > 0) warnings.push(provisionalMessage(pending));
  if (!hasMass) warnings.push(MASS_FACTOR_MISSING_WARNING);

  // Automatic labels nobody has confirmed are a proposal: the totals show at once, but the
  // result is provisional and guideline text and risk wait for the reader's confirmation.
  const risk = riskSummary(total, arteries, opts.clinical ?? null, pending, set.inputProblems);
  // One rule for "unconfirmed" (Assignment.hasUnconfirmedProposals), with or without a model
  // record: automatic labels restored from a stored result are a proposal even in a session
  // whose labeller did not load (core/encode/readback.ts names their model when the SEG does).
  let labelling: ScoringResult['labelling'];
  const model = opts.model ?? assignment.model ?? null;
  const unconfirmed = assignment.hasUnconfirmedProposals();
  if (model || unconfirmed) {
    const proposals = lesions.filter((m) => m.labelSource === 'auto');
    labelling = {
      status: unconfirmed ? 'unreviewed' : 'confirmed',
      proposals: proposals.length,
      needsReview: proposals.filter((m) => m.needsReview).length,
    };
    if (labelling.status === 'unreviewed') {
      warnings.push(autoProposalMessage(model ?? { name: 'an automatic labeller', version: '(not recorded)' }, labelling.needsReview));
      risk.provisional = true;
      if (!risk.inputProblems?.length && !(risk.pending && risk.pending.lesionCount > 0)) risk.guidance = AUTO_GUIDANCE_WITHHELD;
      if (opts.clinical) {
        risk.mesaTenYearChdRiskPercent = null;
        risk.mesaNotes = ['MESA risk not computed: the artery labels are automatic and not yet reviewed.'];
      }
    }
  }

  return {
    input: set.geometry.facts,
    settings: { ...set.settings },
    total,
    arteries,
    lesions,
    risk,
    warnings: [...new Set(warnings)],
    reviewed: assignment.reviewed,
    model,
    ...(labelling ? { labelling } : {}),
  };
}
