/** Categories and risk (docs/scoring.md §1.4), boundaries and the MESA check value by hand. */
import { describe, expect, it } from 'vitest';
import {
  accAhaGuidance,
  agatstonCategory,
  cacDrs,
  cacDrsAgatstonCategory,
  cadRadsPlaqueBurden,
  mesaTenYearChdRisk,
  riskSummary,
} from '../../core/risk';
import type { ClinicalInputs } from '../../core/types';
import { MESA_CHECK_PATIENT } from './helpers/clinical';

const checkPatient: ClinicalInputs = MESA_CHECK_PATIENT;

const perArtery = (lm: number, lad: number, lcx: number, rca: number) => ({
  LM: { agatston: lm },
  LAD: { agatston: lad },
  LCX: { agatston: lcx },
  RCA: { agatston: rca },
});

describe('classic Agatston classes: 0, 1-10, 11-100, 101-400, >400', () => {
  it.each([
    [0, '0'],
    [0.4, '1-10'], // any calcium is at least 1 (a 0.5 mm^2 lesion on a 1.5 mm slice)
    [1, '1-10'],
    [10, '1-10'],
    [10.4, '1-10'], // reported as 10
    [10.6, '11-100'], // reported as 11
    [11, '11-100'],
    [100, '11-100'],
    [101, '101-400'],
    [400, '101-400'],
    [401, '>400'],
    [2500, '>400'],
  ])('score %d is class %s', (score, cls) => {
    expect(agatstonCategory(score)).toBe(cls);
  });
});

describe('CAC-DRS (Hecht 2018): A0 0, A1 1-99, A2 100-299, A3 >= 300, N = arteries with calcium', () => {
  it.each([
    [0, 'A0'],
    [1, 'A1'],
    [99, 'A1'],
    [100, 'A2'],
    [299, 'A2'],
    [300, 'A3'],
    [1500, 'A3'],
  ])('score %d is %s', (score, a) => {
    expect(cacDrsAgatstonCategory(score)).toBe(a);
  });

  it('no calcium is written "CAC-DRS 0" without a vessel count', () => {
    expect(cacDrs(0, 0)).toBe('CAC-DRS 0');
    expect(riskSummary({ agatston: 0 }, perArtery(0, 0, 0, 0)).cacDrs).toBe('CAC-DRS 0');
  });

  it('a score of 150 in LAD and RCA is "CAC-DRS A2/N2"; with LM, LAD, LCX and RCA it is N4', () => {
    expect(riskSummary({ agatston: 150 }, perArtery(0, 100, 0, 50)).cacDrs).toBe('CAC-DRS A2/N2');
    expect(riskSummary({ agatston: 320 }, perArtery(20, 100, 100, 100)).cacDrs).toBe('CAC-DRS A3/N4');
  });
});

describe('CAD-RADS 2.0 plaque burden: P1 1-100, P2 101-300, P3 301-999, P4 >= 1000', () => {
  it.each([
    [0, null],
    [1, 'P1'],
    [100, 'P1'],
    [101, 'P2'],
    [300, 'P2'],
    [301, 'P3'],
    [999, 'P3'],
    [1000, 'P4'],
  ])('score %d is %s', (score, p) => {
    expect(cadRadsPlaqueBurden(score)).toBe(p);
  });
});

describe('ACC/AHA 2018 decision support', () => {
  it('CAC 0: withhold statin and reassess in 5-10 years', () => {
    expect(accAhaGuidance(0)).toMatch(/withhold statin.*5-10 years/);
  });
  it('CAC 0 in a smoker: the reassurance does not apply', () => {
    expect(accAhaGuidance(0, { ...checkPatient, currentSmoker: true })).toMatch(/current smoker.*does not apply/);
  });
  it('CAC 1-99 favours statin; CAC >= 100 indicates statin', () => {
    expect(accAhaGuidance(50)).toMatch(/favours statin/);
    expect(accAhaGuidance(99)).toMatch(/favours statin/);
    expect(accAhaGuidance(100)).toMatch(/statin therapy is indicated/);
  });
});

describe('MESA 10-year CHD risk with CAC (McClelland 2015)', () => {
  it('reproduces the docs/scoring.md §1.4 check value: 70-year-old Hispanic man on BP treatment, CAC 0 -> 3.06 %', () => {
    const r = mesaTenYearChdRisk(checkPatient, 0);
    expect(r.riskPercent).toBeCloseTo(3.06, 2);
  });

  it('the same man with CAC 100 has 10.43 % (ln(101) x 0.2743 added by hand)', () => {
    expect(mesaTenYearChdRisk(checkPatient, 100).riskPercent).toBeCloseTo(10.43, 2);
  });

  it('a 55-year-old white woman, TC 200, HDL 60, SBP 120, no treatment, CAC 0 -> 1.13 %', () => {
    const woman: ClinicalInputs = {
      ...checkPatient,
      ageYears: 55,
      sex: 'female',
      race: 'white',
      totalCholesterolMgDl: 200,
      hdlMgDl: 60,
      systolicBpMmHg: 120,
      antihypertensiveMedication: false,
    };
    expect(mesaTenYearChdRisk(woman, 0).riskPercent).toBeCloseTo(1.13, 2);
  });

  it('is computed at 45 and 84 but not outside the ages the model was fit on', () => {
    expect(mesaTenYearChdRisk({ ...checkPatient, ageYears: 45 }, 0).riskPercent).not.toBeNull();
    expect(mesaTenYearChdRisk({ ...checkPatient, ageYears: 84 }, 0).riskPercent).not.toBeNull();
    for (const age of [44, 85]) {
      const r = mesaTenYearChdRisk({ ...checkPatient, ageYears: age }, 0);
      expect(r.riskPercent).toBeNull();
      expect(r.notes.join(' ')).toMatch(/45-84/);
    }
  });

  it('riskSummary adds MESA only when clinical inputs are given, and never a percentile', () => {
    expect(riskSummary({ agatston: 0 }, perArtery(0, 0, 0, 0)).mesaTenYearChdRiskPercent).toBeUndefined();
    const s = riskSummary({ agatston: 0 }, perArtery(0, 0, 0, 0), checkPatient);
    expect(s.mesaTenYearChdRiskPercent).toBeCloseTo(3.06, 2);
    expect(s.mesaNotes?.join(' ')).toMatch(/percentile is not computed/);
  });
});
