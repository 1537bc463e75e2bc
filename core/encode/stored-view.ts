/**
 * What a reader sees of a stored calcium report before its lesions are found again: the line
 * saying who or what made it, its headline, its per-artery totals, and whether a result scored
 * afresh still says the same. Everything comes from the SR as read back (readCalciumSr), so the
 * panel can show a stored result (e.g. one a screening worker stored, automatic and not
 * reviewed) at once, while the CT loads. Pure: no DOM, no I/O.
 */
import { ARTERIES, type Artery, type Totals } from '../types';
import { PRODUCT } from './common';
import type { CalciumReport } from './readback';
import { oneDecimal } from './report-text';

/** A DICOM PN value ("Family^Given^Middle^Prefix^Suffix") as a name is written: "Prefix Given Middle Family Suffix". */
export function displayPersonName(pn: string): string {
  const alphabetic = pn.split('=')[0];
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = alphabetic.split('^').map((p) => p.trim());
  return [prefix, given, middle, family, suffix].filter(Boolean).join(' ') || pn.trim();
}

/** The report's ContentDate + ContentTime (written in UTC by encodeSr) as an instant; null when absent or malformed. */
export function reportDate(contentDateTime: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?/.exec(contentDateTime.trim());
  if (!m) return null;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1);
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isFinite(t) ? new Date(t) : null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-12-07 14:02" in the runtime's local time (the viewer: the reader's clock). */
export function localMinute(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The program that made the labels, as named in the SR's algorithm identification (TID 4019). */
export function algorithmText(algorithm: CalciumReport['algorithm']): string {
  if (!algorithm) return 'a program that did not name itself';
  // No labeller ran: the detection and scoring of this software.
  if (algorithm.name === PRODUCT.algorithmName) return `${PRODUCT.modelName} ${algorithm.version}`.trim();
  return `${algorithm.name} ${algorithm.version}`.trim();
}

export type StoredReportFields = Pick<
  CalciumReport,
  'version' | 'contentDateTime' | 'algorithm' | 'reviewState' | 'reviewed' | 'confirmed' | 'observerName' | 'verifierName' | 'pendingCandidates'
>;

/** The stored review state; reports written before it was recorded fall back on the reviewed flag. */
export function storedReviewState(report: Pick<CalciumReport, 'reviewState' | 'reviewed'>): 'automatic' | 'in review' | 'reviewed' {
  return report.reviewState ?? (report.reviewed ? 'reviewed' : 'automatic');
}

/**
 * Who or what made a stored result, in one line, e.g.
 * "Calcium report version 1 of 2026-12-07 14:02, made automatically by cac-rules 2.0.0, not reviewed",
 * "... made by cac-rules 2.0.0, reviewed by First Reader". The reader's name is the SR's person
 * observer (recorded once a named reader reviewed); without one, "a reader".
 */
export function madeByLine(report: StoredReportFields, opts: { formatDate?: (d: Date) => string } = {}): string {
  const when = reportDate(report.contentDateTime);
  const head = `Calcium report version ${report.version}${when ? ` of ${(opts.formatDate ?? localMinute)(when)}` : ''}`;
  const alg = algorithmText(report.algorithm);
  const person = report.observerName ? displayPersonName(report.observerName) : null;
  const state = storedReviewState(report);
  if (state === 'automatic') {
    const left = report.pendingCandidates ? `, ${report.pendingCandidates} candidate${report.pendingCandidates === 1 ? '' : 's'} not assigned` : '';
    return `${head}, made automatically by ${alg}, not reviewed${left}`;
  }
  if (state === 'in review') return `${head}, made automatically by ${alg}, in review by ${person ?? 'a reader'}, not final`;
  const verifier = report.verifierName ? displayPersonName(report.verifierName) : null;
  const verified = verifier && verifier !== person ? `, verified by ${verifier}` : verifier ? ', verified' : '';
  return `${head}, made by ${alg}, ${report.confirmed ? 'confirmed' : 'reviewed'} by ${person ?? 'a reader'}${verified}`;
}

/** Per-artery totals as stored: an artery the SR holds no group for had no calcium (its totals are zero). */
export function storedArteryTotals(report: Pick<CalciumReport, 'arteries' | 'total'>): Record<Artery, Totals> {
  const none: Totals = { agatston: 0, volumeMm3: 0, massMg: report.total.massMg === null ? null : 0, lesionCount: 0 };
  return Object.fromEntries(
    ARTERIES.map((a) => {
      const t = report.arteries[a];
      return [a, t ? { agatston: t.agatston, volumeMm3: t.volumeMm3, massMg: t.massMg, lesionCount: t.lesionCount } : none];
    }),
  ) as Record<Artery, Totals>;
}

/**
 * The headline of a stored result, as the panel's for a live one (report-text resultHeadline):
 * never a bare 0 while candidates were left unassigned, and only the categories the SR holds.
 */
export function storedHeadline(
  report: Pick<CalciumReport, 'total' | 'pendingCandidates' | 'confirmed' | 'cacDrs' | 'agatstonCategory'>,
): { primary: string; unit: string; secondary: string; provisional: boolean } {
  const pending = report.pendingCandidates ?? 0;
  if (pending > 0 && !report.confirmed) {
    const assigned =
      report.total.lesionCount > 0 ? `assigned so far: Agatston ${oneDecimal(report.total.agatston)}${report.cacDrs ? ` (${report.cacDrs})` : ''}` : 'none assigned yet';
    return { primary: String(pending), unit: `candidate${pending === 1 ? '' : 's'} to review`, secondary: assigned, provisional: true };
  }
  const secondary = [report.cacDrs, report.agatstonCategory ? `category ${report.agatstonCategory}` : null].filter(Boolean).join(' · ');
  return { primary: oneDecimal(report.total.agatston), unit: 'Agatston', secondary, provisional: false };
}

/** Agatston as the SR stores it (2 decimals). */
const stored2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Whether a result scored now (the stored labels applied to the lesions found now) gives the
 * stored per-artery and total Agatston scores (to the SR's 2 decimals). Null when it does, else
 * one line naming what differs.
 */
export function storedDifference(
  report: Pick<CalciumReport, 'arteries' | 'total'>,
  now: { arteries: Record<Artery, Totals>; total: Totals },
): string | null {
  const stored = storedArteryTotals(report);
  const parts: string[] = [];
  for (const a of ARTERIES) {
    if (Math.abs(stored2(now.arteries[a].agatston) - stored[a].agatston) > 0.005) parts.push(`${a} ${oneDecimal(now.arteries[a].agatston)} (stored ${oneDecimal(stored[a].agatston)})`);
  }
  if (Math.abs(stored2(now.total.agatston) - report.total.agatston) > 0.005 || parts.length > 0) {
    parts.push(`total ${oneDecimal(now.total.agatston)} (stored ${oneDecimal(report.total.agatston)})`);
  }
  if (parts.length === 0) return null;
  return `The lesions found now score otherwise than the stored report: ${parts.join(', ')}; the images or settings differ, and the table shows the lesions found now.`;
}
