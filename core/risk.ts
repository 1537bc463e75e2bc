/**
 * Categories and risk from a coronary calcium score (docs/scoring.md §1.4).
 *
 * Category boundaries are integers while normalised Agatston scores are not; a score is
 * categorised as it is reported: rounded to a whole number, and any calcium at all (score > 0)
 * counts as at least 1, so a lesion never lands in the "zero" category.
 * The MESA age/sex/race percentile is *open* in docs/scoring.md §1.4 (no closed form is published) and is
 * deliberately not computed here.
 */
import type { Artery, ClinicalInputs, RiskSummary, Totals } from './types';
import { ARTERIES } from './types';

/** The whole-number score used for categories: 0 only when there is no calcium at all. */
export function reportedScore(agatston: number): number {
  if (!(agatston > 0)) return 0;
  return Math.max(1, Math.round(agatston));
}

/** Classic Agatston classes: "0", "1-10", "11-100", "101-400", ">400". */
export function agatstonCategory(agatston: number): string {
  const s = reportedScore(agatston);
  if (s === 0) return '0';
  if (s <= 10) return '1-10';
  if (s <= 100) return '11-100';
  if (s <= 400) return '101-400';
  return '>400';
}

/** CAC-DRS Agatston category (Hecht et al., JCCT 2018;12:185): A0 = 0, A1 1-99, A2 100-299, A3 >= 300. */
export function cacDrsAgatstonCategory(agatston: number): 'A0' | 'A1' | 'A2' | 'A3' {
  const s = reportedScore(agatston);
  if (s === 0) return 'A0';
  if (s < 100) return 'A1';
  if (s < 300) return 'A2';
  return 'A3';
}

/** Number of the four arteries (LM, LAD, LCX, RCA) with any calcium (CAC-DRS N). */
export function vesselCount(arteries: Record<Artery, Pick<Totals, 'agatston'>>): number {
  return ARTERIES.filter((a) => arteries[a].agatston > 0).length;
}

/** CAC-DRS string, e.g. "CAC-DRS A2/N3"; "CAC-DRS 0" when there is no calcium (Hecht 2018). */
export function cacDrs(totalAgatston: number, vessels: number): string {
  const a = cacDrsAgatstonCategory(totalAgatston);
  if (a === 'A0') return 'CAC-DRS 0';
  return `CAC-DRS ${a}/N${Math.max(1, Math.min(4, vessels))}`;
}

/** CAD-RADS 2.0 plaque burden from the calcium score: P1 1-100, P2 101-300, P3 301-999, P4 >= 1000; null for 0. */
export function cadRadsPlaqueBurden(agatston: number): 'P1' | 'P2' | 'P3' | 'P4' | null {
  const s = reportedScore(agatston);
  if (s === 0) return null;
  if (s <= 100) return 'P1';
  if (s <= 300) return 'P2';
  if (s < 1000) return 'P3';
  return 'P4';
}

/**
 * ACC/AHA 2018 cholesterol guideline decision support (Grundy et al., Circulation
 * 2019;139:e1082, table 8), as text for the reader; not a prescription.
 */
export function accAhaGuidance(agatston: number, clinical?: ClinicalInputs | null): string {
  const s = reportedScore(agatston);
  const cite = '(ACC/AHA 2018 cholesterol guideline)';
  if (s === 0) {
    const enhancers: string[] = [];
    if (clinical?.currentSmoker) enhancers.push('current smoker');
    if (clinical?.diabetes) enhancers.push('diabetes');
    if (clinical?.familyHistoryOfHeartAttack) enhancers.push('family history of heart attack');
    if (enhancers.length > 0) {
      return `CAC = 0, but ${enhancers.join(', ')}: the guideline does not apply the CAC = 0 reassurance to smokers, diabetics or a family history of premature ASCVD; decide on statin therapy by clinical risk ${cite}.`;
    }
    return `CAC = 0: reasonable to withhold statin therapy and reassess in 5-10 years, unless the patient smokes, has diabetes or a family history of premature ASCVD ${cite}.`;
  }
  if (s < 100) {
    const age =
      clinical && clinical.ageYears >= 55 ? ' (the patient is 55 or older)' : ', especially at age 55 or older';
    return `CAC 1-99: favours statin therapy${age}; statin therapy is indicated if CAC is at or above the 75th percentile for age, sex and race (percentile not computed here) ${cite}.`;
  }
  return `CAC >= 100: statin therapy is indicated ${cite}.`;
}

