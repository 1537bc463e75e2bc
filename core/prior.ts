/**
 * Comparison with a prior calcium score of the same patient (another study), docs/scoring.md §1.6.
 * Pure: no DOM, no archive. The prior is what a stored calcium report carries (readback.ts:
 * per-artery and total Agatston, its study date, the acquisition facts of its source series,
 * the settings it was scored with).
 *
 *  - change = current total - prior total (Agatston units), per artery the same way;
 *  - annualised change = change / interval in years, the interval from the two study dates
 *    (days / 365.25); not computed when a date is missing or the prior is not earlier;
 *  - progression by the square-root method of Hokanson et al. (AJR 2004;182:1327-1332):
 *    progression when sqrt(current Agatston) - sqrt(prior Agatston) >= 2.5;
 *  - a prior from a different kVp, slice thickness or reconstruction kernel (or other scoring
 *    settings) carries the warning that the scores are not comparable.
 */
import { ARTERIES, type Artery, type ScoringResult } from './types';
import type { CalciumReport } from './encode/readback';

/** Hokanson 2004: a square-root difference at or above this is progression beyond interscan variability. */
export const HOKANSON_SQRT_THRESHOLD = 2.5;
export const PROGRESSION_METHOD = 'square-root method (Hokanson et al., AJR 2004): progression when sqrt(current) - sqrt(prior) >= 2.5';

/** Acquisition facts that change the Agatston score (null where unknown or not recorded). */
export interface AcquisitionFacts {
  kvp: number | null;
  sliceThicknessMm: number | null;
  convolutionKernel: string | null;
}

/** One side of the comparison. */
export interface ScoreSnapshot {
  studyInstanceUid: string;
  /** DICOM DA (YYYYMMDD) or ISO (YYYY-MM-DD); null or empty when unknown. */
  studyDate: string | null;
  total: number;
  /** Agatston per artery; an artery missing here has no calcium (0). */
  arteries: Partial<Record<Artery, number>>;
  /** null: the report does not record them (older reports). */
  acquisition: AcquisitionFacts | null;
  /** The scoring settings as the SR records them ("name: value" lines); null when unknown. */
  settings?: string[] | null;
  /** Why this score was not final when stored (candidates left, labels not reviewed); null when final or unknown. */
  notFinal?: string | null;
}

export interface PriorComparison {
  priorStudyInstanceUid: string;
  /** YYYY-MM-DD, or null when the prior report carries no study date. */
  priorStudyDate: string | null;
  currentStudyDate: string | null;
  /** Years between the two study dates (days / 365.25), null when not known. */
  intervalYears: number | null;
  prior: { total: number; arteries: Record<Artery, number> };
  current: { total: number; arteries: Record<Artery, number> };
  /** current - prior, Agatston units. */
  change: { total: number; arteries: Record<Artery, number> };
  /** change.total per year; null with `annualisedNote` saying why. */
  annualisedChange: number | null;
  annualisedNote: string | null;
  /** sqrt(current total) - sqrt(prior total). */
  sqrtDifference: number;
  progression: boolean;
  method: string;
  /** False when an acquisition fact or a setting differs (the warnings say which). */
  comparable: boolean;
  warnings: string[];
}

/** The current result as one side of the comparison; `studyDate` from the source CT (SourceContext). */
export function snapshotOfResult(result: ScoringResult, study: { studyInstanceUid: string; studyDate: string | null }, settings: string[] | null = null): ScoreSnapshot {
  return {
    studyInstanceUid: study.studyInstanceUid,
    studyDate: study.studyDate,
    total: result.total.agatston,
    arteries: Object.fromEntries(ARTERIES.map((a) => [a, result.arteries[a].agatston])),
    acquisition: { kvp: result.input.kvp, sliceThicknessMm: result.input.sliceThicknessMm, convolutionKernel: result.input.convolutionKernel },
    settings,
  };
}

