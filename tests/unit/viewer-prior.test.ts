// The panel's comparison with the patient's prior result (extension/src/scoring/prior.ts): a prior
// as the archive gives it (an SR encoded and read back), compared with the reader's live result,
// or with the stored report of the series on screen before its lesions are found; and what the
// series' headers already tell before any score.
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../core/encode/index';
import { readCalciumSr } from '../../core/encode/readback';
import { scoreResult } from '../../core/scoring/score';
import { snapshotOfReport } from '../../core/prior';
import { acquisitionWarning, compareWithPrior, priorCurrentOf, type PriorView } from '../../extension/src/scoring/prior';
import { DEFAULT_BLOBS, makeFixture } from '../helpers/encode-fixtures';

/** A prior SR of the fixture's patient: the LAD blob only, dated 2022-01-01. */
async function priorReport(over: { kvp?: number } = {}) {
  const f = makeFixture({ blobs: DEFAULT_BLOBS.filter((b) => b.label === 'LAD') });
  f.volume.source.studyDate = '20220101';
  if (over.kvp !== undefined) f.result.input.kvp = over.kvp;
  return readCalciumSr((await encodeResult(f, { pdf: false })).sr.bytes);
}

describe('the comparison the panel shows', () => {
  it("compares the reader's result as it stands now, and again after an exclusion", async () => {
    const report = await priorReport();
    const now = makeFixture();
    const current = priorCurrentOf(now.volume.source.studyInstanceUid, { StudyDate: '20260101', PatientID: 'CACS-FIX-1' }, { kvp: 120, sliceThicknessMm: 3, convolutionKernel: 'B35f' });
    expect(current).toMatchObject({ studyDate: '20260101', patientId: 'CACS-FIX-1' });
    const view: PriorView = { status: 'found', current, report, snapshot: snapshotOfReport(report) };
    const c = compareWithPrior(view, { result: now.result })!;
    expect(c.priorStudyDate).toBe('2022-01-01');
    expect(c.currentStudyDate).toBe('2026-01-01');
    expect(c.prior.total).toBeCloseTo(report.total.agatston, 9);
    expect(c.current.total).toBe(now.result.total.agatston);
    expect(c.change.total).toBeCloseTo(now.result.total.agatston - report.total.agatston, 9);
    // 2022-01-01 to 2026-01-01: 1461 days = 4 years.
    expect(c.annualisedChange).toBeCloseTo(c.change.total / 4, 9);
    expect(c.progression).toBe(Math.sqrt(now.result.total.agatston) - Math.sqrt(report.total.agatston) >= 2.5);
    expect(c.comparable).toBe(true);

    // The reader excludes the LAD lesion: the comparison follows at once.
    const lad = now.result.lesions.find((l) => l.artery === 'LAD')!;
    now.assignment.assignLesion(lad.id, 'OTHER', 'reader');
    const after = compareWithPrior(view, { result: scoreResult(now.lesionSet, now.assignment, {}) })!;
    expect(after.change.arteries.LAD).toBeCloseTo(-report.arteries.LAD!.agatston, 9);
    expect(after.change.total).toBeCloseTo(c.change.total - lad.agatston, 6);
  });

  it('before the lesions are found: the stored report of this series stands for the current result', async () => {
    const report = await priorReport();
    const stored = readCalciumSr((await encodeResult(makeFixture(), { pdf: false })).sr.bytes);
    const current = priorCurrentOf(stored.studyInstanceUid, { StudyDate: '20260101', PatientID: 'CACS-FIX-1' }, null);
    const c = compareWithPrior({ status: 'found', current, report, snapshot: snapshotOfReport(report) }, { report: stored })!;
    expect(c.current.total).toBeCloseTo(stored.total.agatston, 9);
    expect(c.change.total).toBeCloseTo(stored.total.agatston - report.total.agatston, 9);
    expect(c.comparable).toBe(true);
  });

  it('no comparison without a prior found, or without a current result', async () => {
    const report = await priorReport();
    const current = priorCurrentOf('1.2.3', undefined, null);
    expect(current).toEqual({ studyInstanceUid: '1.2.3', studyDate: null, patientId: null, acquisition: null });
    expect(compareWithPrior({ status: 'none', current, note: 'No prior: ...' }, { result: makeFixture().result })).toBeNull();
    expect(compareWithPrior({ status: 'found', current, report, snapshot: snapshotOfReport(report) }, null)).toBeNull();
    expect(compareWithPrior(null, { result: makeFixture().result })).toBeNull();
  });

  it('a prior at another kVp: said from the headers before any score, and by the comparison after', async () => {
    const report = await priorReport({ kvp: 100 });
    expect(report.acquisition?.kvp).toBe(100);
    const now = makeFixture();
    const current = priorCurrentOf(now.volume.source.studyInstanceUid, { StudyDate: '20260101', PatientID: 'CACS-FIX-1' }, { kvp: 120, sliceThicknessMm: 3, convolutionKernel: 'B35f' });
    const view: PriorView = { status: 'found', current, report, snapshot: snapshotOfReport(report) };
    expect(acquisitionWarning(view)).toBe('The scores will not be comparable: the acquisitions differ (kVp 100 then, 120 now).');
    const c = compareWithPrior(view, { result: now.result })!;
    expect(c.comparable).toBe(false);
    expect(c.warnings[0]).toMatch(/^The scores are not comparable: the acquisitions differ \(kVp 100 then, 120 now\)/);
    // Same acquisition: nothing to say before the score.
    expect(acquisitionWarning({ ...view, current: { ...current, acquisition: { kvp: 100, sliceThicknessMm: 3, convolutionKernel: 'b35f' } } })).toBeNull();
  });
});