/** MESA 10-year CHD risk model with CAC (McClelland et al., JACC 2015;66:1643, table 2; docs/scoring.md §1.4). */
export const MESA_COEFFICIENTS = Object.freeze({
  age: 0.0172,
  male: 0.4079,
  chinese: -0.3475,
  black: 0.0353,
  hispanic: -0.0222,
  diabetes: 0.3892,
  currentSmoker: 0.3717,
  totalCholesterol: 0.0043,
  hdl: -0.0114,
  lipidLoweringMedication: 0.1206,
  systolicBp: 0.0066,
  antihypertensiveMedication: 0.2278,
  familyHistory: 0.3239,
  lnCacPlus1: 0.2743,
  s0: 0.99833,
});

export const MESA_AGE_RANGE: readonly [number, number] = [45, 84];

export interface MesaResult {
  /** 10-year CHD risk in percent, or null when the inputs are outside the model. */
  riskPercent: number | null;
  notes: string[];
}

/**
 * MESA 10-year CHD risk with CAC: 1 - S0^exp(sum beta_i x_i), no centring (docs/scoring.md §1.4).
 * Outside ages 45-84 (the range the model was fit on) it returns null with a note rather than
 * extrapolate. Check value: 70-year-old Hispanic man, SBP 130 on treatment, HDL 50, TC 190, CAC 0 -> 3.06 %.
 */
export function mesaTenYearChdRisk(clinical: ClinicalInputs, agatston: number): MesaResult {
  const notes: string[] = [];
  const c = MESA_COEFFICIENTS;
  const numbers: [string, number][] = [
    ['age', clinical.ageYears],
    ['total cholesterol', clinical.totalCholesterolMgDl],
    ['HDL cholesterol', clinical.hdlMgDl],
    ['systolic blood pressure', clinical.systolicBpMmHg],
  ];
  for (const [name, value] of numbers) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      notes.push(`MESA risk not computed: ${name} is missing or not a positive number.`);
    }
  }
  if (!['white', 'chinese', 'black', 'hispanic'].includes(clinical.race)) {
    notes.push(`MESA risk not computed: race/ethnicity must be white, chinese, black or hispanic (the MESA groups).`);
  }
  if (!(agatston >= 0)) notes.push('MESA risk not computed: the calcium score is not a number >= 0.');
  if (notes.length > 0) return { riskPercent: null, notes };
  if (clinical.ageYears < MESA_AGE_RANGE[0] || clinical.ageYears > MESA_AGE_RANGE[1]) {
    return {
      riskPercent: null,
      notes: [
        `MESA risk not computed: the model was fit on ages ${MESA_AGE_RANGE[0]}-${MESA_AGE_RANGE[1]} and the patient is ${clinical.ageYears}; it is not extrapolated.`,
      ],
    };
  }
  const sum =
    c.age * clinical.ageYears +
    (clinical.sex === 'male' ? c.male : 0) +
    (clinical.race === 'chinese' ? c.chinese : 0) +
    (clinical.race === 'black' ? c.black : 0) +
    (clinical.race === 'hispanic' ? c.hispanic : 0) +
    (clinical.diabetes ? c.diabetes : 0) +
    (clinical.currentSmoker ? c.currentSmoker : 0) +
    c.totalCholesterol * clinical.totalCholesterolMgDl +
    c.hdl * clinical.hdlMgDl +
    (clinical.lipidLoweringMedication ? c.lipidLoweringMedication : 0) +
    c.systolicBp * clinical.systolicBpMmHg +
    (clinical.antihypertensiveMedication ? c.antihypertensiveMedication : 0) +
    (clinical.familyHistoryOfHeartAttack ? c.familyHistory : 0) +
    c.lnCacPlus1 * Math.log(agatston + 1);
  const risk = 1 - Math.pow(c.s0, Math.exp(sum));
  notes.push('MESA 10-year CHD risk with CAC (McClelland et al., JACC 2015); the MESA age/sex/race percentile is not computed.');
  return { riskPercent: Math.round(risk * 10000) / 100, notes };
}

/** Candidate lesions not yet assigned to an artery nor excluded (labelled UNASSIGNED). */
export interface PendingLesions {
  lesionCount: number;
  agatston: number;
}

/** One line for a provisional result: what is pending, what it means, what to do. */
export function provisionalMessage(pending: PendingLesions): string {
  const n = pending.lesionCount;
  return (
    `Provisional result: ${n} candidate lesion${n === 1 ? ' is' : 's are'} neither assigned to a coronary artery nor excluded ` +
    `(Agatston ${reportedScore(pending.agatston)} outside the totals); totals and categories count assigned lesions only and ` +
    'decision support is withheld. Assign or exclude every candidate before reporting.'
  );
}