/** A stored calcium report (readback.ts) as the prior side: an artery the report leaves out has no calcium. */
export function snapshotOfReport(
  r: Pick<CalciumReport, 'studyInstanceUid' | 'studyDate' | 'total' | 'arteries' | 'acquisition' | 'settingsParameters'> &
    Partial<Pick<CalciumReport, 'pendingCandidates' | 'reviewState' | 'confirmed'>>,
): ScoreSnapshot {
  const pending = r.pendingCandidates ?? 0;
  const notFinal =
    pending > 0 && !r.confirmed
      ? `${pending} candidate lesion${pending === 1 ? ' was' : 's were'} neither assigned nor excluded, so its total may be too low`
      : r.reviewState === 'automatic'
        ? 'its artery labels were automatic, not reviewed by a reader'
        : null;
  return {
    notFinal,
    studyInstanceUid: r.studyInstanceUid,
    studyDate: r.studyDate,
    total: r.total.agatston,
    arteries: Object.fromEntries(ARTERIES.map((a) => [a, r.arteries[a]?.agatston ?? 0])),
    acquisition: r.acquisition,
    settings: r.settingsParameters.length > 0 ? r.settingsParameters : null,
  };
}

/** "20240301" or "2024-03-01" -> "2024-03-01"; anything else (00010101 included: no real date) -> null. */
export function isoDate(d: string | null | undefined): string | null {
  if (!d) return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(d.trim());
  if (!m) return null;
  const [y, mo, da] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || mo < 1 || mo > 12 || da < 1 || da > 31) return null;
  const t = Date.UTC(y, mo - 1, da);
  if (new Date(t).getUTCDate() !== da) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Days from `a` to `b` (both YYYY-MM-DD). */
function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function perArtery(a: Partial<Record<Artery, number>>): Record<Artery, number> {
  return Object.fromEntries(ARTERIES.map((x) => [x, a[x] ?? 0])) as Record<Artery, number>;
}

const sameKernel = (a: string, b: string) => a.trim().toUpperCase() === b.trim().toUpperCase();

/** What differs between two acquisitions (each one line), and what could not be checked. */
export function acquisitionDifferences(current: AcquisitionFacts | null, prior: AcquisitionFacts | null): { differ: string[]; unknown: string[] } {
  const differ: string[] = [];
  const unknown: string[] = [];
  if (!prior) return { differ, unknown: ['kVp', 'slice thickness', 'reconstruction kernel'] };
  const cur: AcquisitionFacts = current ?? { kvp: null, sliceThicknessMm: null, convolutionKernel: null };
  const check = <T>(what: string, a: T | null, b: T | null, same: (x: T, y: T) => boolean, show: (x: T) => string) => {
    if (a === null || b === null) unknown.push(what);
    else if (!same(a, b)) differ.push(`${what} ${show(b)} then, ${show(a)} now`);
  };
  check('kVp', cur.kvp, prior.kvp, (x, y) => Math.abs(x - y) < 0.5, (x) => `${x}`);
  check('slice thickness', cur.sliceThicknessMm, prior.sliceThicknessMm, (x, y) => Math.abs(x - y) < 0.01, (x) => `${x} mm`);
  check('reconstruction kernel', cur.convolutionKernel, prior.convolutionKernel, sameKernel, (x) => x);
  return { differ, unknown };
}

