/**
 * What the reader sees: the headline while candidates are unreviewed, when a result is
 * "reviewed", slice numbers as OHIF shows them, and the checks on the risk inputs.
 */
import { describe, expect, it } from 'vitest';
import { reportText, resultHeadline, reviewStatus } from '../../core/encode/report-text';
import { sliceOfViewerImage, viewerImageNumber, viewerImageRange } from '../../core/slices';
import { mesaTenYearChdRisk, parseClinicalInputs } from '../../core/risk';
import { LABEL_RGB, labelHex } from '../../core/palette';
import { ARTERIES, LESION_LABELS } from '../../core/types';
import { DEFAULT_BLOBS, makeFixture } from '../helpers/encode-fixtures';

describe('headline and review state', () => {
  it('while candidates are unreviewed, leads with how many are left and the assigned and pending totals, never a bare 0', () => {
    // Nothing assigned yet: every plaque is a candidate.
    const f = makeFixture({ blobs: DEFAULT_BLOBS.map((b) => ({ ...b, label: 'UNASSIGNED' as const })), reviewed: false });
    expect(f.result.total.agatston).toBe(0);
    const h = resultHeadline(f.result);
    expect(h).toMatchObject({ primary: '5', unit: 'candidates to review', provisional: true });
    expect(h.secondary).toContain('none assigned yet');
    expect(h.secondary).toContain(`candidates to review: Agatston ${f.result.risk.pending!.agatston.toFixed(1)}`);
    expect(`${h.primary} ${h.unit} ${h.secondary}`).not.toMatch(/CAC-DRS 0/);
    expect(reviewStatus(f.result)).toMatchObject({ state: 'automatic', pending: 5, text: 'automatic: 5 candidates left to review' });
  });

  it('"reviewed" only when no candidate is left (or the reader confirmed), not after the first click', () => {
    const one = makeFixture({ blobs: DEFAULT_BLOBS.map((b, n) => ({ ...b, label: n === 0 ? b.label : ('UNASSIGNED' as const) })) });
    expect(one.result.reviewed).toBe(true); // a person clicked once
    expect(reviewStatus(one.result)).toMatchObject({ state: 'in review', pending: 4 });
    expect(resultHeadline(one.result).secondary).toMatch(/^assigned so far: Agatston \d+\.\d \(CAC-DRS A\d\/N1\)/);
    expect(reviewStatus({ ...one.result, confirmed: true }).state).toBe('reviewed');
    const done = makeFixture();
    expect(reviewStatus(done.result)).toMatchObject({ state: 'reviewed', pending: 0, excluded: 1, text: 'reviewed by a reader' });
    expect(resultHeadline(done.result)).toMatchObject({ primary: done.result.total.agatston.toFixed(1), unit: 'Agatston', provisional: false });
  });
});

describe('automatic labels the reader has not confirmed', () => {
  it('count as left to review: one click on an automatic result is "in review", and the report text says it is not final', () => {
    const done = makeFixture().result;
    // Every lesion labelled by the model, then one changed by the reader.
    const lesions = done.lesions.map((l, n) => ({ ...l, labelSource: n === 0 ? ('reader' as const) : ('auto' as const) }));
    const auto = { ...done, lesions, reviewed: true, labelling: { status: 'unreviewed' as const, proposals: lesions.length - 1, needsReview: 0 } };
    const parents = new Set(lesions.slice(1).filter((l) => l.artery !== 'UNASSIGNED').map((l) => l.parentId ?? l.id)).size;
    expect(parents).toBeGreaterThan(0);
    const st = reviewStatus(auto);
    expect(st).toMatchObject({ state: 'in review', pending: 0, unconfirmed: parents, toReview: parents });
    expect(st.text).toBe(`in review: ${parents} candidate${parents === 1 ? '' : 's'} left to review (automatic labels)`);
    expect(reportText(auto)).toMatch(new RegExp(`^Coronary artery calcium scoring not final: ${parents} candidate lesions? carr(y|ies) an automatic artery label not yet confirmed`));
    // Before any edit it is "automatic"; once the reader confirms, "reviewed" and a plain report.
    expect(reviewStatus({ ...auto, reviewed: false }).state).toBe('automatic');
    const confirmed = { ...auto, labelling: { ...auto.labelling, status: 'confirmed' as const } };
    expect(reviewStatus(confirmed)).toMatchObject({ state: 'reviewed', unconfirmed: 0, text: 'reviewed by a reader' });
    expect(reportText(confirmed)).toMatch(/^Coronary artery calcium score \(Agatston\)/);
  });
});