/** One line in place of decision support when the images failed an input check. */
export function inputProblemsMessage(problems: string[]): string {
  return (
    `Decision support withheld: the images failed ${problems.length === 1 ? 'an input check' : `${problems.length} input checks`} ` +
    `(${problems[0].replace(/[.;:]?\s*$/, '')}${problems.length > 1 ? '; ...' : ''}); the score is not reliable. Fix the series and score it again.`
  );
}

/**
 * All categories and decision-support text for a result's totals. With pending (unassigned)
 * candidates the categories describe the assigned lesions only, so the result is marked
 * provisional and neither the ACC/AHA text nor the MESA risk is given: an unreviewed scan
 * must not read as "CAC = 0, withhold statin".
 */
export function riskSummary(
  total: Pick<Totals, 'agatston'>,
  arteries: Record<Artery, Pick<Totals, 'agatston'>>,
  clinical?: ClinicalInputs | null,
  pending?: PendingLesions | null,
  inputProblems?: string[] | null,
): RiskSummary {
  const unreviewed = !!pending && pending.lesionCount > 0;
  const failedChecks = !!inputProblems && inputProblems.length > 0;
  const provisional = unreviewed || failedChecks;
  const summary: RiskSummary = {
    agatstonCategory: agatstonCategory(total.agatston),
    cacDrs: cacDrs(total.agatston, vesselCount(arteries)),
    cadRadsP: cadRadsPlaqueBurden(total.agatston),
    guidance: failedChecks ? inputProblemsMessage(inputProblems!) : unreviewed ? provisionalMessage(pending!) : accAhaGuidance(total.agatston, clinical),
  };
  if (provisional) summary.provisional = true;
  if (unreviewed) summary.pending = { lesionCount: pending!.lesionCount, agatston: pending!.agatston };
  if (failedChecks) summary.inputProblems = [...inputProblems!];
  if (clinical) {
    summary.clinical = { ...clinical };
    if (provisional) {
      summary.mesaTenYearChdRiskPercent = null;
      summary.mesaNotes = [
        failedChecks
          ? 'MESA risk not computed: the images failed an input check.'
          : 'MESA risk not computed: the calcium score is provisional until every candidate lesion is assigned or excluded.',
      ];
    } else {
      const mesa = mesaTenYearChdRisk(clinical, total.agatston);
      summary.mesaTenYearChdRiskPercent = mesa.riskPercent;
      summary.mesaNotes = mesa.notes;
    }
  }
  return summary;
}

/** Plausible ranges for the MESA inputs (outside them the value is almost surely a typo or another unit). */
export const CLINICAL_RANGES = Object.freeze({
  ageYears: [20, 110] as const,
  systolicBpMmHg: [60, 260] as const,
  totalCholesterolMgDl: [50, 600] as const,
  hdlMgDl: [10, 200] as const,
});

/** mg/dL per mmol/L of cholesterol (total and HDL). */
export const CHOLESTEROL_MG_DL_PER_MMOL_L = 38.67;

const BOOLEAN_INPUTS = [
  ['diabetes', 'diabetes'],
  ['currentSmoker', 'current smoker'],
  ['antihypertensiveMedication', 'treated for hypertension (on blood pressure medication)'],
  ['lipidLoweringMedication', 'lipid-lowering therapy'],
  ['familyHistoryOfHeartAttack', 'family history of heart attack'],
] as const;

export type ClinicalParse = { ok: true; value: ClinicalInputs } | { ok: false; problems: string[] };

/**
 * Check clinical inputs as entered (the panel's form, or `cacs score --clinical FILE`): every
 * field present, numbers in plausible ranges and units, words from the MESA groups. Cholesterol
 * may be given in mmol/L as totalCholesterolMmolL / hdlMmolL (converted to mg/dL). Each problem
 * is one sentence saying what is wrong and what to enter instead.
 */
