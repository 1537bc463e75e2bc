/**
 * The sentence a radiologist pastes into the report (docs/dicom-objects.md §2.4). Plain, standard wording:
 * total Agatston score, category (CAC-DRS), per-artery distribution, and the caveats that
 * change how the number is read (non-gated scan, non-120 kVp, unreviewed assignment).
 */
import { ARTERIES, type ScoringResult } from '../types';
import { reportedScore } from '../risk';
import { priorSentence, type PriorComparison } from '../prior';

function fmt(n: number): string {
  return String(reportedScore(n));
}

/**
 * The report sentence; with a prior comparison (core/prior.ts) one more sentence says the change
 * and whether it is progression (not for a result whose images failed an input check).
 */
export function reportText(result: ScoringResult, prior: PriorComparison | null = null): string {
  const s = currentText(result);
  if (!prior || (result.risk.inputProblems && result.risk.inputProblems.length > 0)) return s;
  const final = !result.risk.provisional && !(result.labelling?.status === 'unreviewed' && result.confirmed !== true && automaticLesionCount(result) > 0);
  return `${s} ${priorSentence(prior, final)}`;
}

function currentText(result: ScoringResult): string {
  const total = result.total;
  const drs = result.risk.cacDrs;
  const pending = result.risk.provisional ? result.risk.pending : undefined;
  const problems = result.risk.inputProblems;
  if (problems && problems.length > 0) {
    return `Coronary artery calcium scoring not reportable: the images failed an input check (${problems[0].replace(/[.;:]?\s*$/, '')}).`;
  }
  if (pending) {
    const n = pending.lesionCount;
    const assigned = total.lesionCount > 0 ? `assigned so far: Agatston ${fmt(total.agatston)}, ${drs}` : 'none assigned so far';
    return (
      `Coronary artery calcium scoring not final: ${n} candidate lesion${n === 1 ? ' is' : 's are'} not yet assigned to a ` +
      `coronary artery or excluded (${assigned}).`
    );
  }
  const unconfirmed = result.labelling?.status === 'unreviewed' && result.confirmed !== true ? automaticLesionCount(result) : 0;
  if (unconfirmed > 0) {
    const automatic = total.lesionCount > 0 ? `automatic total so far: Agatston ${fmt(total.agatston)}, ${drs}` : 'no lesion on an artery so far';
    return (
      `Coronary artery calcium scoring not final: ${unconfirmed} candidate lesion${unconfirmed === 1 ? ' carries' : 's carry'} an automatic ` +
      `artery label not yet confirmed by a reader (${automatic}).`
    );
  }
  if (total.lesionCount === 0 || !(total.agatston > 0)) {
    return `No coronary artery calcium detected (Agatston score 0, ${drs}).`;
  }
  const parts = ARTERIES.filter((a) => result.arteries[a].lesionCount > 0).map((a) => `${a} ${fmt(result.arteries[a].agatston)}`);
  const vessels = parts.length;
  const mass = total.massMg !== null ? `, calcium mass ${total.massMg.toFixed(1)} mg` : '';
  let s =
    `Coronary artery calcium score (Agatston) ${fmt(total.agatston)} (${parts.join(', ')}), ` +
    `${vessels} ${vessels === 1 ? 'vessel' : 'vessels'}, volume ${total.volumeMm3.toFixed(1)} mm3${mass}; ${drs}.`;
  const caveats: string[] = [];
  if (result.input.gated === false) caveats.push('non-gated acquisition (scores may be underestimated)');
  if (result.input.kvp !== null && result.input.kvp !== 120) caveats.push(`${result.input.kvp} kVp (threshold defined at 120 kVp)`);
  if (!result.reviewed) caveats.push('artery assignment not reviewed by a reader');
  if (caveats.length > 0) s += ` Note: ${caveats.join('; ')}.`;
  return s;
}

/**
 * A score with one decimal as the panel shows it, rounded from the value the SR stores (2
 * decimals for Agatston and volume, 3 for mass; core/encode/sr.ts), so that a result and its
 * stored report always read the same (23.3459 is stored as 23.35 and shown as 23.4 in both).
 */
export function oneDecimal(x: number, storedDecimals = 2): string {
  const stored = Math.round(x * 10 ** storedDecimals);
  return (Math.round(stored / 10 ** (storedDecimals - 1)) / 10).toFixed(1);
}

