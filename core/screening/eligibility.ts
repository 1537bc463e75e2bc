/**
 * Which CT series of an archive the screening queue scores, decided from headers alone (DICOMweb
 * series metadata, no pixels), by the same rules the reader applies to files:
 *  - core/dicom/read.ts summariseDatasets: CT Image Storage, not a localizer, more than one
 *    slice, axial (gantry tilt allowed);
 *  - core/dicom/geometry.ts stackGeometry: one stack, no duplicate positions, no missing slices;
 *  - core/dicom/facts.ts seriesFacts: a contrast agent in the header refuses the series, as does
 *    a description that names a contrast phase;
 *  - a site limit on slice thickness (default 5 mm), and coverage long enough for the heart.
 * Each series that is not fit gets one line saying why. A study gets at most one job: among its
 * fit series the one closest to the Agatston method (3 mm slices, a soft kernel) is scored, so
 * the study's calcium report has one source series and one version chain.
 */
import { num, str, strs, type NaturalDataset } from '../dicom/dataset';
import { seriesFacts } from '../dicom/facts';
import { GeometryError, stackGeometry } from '../dicom/geometry';
import { isLocalizer, summariseDatasets } from '../dicom/read';
import { isSharpKernel } from '../checks';

export interface ScreeningLimits {
  /** Thicker slices are not scored (partial volume drops small calcium below 130 HU). */
  maxThicknessMm: number;
  /** Shorter coverage is not scored: part of the heart would be outside it. */
  minCoverageMm: number;
}

/**
 * Site settings, not clinical constants: Agatston scoring is defined on 3 mm slices (docs/scoring.md
 * §1.1) and the checks warn on anything else; the queue scores up to 5 mm (routine chest CT
 * reconstructions) with that warning. 60 mm is about half the heart's length: a shorter series is a
 * partial scan, not a chest or cardiac CT. `cacs screen --max-thickness / --min-coverage` change them.
 */
export const DEFAULT_SCREENING_LIMITS: Readonly<ScreeningLimits> = Object.freeze({ maxThicknessMm: 5, minCoverageMm: 60 });

export interface SeriesAssessment {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  seriesDescription: string | null;
  studyDate: string | null;
  seriesTime: string | null;
  slices: number;
  thicknessMm: number | null;
  kernel: string | null;
  /** Null when the series can be scored; else one line saying why not. */
  unfit: string | null;
}

/** Descriptions that name a contrast phase (and not its absence). */
const CONTRAST_WORDS = /\b(CTA|ANGIO\w*|ARTERIAL|PORTAL|VENOUS|NEPHRO\w*|C\+|WITH CONTRAST|W\/ ?C(ONTRAST)?|POST[- ]?CONTRAST|ENHANCED)\b/i;
const NO_CONTRAST_WORDS = /\b(NON[- ]?CON\w*|UNENHANCED|NON[- ]?ENHANCED|W\/?O|WITHOUT|NATIVE|PLAIN|NC|CACS?|CALCIUM)\b/i;

const fmt = (x: number) => String(Math.round(x * 100) / 100);

/** Assess one series from its instances' headers (WADO-RS series metadata, naturalized). */
export function assessSeries(datasets: NaturalDataset[], limits: ScreeningLimits = DEFAULT_SCREENING_LIMITS): SeriesAssessment {
  const ref = datasets[0] ?? {};
  const base: SeriesAssessment = {
    seriesInstanceUid: str(ref, 'SeriesInstanceUID') ?? '',
    studyInstanceUid: str(ref, 'StudyInstanceUID') ?? '',
    seriesDescription: str(ref, 'SeriesDescription'),
    studyDate: str(ref, 'StudyDate'),
    seriesTime: str(ref, 'SeriesTime'),
    slices: datasets.length,
    thicknessMm: num(ref, 'SliceThickness'),
    kernel: strs(ref, 'ConvolutionKernel').join('\\') || null,
    unfit: null,
  };
  const unfit = (why: string): SeriesAssessment => ({ ...base, unfit: why });
  if (datasets.length === 0) return unfit('no instances');
  const summaries = summariseDatasets(datasets);
  const summary = summaries.find((s) => s.seriesInstanceUid === base.seriesInstanceUid) ?? summaries[0];
  if (summary.notScorable) return unfit(summary.notScorable);
  const images = datasets.filter((d) => !isLocalizer(d));
  let stack;
  try {
    stack = stackGeometry(images.map((dataset, n) => ({ name: `instance ${n + 1}`, dataset })));
  } catch (e) {
    if (e instanceof GeometryError) return unfit(e.message.replace(/^instance \d+: /, ''));
    throw e;
  }
  const facts = seriesFacts(images, {
    rows: num(ref, 'Rows') ?? 0,
    columns: num(ref, 'Columns') ?? 0,
    sliceCount: stack.positionsMm.length,
    increment: stack.sliceIncrementMm,
    spacing: null,
    lengthMm: stack.lengthMm,
  });
  if (facts.contrast === true) return unfit(`contrast agent in the header (${facts.contrastAgent}): calcium scoring needs a non-contrast series`);
  const text = [base.seriesDescription, str(ref, 'ProtocolName')].filter(Boolean).join(' ');
  if (CONTRAST_WORDS.test(text) && !NO_CONTRAST_WORDS.test(text)) return unfit(`described as contrast-enhanced ("${text}"): calcium scoring needs a non-contrast series`);
  const thickness = base.thicknessMm ?? stack.sliceIncrementMm;
  if (thickness > limits.maxThicknessMm + 1e-6) return unfit(`slices ${fmt(thickness)} mm thick, over the ${fmt(limits.maxThicknessMm)} mm limit (small calcium falls below 130 HU)`);
  const coverage = stack.lengthMm + stack.sliceIncrementMm;
  if (coverage < limits.minCoverageMm) return unfit(`covers ${fmt(coverage)} mm, under the ${fmt(limits.minCoverageMm)} mm needed for the heart`);
  return { ...base, slices: stack.positionsMm.length, thicknessMm: thickness };
}

/**
 * How far a fit series is from the Agatston method, for choosing one per study: slice thickness
 * away from 3 mm first, a sharp kernel next, then fewer slices.
 */
function distanceFromMethod(a: SeriesAssessment): [number, number, number] {
  return [Math.abs((a.thicknessMm ?? 3) - 3), a.kernel && isSharpKernel(a.kernel) ? 1 : 0, -a.slices];
}

/**
 * One series per study: the fit series closest to the method; the others fit ones get a reason
 * naming the chosen one. Returns the assessments in input order with `unfit` filled in.
 */
export function choosePerStudy(assessments: SeriesAssessment[]): SeriesAssessment[] {
  const best = new Map<string, SeriesAssessment>();
  for (const a of assessments) {
    if (a.unfit) continue;
    const held = best.get(a.studyInstanceUid);
    if (!held || compare(distanceFromMethod(a), distanceFromMethod(held)) < 0) best.set(a.studyInstanceUid, a);
  }
  return assessments.map((a) => {
    if (a.unfit) return a;
    const chosen = best.get(a.studyInstanceUid)!;
    if (chosen === a) return a;
    const desc = chosen.seriesDescription ? ` "${chosen.seriesDescription}"` : '';
    return { ...a, unfit: `the study's series ${chosen.seriesInstanceUid}${desc} (${fmt(chosen.thicknessMm ?? 0)} mm${chosen.kernel ? `, ${chosen.kernel}` : ''}) is scored instead: one calcium report per study` };
  });
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