/** Compare the current score with a prior one (see the module comment). */
export function comparePrior(current: ScoreSnapshot, prior: ScoreSnapshot): PriorComparison {
  const warnings: string[] = [];
  const priorDate = isoDate(prior.studyDate);
  const currentDate = isoDate(current.studyDate);
  let intervalYears: number | null = null;
  let annualisedChange: number | null = null;
  let annualisedNote: string | null = null;
  const change = current.total - prior.total;
  if (!priorDate || !currentDate) {
    annualisedNote = `not computed: the ${!priorDate && !currentDate ? 'study dates are' : !priorDate ? "prior study's date is" : "current study's date is"} missing`;
  } else {
    const days = daysBetween(priorDate, currentDate);
    if (days <= 0) {
      annualisedNote = days === 0 ? 'not computed: both studies have the same date' : 'not computed: the prior study is dated after this one';
      if (days < 0) warnings.push(`The prior study (${priorDate}) is dated after this one (${currentDate}).`);
    } else {
      intervalYears = days / 365.25;
      annualisedChange = change / intervalYears;
    }
  }
  const sqrtDifference = Math.sqrt(Math.max(0, current.total)) - Math.sqrt(Math.max(0, prior.total));
  const { differ, unknown } = acquisitionDifferences(current.acquisition, prior.acquisition);
  if (differ.length > 0) {
    warnings.push(`The scores are not comparable: the acquisitions differ (${differ.join('; ')}); a change may come from the scan, not the disease.`);
  }
  if (unknown.length > 0) {
    warnings.push(`Comparability not fully checked: ${unknown.join(', ')} not known for ${prior.acquisition ? 'one of the two series' : 'the prior report (not recorded)'}.`);
  }
  if (prior.notFinal) warnings.push(`The prior result was not final: ${prior.notFinal}.`);
  let settingsDiffer = false;
  if (prior.settings && current.settings) {
    // The settings that change the Agatston score (mass calibration and software lines do not).
    const scoring = (list: string[]) => list.filter((s) => /^(Threshold|Minimum area|Connectivity|Normalised)/.test(s));
    const a = scoring(prior.settings);
    const b = scoring(current.settings);
    settingsDiffer = a.length !== b.length || a.some((s, n) => s !== b[n]);
    if (settingsDiffer) warnings.push(`The scores are not comparable: scored with other settings (prior: ${a.join(', ')}; now: ${b.join(', ')}).`);
  }
  return {
    priorStudyInstanceUid: prior.studyInstanceUid,
    priorStudyDate: priorDate,
    currentStudyDate: currentDate,
    intervalYears,
    prior: { total: prior.total, arteries: perArtery(prior.arteries) },
    current: { total: current.total, arteries: perArtery(current.arteries) },
    change: { total: change, arteries: Object.fromEntries(ARTERIES.map((x) => [x, (current.arteries[x] ?? 0) - (prior.arteries[x] ?? 0)])) as Record<Artery, number> },
    annualisedChange,
    annualisedNote,
    sqrtDifference,
    progression: sqrtDifference >= HOKANSON_SQRT_THRESHOLD - 1e-9,
    method: PROGRESSION_METHOD,
    comparable: differ.length === 0 && !settingsDiffer,
    warnings,
  };
}

const signed = (x: number, digits = 1) => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(digits)}`;

/** "+12.3" / "-4.0" (one decimal, signed). */
export function signedScore(x: number): string {
  return signed(x);
}

/** One line of the comparison for tables and the PDF. */
export function priorSummaryLines(c: PriorComparison): string[] {
  const lines = [
    `Prior study ${c.priorStudyDate ?? '(date unknown)'} (${c.priorStudyInstanceUid}): total Agatston ${c.prior.total.toFixed(1)}; now ${c.current.total.toFixed(1)}`,
    `Change ${signed(c.change.total)}` +
      (c.annualisedChange !== null ? ` (${signed(c.annualisedChange)} per year over ${c.intervalYears!.toFixed(1)} years)` : ` (per year ${c.annualisedNote})`) +
      `; per artery ${ARTERIES.map((a) => `${a} ${signed(c.change.arteries[a])}`).join(', ')}`,
    `Progression: ${c.progression ? 'yes' : 'no'} (sqrt difference ${c.sqrtDifference.toFixed(2)}; ${c.method})`,
  ];
  return [...lines, ...c.warnings];
}

/** The report sentence. `final` false: the current total is not final yet (said so). */
export function priorSentence(c: PriorComparison, final = true): string {
  const when = c.priorStudyDate ? `of ${c.priorStudyDate}` : '(date unknown)';
  const rate = c.annualisedChange !== null ? `, ${signed(c.annualisedChange)} per year` : '';
  const caveat = c.comparable ? '' : ', but the acquisitions or settings differ and the scores are not directly comparable';
  return (
    `Compared with the prior study ${when} (Agatston ${c.prior.total.toFixed(1)}), the ${final ? '' : 'provisional '}total changed by ${signed(c.change.total)}${rate}; ` +
    `progression by the square-root method (Hokanson 2004): ${c.progression ? 'yes' : 'no'}${caveat}.`
  );
}