describe('slice numbers as OHIF shows them', () => {
  it('OHIF numbers images head first: with 48 slices, core slice 19 (from the feet) is image 29', () => {
    expect(viewerImageNumber({ slices: 48 }, 19)).toBe(29);
    expect(viewerImageNumber({ slices: 48 }, 0)).toBe(48);
    expect(viewerImageNumber({ slices: 48 }, 47)).toBe(1);
    expect(sliceOfViewerImage({ slices: 48 }, 29)).toBe(19);
    expect(viewerImageRange({ slices: 48 }, [19, 19])).toBe('image 29');
    expect(viewerImageRange({ slices: 48 }, [18, 20])).toBe('images 28-30');
    expect(() => viewerImageNumber({ slices: 48 }, 48)).toThrow(/outside/);
  });
});

describe('palette', () => {
  it('gives every label its own colour, LM and LAD far apart', () => {
    const hexes = LESION_LABELS.map(labelHex);
    expect(new Set(hexes).size).toBe(LESION_LABELS.length);
    const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    expect(dist(LABEL_RGB.LM, LABEL_RGB.LAD)).toBeGreaterThan(100);
    for (const a of ARTERIES) {
      expect(dist(LABEL_RGB[a], LABEL_RGB.OTHER)).toBeGreaterThan(60);
      expect(dist(LABEL_RGB[a], LABEL_RGB.UNASSIGNED)).toBeGreaterThan(60);
    }
  });
});

describe('risk inputs', () => {
  const ok = {
    ageYears: 70, sex: 'male', race: 'hispanic', diabetes: false, currentSmoker: false, totalCholesterolMgDl: 190, hdlMgDl: 50,
    lipidLoweringMedication: false, systolicBpMmHg: 130, antihypertensiveMedication: true, familyHistoryOfHeartAttack: false,
  };

  it('accepts the docs/scoring.md §1.4 check patient and gives its MESA risk (3.06 % at CAC 0)', () => {
    const p = parseClinicalInputs(ok);
    expect(p.ok).toBe(true);
    if (p.ok) expect(mesaTenYearChdRisk(p.value, 0).riskPercent).toBeCloseTo(3.06, 2);
  });

  it('takes cholesterol in mmol/L when named so, and says which value looks like the wrong unit', () => {
    const { totalCholesterolMgDl: _t, hdlMgDl: _h, ...rest } = ok;
    const p = parseClinicalInputs({ ...rest, totalCholesterolMmolL: 4.91, hdlMmolL: '1,29' });
    expect(p.ok && [p.value.totalCholesterolMgDl, p.value.hdlMgDl]).toEqual([189.9, 49.9]);
    const bad = parseClinicalInputs({ ...ok, totalCholesterolMgDl: 4.9 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems).toEqual(['Total cholesterol 4.9 mg/dL is outside 50-600 mg/dL. 4.9 looks like mmol/L: enter 189 mg/dL, or give it as totalCholesterolMmolL.']);
  });

  it('lists every problem in one pass, each saying what to enter', () => {
    const p = parseClinicalInputs({ ageYears: 'sixty', sex: 'm', systolicBpMmHg: 400, totalCholesterolMgDl: 150, hdlMgDl: 160, diabetes: 'maybe', smoker: true });
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.problems).toEqual(
      expect.arrayContaining([
        'Age: "sixty" is not a number; enter years.',
        'Systolic blood pressure 400 mmHg is outside 60-260 mmHg. Check the value and its unit.',
        'HDL cholesterol (160 mg/dL) must be less than total cholesterol (150 mg/dL); check the two values.',
        'Sex must be "male" or "female" (got "m").',
        'Race/ethnicity must be one of the MESA groups "white", "chinese", "black", "hispanic" (got null).',
        'Diabetes (diabetes) must be true or false (got "maybe").',
        'Current smoker (currentSmoker) must be true or false (got null).',
      ]),
    );
    expect(p.problems.some((m) => m.startsWith('Unknown clinical input "smoker"'))).toBe(true);
    expect(parseClinicalInputs([1, 2]).ok).toBe(false);
  });
});