export function parseClinicalInputs(raw: unknown): ClinicalParse {
  const problems: string[] = [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: ['Clinical inputs must be an object such as {"ageYears": 62, "sex": "male", ...}.'] };
  }
  const r = raw as Record<string, unknown>;
  const num = (key: string, what: string, unit: string, range: readonly [number, number], mmolKey?: string): number => {
    let v = r[key];
    let fromMmol = false;
    if ((v === undefined || v === null || v === '') && mmolKey && r[mmolKey] !== undefined && r[mmolKey] !== '') {
      const m = typeof r[mmolKey] === 'string' ? Number(String(r[mmolKey]).replace(',', '.')) : r[mmolKey];
      if (typeof m !== 'number' || !Number.isFinite(m)) {
        problems.push(`${what}: "${String(r[mmolKey])}" is not a number; enter mmol/L, e.g. 5.2.`);
        return NaN;
      }
      v = Math.round(m * CHOLESTEROL_MG_DL_PER_MMOL_L * 10) / 10;
      fromMmol = true;
    }
    if (v === undefined || v === null || v === '') {
      problems.push(`${what} is missing: enter it in ${unit}${mmolKey ? ' (or in mmol/L)' : ''}.`);
      return NaN;
    }
    const n = typeof v === 'string' ? Number(v.replace(',', '.')) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      problems.push(`${what}: "${String(v)}" is not a number; enter ${unit}.`);
      return NaN;
    }
    if (n < range[0] || n > range[1]) {
      const mmolHint =
        mmolKey && !fromMmol && n > 0 && n < 20
          ? ` ${n} looks like mmol/L: enter ${Math.round(n * CHOLESTEROL_MG_DL_PER_MMOL_L)} mg/dL, or give it as ${mmolKey}.`
          : '';
      problems.push(`${what} ${n} ${unit} is outside ${range[0]}-${range[1]} ${unit}.${mmolHint || ' Check the value and its unit.'}`);
    }
    return n;
  };
  const ageYears = num('ageYears', 'Age', 'years', CLINICAL_RANGES.ageYears);
  const systolicBpMmHg = num('systolicBpMmHg', 'Systolic blood pressure', 'mmHg', CLINICAL_RANGES.systolicBpMmHg);
  const totalCholesterolMgDl = num('totalCholesterolMgDl', 'Total cholesterol', 'mg/dL', CLINICAL_RANGES.totalCholesterolMgDl, 'totalCholesterolMmolL');
  const hdlMgDl = num('hdlMgDl', 'HDL cholesterol', 'mg/dL', CLINICAL_RANGES.hdlMgDl, 'hdlMmolL');
  const inRange = (v: number, [lo, hi]: readonly [number, number]) => Number.isFinite(v) && v >= lo && v <= hi;
  if (inRange(totalCholesterolMgDl, CLINICAL_RANGES.totalCholesterolMgDl) && inRange(hdlMgDl, CLINICAL_RANGES.hdlMgDl) && hdlMgDl >= totalCholesterolMgDl) {
    problems.push(`HDL cholesterol (${hdlMgDl} mg/dL) must be less than total cholesterol (${totalCholesterolMgDl} mg/dL); check the two values.`);
  }
  const sex = typeof r.sex === 'string' ? r.sex.trim().toLowerCase() : r.sex;
  if (sex !== 'male' && sex !== 'female') problems.push(`Sex must be "male" or "female" (got ${JSON.stringify(r.sex ?? null)}).`);
  const race = typeof r.race === 'string' ? r.race.trim().toLowerCase() : r.race;
  if (!['white', 'chinese', 'black', 'hispanic'].includes(race as string)) {
    problems.push(`Race/ethnicity must be one of the MESA groups "white", "chinese", "black", "hispanic" (got ${JSON.stringify(r.race ?? null)}).`);
  }
  const flags: Record<string, boolean> = {};
  for (const [key, what] of BOOLEAN_INPUTS) {
    const v = r[key];
    if (typeof v === 'boolean') flags[key] = v;
    else if (v === 'yes' || v === 'no') flags[key] = v === 'yes';
    else problems.push(`${what[0].toUpperCase()}${what.slice(1)} (${key}) must be true or false (got ${JSON.stringify(v ?? null)}).`);
  }
  const known = new Set(['ageYears', 'sex', 'race', 'systolicBpMmHg', 'totalCholesterolMgDl', 'hdlMgDl', 'totalCholesterolMmolL', 'hdlMmolL', ...BOOLEAN_INPUTS.map(([k]) => k)]);
  for (const key of Object.keys(r)) {
    if (!known.has(key)) problems.push(`Unknown clinical input "${key}"; the inputs are ${[...known].join(', ')}.`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      ageYears,
      sex: sex as ClinicalInputs['sex'],
      race: race as ClinicalInputs['race'],
      diabetes: flags.diabetes,
      currentSmoker: flags.currentSmoker,
      totalCholesterolMgDl,
      hdlMgDl,
      lipidLoweringMedication: flags.lipidLoweringMedication,
      systolicBpMmHg,
      antihypertensiveMedication: flags.antihypertensiveMedication,
      familyHistoryOfHeartAttack: flags.familyHistoryOfHeartAttack,
    },
  };
}