/** Where the review of a result stands (panel headline, SR, PDF). */
export type ReviewState = 'reviewed' | 'in review' | 'automatic';

export interface ReviewStatus {
  state: ReviewState;
  /** Candidate lesions neither on an artery nor excluded. */
  pending: number;
  /** Their Agatston sum (outside the totals). */
  pendingAgatston: number;
  /** Lesions whose artery (or exclusion) is the model's proposal, not yet confirmed by a person. */
  unconfirmed: number;
  /** What is left for the reader: pending + unconfirmed. */
  toReview: number;
  /** Lesions excluded as non-coronary (each 3D lesion once). */
  excluded: number;
  confirmed: boolean;
  /** One line for a reader, e.g. "in review: 12 candidates left to review". */
  text: string;
}

/** Each 3D lesion once (a split lesion's parts share their parent). */
function lesionCount(lesions: ScoringResult['lesions'], keep: (l: ScoringResult['lesions'][number]) => boolean): number {
  return new Set(lesions.filter(keep).map((l) => l.parentId ?? l.id)).size;
}

/** Lesions whose artery (or exclusion) the model proposed and no person set. */
function automaticLesionCount(result: ScoringResult): number {
  return lesionCount(result.lesions, (l) => l.labelSource === 'auto' && l.artery !== 'UNASSIGNED');
}

/**
 * "reviewed" only when nothing is left for the reader (no unassigned candidate, no automatic
 * label a person has not confirmed or changed) and a person edited the labels, or when the
 * reader confirmed the result; "in review" once a person edited while something is left;
 * "automatic" before any person's edit. A first click never makes a result "reviewed".
 */
export function reviewStatus(result: ScoringResult): ReviewStatus {
  const pending = result.risk.pending?.lesionCount ?? 0;
  const pendingAgatston = result.risk.pending?.agatston ?? 0;
  const excluded = lesionCount(result.lesions, (l) => l.artery === 'OTHER');
  // The reader's confirmation: set on the result, or the automatic labels accepted as a whole.
  const confirmed = result.confirmed === true || result.labelling?.status === 'confirmed';
  const unconfirmed = confirmed ? 0 : automaticLesionCount(result);
  const toReview = pending + unconfirmed;
  const state: ReviewState = confirmed || (toReview === 0 && result.reviewed) ? 'reviewed' : result.reviewed ? 'in review' : 'automatic';
  const left =
    `${toReview} candidate${toReview === 1 ? '' : 's'} left to review` +
    (unconfirmed > 0 && pending > 0 ? ` (${pending} unassigned, ${unconfirmed} automatic)` : unconfirmed > 0 ? ' (automatic labels)' : '');
  const text =
    state === 'reviewed'
      ? confirmed && pending > 0
        ? `confirmed by the reader (${pending} candidate${pending === 1 ? '' : 's'} left unassigned)`
        : 'reviewed by a reader'
      : state === 'in review'
        ? `in review: ${left}`
        : toReview > 0
          ? `automatic: ${left}`
          : 'automatic, not reviewed by a reader';
  return { state, pending, pendingAgatston, unconfirmed, toReview, excluded, confirmed, text };
}

/**
 * The panel's headline: never a bare "0 / CAC-DRS 0" while candidates are unreviewed. With
 * candidates left it leads with how many and gives the assigned total and what is pending.
 * The review state (reviewStatus().text) goes beside it.
 */
export function resultHeadline(result: ScoringResult): { primary: string; unit: string; secondary: string; provisional: boolean } {
  const st = reviewStatus(result);
  const total = result.total;
  if (st.pending > 0 && !st.confirmed) {
    const assigned =
      total.lesionCount > 0
        ? `assigned so far: Agatston ${oneDecimal(total.agatston)} (${result.risk.cacDrs})`
        : 'none assigned yet';
    return {
      primary: String(st.pending),
      unit: `candidate${st.pending === 1 ? '' : 's'} to review`,
      secondary: `${assigned}; candidates to review: Agatston ${oneDecimal(st.pendingAgatston)}`,
      provisional: true,
    };
  }
  return {
    primary: oneDecimal(total.agatston),
    unit: 'Agatston',
    secondary: `${result.risk.cacDrs} · category ${result.risk.agatstonCategory}`,
    provisional: false,
  };
}
