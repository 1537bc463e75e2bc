import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../core/encode/index';
import { readCalciumSr } from '../../core/encode/readback';
import { oneDecimal, resultHeadline } from '../../core/encode/report-text';
import { displayPersonName, madeByLine, reportDate, storedArteryTotals, storedDifference, storedHeadline } from '../../core/encode/stored-view';
import { RULES_LABELLER } from '../../core/labelling/rules';
import { scoreResult } from '../../core/scoring/score';
import { ARTERIES } from '../../core/types';
import { DEFAULT_BLOBS, makeFixture } from '../helpers/encode-fixtures';

const utcMinute = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
const NOW = new Date(Date.UTC(2026, 11, 7, 14, 2, 30));

describe('a stored report shown before its lesions are found again', () => {
  it("a screening worker's result says it was made automatically by the rules and not reviewed", async () => {
    const f = makeFixture({ reviewed: false });
    const result = scoreResult(f.lesionSet, f.assignment, { model: { ...RULES_LABELLER } });
    const enc = await encodeResult({ ...f, result }, { pdf: false, now: NOW });
    const report = readCalciumSr(enc.sr.bytes);
    expect(report.reviewState).toBe('automatic');
    expect(report.observerName).toBeNull();
    expect(madeByLine(report, { formatDate: utcMinute })).toBe('Calcium report version 1 of 2026-12-07 14:02, made automatically by cac-rules 2.0.0, not reviewed');
  });

  it('a reviewed report names the reader the SR records as its person observer, and its verifier', async () => {
    const f = makeFixture();
    const enc = await encodeResult({ ...f }, { pdf: false, now: NOW, reviewerName: 'Reader^First', verifier: { name: 'Verifier^Vera', organization: 'Test Hospital' } });
    const report = readCalciumSr(enc.sr.bytes);
    expect(report).toMatchObject({ reviewState: 'reviewed', observerName: 'Reader^First', verifierName: 'Verifier^Vera' });
    expect(madeByLine(report, { formatDate: utcMinute })).toBe(
      'Calcium report version 1 of 2026-12-07 14:02, made by ohif-calcium-scoring 0.1.0, reviewed by First Reader, verified by Vera Verifier',
    );
    // Without a recorded name: "a reader", never a blank.
    expect(madeByLine({ ...report, observerName: null, verifierName: null }, { formatDate: utcMinute })).toMatch(/reviewed by a reader$/);
  });

  it('shows the same per-artery scores and headline as the live result it was saved from, and says nothing differs', async () => {
    const f = makeFixture();
    const enc = await encodeResult({ ...f }, { pdf: false });
    const report = readCalciumSr(enc.sr.bytes);
    const stored = storedArteryTotals(report);
    for (const a of ARTERIES) {
      expect(oneDecimal(stored[a].agatston)).toBe(oneDecimal(f.result.arteries[a].agatston));
      expect(stored[a].lesionCount).toBe(f.result.arteries[a].lesionCount);
    }
    expect(storedHeadline(report)).toMatchObject({ primary: resultHeadline(f.result).primary, unit: 'Agatston', provisional: false });
    expect(storedHeadline(report).secondary).toBe(resultHeadline(f.result).secondary);
    expect(storedDifference(report, f.result)).toBeNull();
  });

  it('names the artery when the lesions found now score otherwise than the stored report', async () => {
    const f = makeFixture();
    const report = readCalciumSr((await encodeResult({ ...f }, { pdf: false })).sr.bytes);
    const lad = { ...f.result.arteries.LAD, agatston: f.result.arteries.LAD.agatston + 12.5 };
    const now = { arteries: { ...f.result.arteries, LAD: lad }, total: { ...f.result.total, agatston: f.result.total.agatston + 12.5 } };
    expect(storedDifference(report, now)).toMatch(/^The lesions found now score otherwise than the stored report: LAD [\d.]+ \(stored [\d.]+\), total [\d.]+ \(stored [\d.]+\)/);
  });

  it('a stored result with candidates left to review leads with their count, never a bare 0', async () => {
    const f = makeFixture({ blobs: DEFAULT_BLOBS.map((b) => ({ ...b, label: 'UNASSIGNED' as const })) });
    const report = readCalciumSr((await encodeResult({ ...f }, { pdf: false })).sr.bytes);
    expect(report.total.agatston).toBe(0);
    const head = storedHeadline(report);
    expect(head).toMatchObject({ primary: String(report.pendingCandidates), provisional: true, secondary: 'none assigned yet' });
    expect(Number(head.primary)).toBeGreaterThan(0);
    expect(madeByLine(report)).not.toMatch(/Category 0/);
  });

  it('rounds a score once to the stored 2 decimals, so the stored and the live value read alike', () => {
    expect(oneDecimal(23.345947)).toBe('23.4'); // stored as 23.35
    expect(oneDecimal(23.35)).toBe('23.4');
    expect(oneDecimal(0.149)).toBe(oneDecimal(0.15)); // stored as 0.15
    expect(oneDecimal(0.144)).toBe('0.1');
    expect(oneDecimal(0)).toBe('0.0');
    expect(oneDecimal(12.3449, 3)).toBe('12.3'); // mass: 3 stored decimals (12.345)
    expect(oneDecimal(12.3496, 3)).toBe('12.4'); // stored as 12.350
  });

  it('reads DICOM names and content times as a reader writes them', () => {
    expect(displayPersonName('Reader^First')).toBe('First Reader');
    expect(displayPersonName('Smith^Anna^^Dr')).toBe('Dr Anna Smith');
    expect(displayPersonName('cac-screen')).toBe('cac-screen');
    expect(reportDate('20261207140230.123000')?.toISOString()).toBe('2026-12-07T14:02:30.000Z');
    expect(reportDate('')).toBeNull();
  });
});
