/**
 * A result with candidate lesions nobody has assigned or excluded is provisional: its totals
 * count assigned lesions only, so it must never read as "CAC 0, withhold statin" (docs/scoring.md §1.3,
 * 1.4). Hand-built volume: 0.5 mm pixels, 3 mm slices.
 */
import { describe, expect, it } from 'vitest';
import { reportText } from '../../core/encode/report-text';
import { Assignment } from '../../core/scoring/assign';
import { detectLesions } from '../../core/scoring/detect';
import { scoreResult } from '../../core/scoring/score';
import { MESA_CHECK_PATIENT } from './helpers/clinical';
import { fillBox, makeVolume } from './helpers/volume';

/** One lesion: a 2 x 2 block at 400 HU on slices 0..3 (Agatston 16). */
function oneLesion() {
  const v = makeVolume({ columns: 20, rows: 20, slices: 4 });
  fillBox(v, [4, 5], [4, 5], [0, 3], 400);
  return detectLesions(v);
}

const CLINICAL = MESA_CHECK_PATIENT;

describe('a result with unreviewed candidate lesions', () => {
  it('is provisional: no "withhold statin" text, no MESA risk, a warning that says what to do', () => {
    const set = oneLesion();
    const r = scoreResult(set, new Assignment(set), { clinical: CLINICAL });
    expect(r.total.agatston).toBe(0);
    expect(r.risk.provisional).toBe(true);
    expect(r.risk.pending).toEqual({ lesionCount: 1, agatston: 16 });
    expect(r.risk.guidance).not.toMatch(/withhold/i);
    expect(r.risk.guidance).toMatch(/^Provisional result: 1 candidate lesion is neither assigned/);
    expect(r.risk.mesaTenYearChdRiskPercent).toBeNull();
    expect(r.warnings.some((w) => w.startsWith('Provisional result') && w.includes('Assign or exclude'))).toBe(true);
  });

  it('gives report text that says it is not final instead of "no calcium detected"', () => {
    const set = oneLesion();
    const text = reportText(scoreResult(set, new Assignment(set)));
    expect(text).not.toMatch(/No coronary artery calcium detected/);
    expect(text).toMatch(/not final: 1 candidate lesion is not yet assigned/);
  });

  it('is final once the lesion is assigned: ACC/AHA text and MESA risk come back', () => {
    const set = oneLesion();
    const a = new Assignment(set);
    a.assignLesion(1, 'LAD');
    const r = scoreResult(set, a, { clinical: CLINICAL });
    expect(r.risk.provisional).toBeUndefined();
    expect(r.risk.guidance).toMatch(/^CAC 1-99/);
    expect(r.risk.mesaTenYearChdRiskPercent).not.toBeNull();
    expect(r.warnings.some((w) => w.startsWith('Provisional'))).toBe(false);
  });

  it('is final once the lesion is excluded as non-coronary: a true CAC 0 with its guidance and MESA 3.06 %', () => {
    const set = oneLesion();
    const a = new Assignment(set);
    a.assignLesion(1, 'OTHER');
    const r = scoreResult(set, a, { clinical: CLINICAL });
    expect(r.risk.provisional).toBeUndefined();
    expect(r.risk.cacDrs).toBe('CAC-DRS 0');
    expect(r.risk.guidance).toMatch(/^CAC = 0: reasonable to withhold statin/);
    expect(r.risk.mesaTenYearChdRiskPercent).toBe(3.06);
    expect(reportText(r)).toMatch(/^No coronary artery calcium detected/);
  });
});
