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
