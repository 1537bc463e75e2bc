/**
 * The sentence a radiologist pastes into the report (SPEC 2.4). Plain, standard wording:
 * total Agatston score, category (CAC-DRS), per-artery distribution, and the caveats that
 * change how the number is read (non-gated scan, non-120 kVp, unreviewed assignment).
 */
import { ARTERIES, type ScoringResult } from '../types';
import { reportedScore } from '../risk';

function fmt(n: number): string {
  return String(reportedScore(n));
}

export function reportText(result: ScoringResult): string {
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

/** Where the review of a result stands (panel headline, SR, PDF). */
export type ReviewState = 'reviewed' | 'in review' | 'automatic';

export interface ReviewStatus {
  state: ReviewState;
  /** Candidate lesions neither on an artery nor excluded. */
  pending: number;
  /** Their Agatston sum (outside the totals). */
  pendingAgatston: number;
  /** Lesions excluded as non-coronary (each 3D lesion once). */
  excluded: number;
  confirmed: boolean;
  /** One line for a reader, e.g. "in review: 12 candidates left". */
  text: string;
}

/**
 * "reviewed" only when no candidate is left to review and a person edited the labels, or when
 * the reader confirmed the result; "in review" once a person edited while candidates remain;
 * "automatic" before any person's edit. A first click never makes a result "reviewed".
 */
export function reviewStatus(result: ScoringResult): ReviewStatus {
  const pending = result.risk.pending?.lesionCount ?? 0;
  const pendingAgatston = result.risk.pending?.agatston ?? 0;
  const excluded = new Set(result.lesions.filter((l) => l.artery === 'OTHER').map((l) => l.parentId ?? l.id)).size;
  // The reader's confirmation: set on the result, or the automatic labels accepted as a whole.
  const labelling = (result as { labelling?: { status?: string } }).labelling;
  const confirmed = result.confirmed === true || labelling?.status === 'confirmed';
  const state: ReviewState = confirmed || (pending === 0 && result.reviewed) ? 'reviewed' : result.reviewed ? 'in review' : 'automatic';
  const left = `${pending} candidate${pending === 1 ? '' : 's'} left to review`;
  const text =
    state === 'reviewed'
      ? confirmed && pending > 0
        ? `confirmed by the reader (${left})`
        : 'reviewed by a reader'
      : state === 'in review'
        ? `in review: ${left}`
        : pending > 0
          ? `automatic: ${left}`
          : 'automatic, not reviewed by a reader';
  return { state, pending, pendingAgatston, excluded, confirmed, text };
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
        ? `assigned so far: Agatston ${total.agatston.toFixed(1)} (${result.risk.cacDrs})`
        : 'none assigned yet';
    return {
      primary: String(st.pending),
      unit: `candidate${st.pending === 1 ? '' : 's'} to review`,
      secondary: `${assigned}; candidates to review: Agatston ${st.pendingAgatston.toFixed(1)}`,
      provisional: true,
    };
  }
  return {
    primary: total.agatston.toFixed(1),
    unit: 'Agatston',
    secondary: `${result.risk.cacDrs} · category ${result.risk.agatstonCategory}`,
    provisional: false,
  };
}
