/**
 * Comparison with a prior calcium score (core/prior.ts, docs/scoring.md §1.6), numbers worked by
 * hand, and its round trip through the SR (encodeSr -> readCalciumSr).
 */
import { describe, expect, it } from 'vitest';
import { comparePrior, isoDate, priorSentence, snapshotOfReport, snapshotOfResult, type ScoreSnapshot } from '../../core/prior';
import { encodeResult } from '../../core/encode/index';
import { readCalciumSr } from '../../core/encode/readback';
import { reportText } from '../../core/encode/report-text';
import { settingsParameters } from '../../core/encode/sr';
import { makeFixture } from '../helpers/encode-fixtures';

const ACQ = { kvp: 120, sliceThicknessMm: 3, convolutionKernel: 'B35f' };
const snap = (over: Partial<ScoreSnapshot>): ScoreSnapshot => ({
  studyInstanceUid: '1.2.3',
  studyDate: '20250101',
  total: 0,
  arteries: {},
  acquisition: ACQ,
  settings: null,
  ...over,
});

describe('comparePrior: numbers worked by hand', () => {
  // Prior 2021-01-01: LAD 60 + RCA 40 = 100. Now 2025-01-01: LAD 100 + LCX 20 + RCA 49 = 169.
  // Interval 1461 days (2024 is a leap year) = 4.0 years exactly at 365.25 days a year.
  // Change 169 - 100 = 69; per year 69 / 4 = 17.25. sqrt(169) - sqrt(100) = 13 - 10 = 3 >= 2.5: progression.
  const prior = snap({ studyInstanceUid: '1.2.1', studyDate: '20210101', total: 100, arteries: { LAD: 60, RCA: 40 } });
  const current = snap({ studyInstanceUid: '1.2.2', studyDate: '20250101', total: 169, arteries: { LAD: 100, LCX: 20, RCA: 49 } });
  const c = comparePrior(current, prior);

  it('change, annualised change, progression, per artery', () => {
    expect(c.priorStudyInstanceUid).toBe('1.2.1');
    expect(c.priorStudyDate).toBe('2021-01-01');
    expect(c.currentStudyDate).toBe('2025-01-01');
    expect(c.intervalYears).toBe(4);
    expect(c.prior.total).toBe(100);
    expect(c.change.total).toBe(69);
    expect(c.annualisedChange).toBe(17.25);
    expect(c.annualisedNote).toBeNull();
    expect(c.sqrtDifference).toBe(3);
    expect(c.progression).toBe(true);
    expect(c.prior.arteries).toEqual({ LM: 0, LAD: 60, LCX: 0, RCA: 40 });
    expect(c.change.arteries).toEqual({ LM: 0, LAD: 40, LCX: 20, RCA: 9 });
    expect(c.comparable).toBe(true);
    expect(c.warnings).toEqual([]);
  });

  it('the report sentence', () => {
    expect(priorSentence(c)).toBe(
      'Compared with the prior study of 2021-01-01 (Agatston 100.0), the total changed by +69.0, +17.3 per year; progression by the square-root method (Hokanson 2004): yes.',
    );
  });

  it('the 2.5 threshold is inclusive: sqrt(156.25) - sqrt(100) = 12.5 - 10 = 2.5 is progression, 156 (2.49) is not', () => {
    expect(comparePrior(snap({ total: 156.25 }), snap({ total: 100, studyDate: '20240101' })).progression).toBe(true);
    const below = comparePrior(snap({ total: 156 }), snap({ total: 100, studyDate: '20240101' }));
    expect(below.sqrtDifference).toBeCloseTo(2.48999, 4);
    expect(below.progression).toBe(false);
    // From zero: sqrt(6.25) = 2.5 is progression; 4 (sqrt 2) is not.
    expect(comparePrior(snap({ total: 6.25 }), snap({ total: 0, studyDate: '20240101' })).progression).toBe(true);
    expect(comparePrior(snap({ total: 4 }), snap({ total: 0, studyDate: '20240101' })).progression).toBe(false);
    // A fall: 100 -> 81 is sqrt difference -1, change -19.
    const fall = comparePrior(snap({ total: 81 }), snap({ total: 100, studyDate: '20240101' }));
    expect([fall.sqrtDifference, fall.change.total, fall.progression]).toEqual([-1, -19, false]);
  });

  it('one year: 2024-01-01 to 2025-01-01 is 366 days = 1.00205 years; 50 -> 80 is +30, 29.94 per year', () => {
    const r = comparePrior(snap({ total: 80, studyDate: '2025-01-01' }), snap({ total: 50, studyDate: '20240101' }));
    expect(r.intervalYears).toBeCloseTo(366 / 365.25, 10);
    expect(r.annualisedChange).toBeCloseTo(30 / (366 / 365.25), 10);
    expect(r.annualisedChange!.toFixed(2)).toBe('29.94');
  });

  it('missing or impossible dates: no annualised change, and the note says why', () => {
    expect(comparePrior(snap({ total: 10 }), snap({ studyDate: null })).annualisedNote).toBe("not computed: the prior study's date is missing");
    expect(comparePrior(snap({ total: 10, studyDate: '00010101' }), snap({ studyDate: '20240101' })).annualisedNote).toBe("not computed: the current study's date is missing");
    expect(comparePrior(snap({ studyDate: '' }), snap({ studyDate: null })).annualisedNote).toBe('not computed: the study dates are missing');
    const same = comparePrior(snap({}), snap({}));
    expect([same.annualisedChange, same.annualisedNote]).toEqual([null, 'not computed: both studies have the same date']);
    const later = comparePrior(snap({ studyDate: '20240101' }), snap({ studyDate: '20250101' }));
    expect(later.annualisedChange).toBeNull();
    expect(later.warnings).toEqual(['The prior study (2025-01-01) is dated after this one (2024-01-01).']);
    expect(isoDate('00010101')).toBeNull();
    expect(isoDate('20230229')).toBeNull();
    expect(isoDate('20240229')).toBe('2024-02-29');
  });

  it('a different kVp, slice thickness or kernel: not comparable, with the reason', () => {
    const r = comparePrior(snap({ total: 169 }), snap({ total: 100, studyDate: '20240101', acquisition: { kvp: 100, sliceThicknessMm: 2.5, convolutionKernel: 'b35F' } }));
    expect(r.comparable).toBe(false);
    expect(r.warnings).toEqual([
      'The scores are not comparable: the acquisitions differ (kVp 100 then, 120 now; slice thickness 2.5 mm then, 3 mm now); a change may come from the scan, not the disease.',
    ]);
    expect(priorSentence(r)).toContain('yes, but the acquisitions or settings differ and the scores are not directly comparable.');
    const kernel = comparePrior(snap({}), snap({ studyDate: '20240101', acquisition: { ...ACQ, convolutionKernel: 'B70f' } }));
    expect(kernel.warnings[0]).toContain('reconstruction kernel B70f then, B35f now');
  });

  it('a prior that does not record its acquisition: said, not guessed', () => {
    const r = comparePrior(snap({}), snap({ studyDate: '20240101', acquisition: null }));
    expect(r.comparable).toBe(true);
    expect(r.warnings).toEqual(['Comparability not fully checked: kVp, slice thickness, reconstruction kernel not known for the prior report (not recorded).']);
  });

  it('a prior that was not final when stored says so', () => {
    const base = { studyInstanceUid: '1.2.1', studyDate: '20240101', total: { agatston: 10, volumeMm3: 0, massMg: null, lesionCount: 1 }, arteries: {}, acquisition: ACQ, settingsParameters: [] };
    const pending = snapshotOfReport({ ...base, pendingCandidates: 3, reviewState: 'in review', confirmed: false });
    expect(comparePrior(snap({}), pending).warnings).toEqual(['The prior result was not final: 3 candidate lesions were neither assigned nor excluded, so its total may be too low.']);
    const automatic = snapshotOfReport({ ...base, pendingCandidates: 0, reviewState: 'automatic', confirmed: false });
    expect(comparePrior(snap({}), automatic).warnings).toEqual(['The prior result was not final: its artery labels were automatic, not reviewed by a reader.']);
    expect(snapshotOfReport({ ...base, pendingCandidates: 0, reviewState: 'reviewed', confirmed: true }).notFinal).toBeNull();
  });

  it('other scoring settings (threshold) make the scores not comparable; mass calibration does not', () => {
    const base = ['Threshold (HU, inclusive): 130', 'Minimum area (mm2): 1', 'Connectivity (2D): 8', 'Normalised to slice thickness (mm): 3'];
    const ok = comparePrior(snap({ settings: [...base, 'Mass calibration factor (mg HA/cm3/HU): none'] }), snap({ studyDate: '20240101', settings: [...base, 'Scoring software: x 1'] }));
    expect(ok.comparable).toBe(true);
    const other = comparePrior(snap({ settings: base }), snap({ studyDate: '20240101', settings: ['Threshold (HU, inclusive): 200', ...base.slice(1)] }));
    expect(other.comparable).toBe(false);
    expect(other.warnings[0]).toMatch(/^The scores are not comparable: scored with other settings \(prior: Threshold \(HU, inclusive\): 200/);
  });
});

describe('the comparison in the SR, the report text and the acquisition facts (round trip)', () => {
  it('writes and reads back kVp, thickness, kernel, PatientID, StudyDate and the comparison', async () => {
    const f = makeFixture();
    f.volume.source.studyDate = '20250101';
    f.volume.source.patientId = 'PAT-1';
    const current = snapshotOfResult(f.result, f.volume.source, settingsParameters(f.result.settings));
    const prior = comparePrior(current, snap({ studyInstanceUid: '1.2.840.99.1', studyDate: '20210101', total: 100, arteries: { LAD: 100 }, acquisition: { ...ACQ, kvp: 100 } }));
    const enc = await encodeResult({ ...f, prior }, { pdf: false });
    const r = readCalciumSr(enc.sr.bytes);
    expect(r.patientId).toBe('PAT-1');
    expect(r.studyDate).toBe('20250101');
    expect(r.acquisition).toEqual({ kvp: 120, sliceThicknessMm: f.result.input.sliceThicknessMm, convolutionKernel: 'B35f' });
    const round2 = (x: number) => Math.round(x * 100) / 100;
    expect(r.prior).toEqual({
      priorStudyInstanceUid: '1.2.840.99.1',
      priorStudyDate: '2021-01-01',
      priorTotal: 100,
      change: round2(f.result.total.agatston - 100),
      annualisedChange: round2((f.result.total.agatston - 100) / 4),
      annualisedNote: null,
      sqrtDifference: Math.round((Math.sqrt(f.result.total.agatston) - 10) * 1000) / 1000,
      progression: Math.sqrt(f.result.total.agatston) - 10 >= 2.5,
      warnings: [expect.stringContaining('kVp 100 then, 120 now')],
    });
    expect(r.reportText).toBe(reportText(f.result, prior));
    expect(r.reportText).toContain('Compared with the prior study of 2021-01-01 (Agatston 100.0)');
    expect(enc.reportText).toBe(r.reportText);
    // Read back as the prior of a later scan, the report gives its own side of a comparison.
    const s = snapshotOfReport(r);
    expect(s.total).toBe(Math.round(f.result.total.agatston * 100) / 100);
    expect(s.acquisition).toEqual(r.acquisition);
    expect(s.studyDate).toBe('20250101');
  });

  it('without a prior: no comparison items, the report text unchanged', async () => {
    const f = makeFixture();
    const enc = await encodeResult(f, { pdf: false });
    const r = readCalciumSr(enc.sr.bytes);
    expect(r.prior).toBeNull();
    expect(r.reportText).toBe(reportText(f.result));
    expect(r.reportText).not.toContain('prior');
  });

  it('an annualised change that could not be computed is stored as its reason', async () => {
    const f = makeFixture();
    f.volume.source.studyDate = null;
    const prior = comparePrior(snapshotOfResult(f.result, f.volume.source), snap({ studyInstanceUid: '1.2.840.99.2', total: 5 }));
    const r = readCalciumSr((await encodeResult({ ...f, prior }, { pdf: false })).sr.bytes);
    expect(r.prior).toMatchObject({ annualisedChange: null, annualisedNote: "not computed: the current study's date is missing", priorTotal: 5 });
  });
});
