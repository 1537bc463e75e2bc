/**
 * Every coded concept the encoders write, in one place (STYLE.md: "codes live in one place,
 * each with scheme, value and meaning"). Sources: docs/dicom-objects.md §2.1 and DICOM PS3.16 (CIDs named
 * beside each group). Encoders never spell a code value themselves; they import it from here.
 */
import type { Artery } from '../types';

export interface Code {
  /** Coding Scheme Designator, e.g. "SCT", "DCM", "UCUM". */
  readonly scheme: string;
  readonly value: string;
  readonly meaning: string;
}

function code(scheme: string, value: string, meaning: string): Code {
  return Object.freeze({ scheme, value, meaning });
}

/** Anatomy (docs/dicom-objects.md §2.1). LM/LAD/LCX/RCA use the project's one artery vocabulary. */
export const ARTERY_CODES: Readonly<Record<Artery, Code>> = Object.freeze({
  LM: code('SCT', '3227004', 'Left main coronary artery'),
  LAD: code('SCT', '59438005', 'Left anterior descending coronary artery'),
  LCX: code('SCT', '57396003', 'Circumflex branch of left coronary artery'),
  RCA: code('SCT', '13647002', 'Right coronary artery'),
});

/** Long names a radiologist reads in the SR, the SEG segment labels and the PDF. */
export const ARTERY_NAMES: Readonly<Record<Artery, string>> = Object.freeze({
  LM: 'Left main (LM)',
  LAD: 'Left anterior descending (LAD)',
  LCX: 'Left circumflex (LCX)',
  RCA: 'Right coronary artery (RCA)',
});

export const ANATOMY = Object.freeze({
  coronaryArtery: code('SCT', '41801008', 'Coronary artery'),
  heart: code('SCT', '80891009', 'Heart'),
  aorta: code('SCT', '15825003', 'Aorta'),
  thoracicAorta: code('SCT', '113262008', 'Thoracic aorta'),
  aorticValve: code('SCT', '34202007', 'Aortic valve'),
  mitralValve: code('SCT', '91134007', 'Mitral valve'),
  mitralAnnulus: code('SCT', '65197004', 'Mitral annulus'),
});

/** Map a SCT code value back to the artery (read-back of SEG / SR). */
export function arteryOfCode(c: { value: string; scheme?: string } | null | undefined): Artery | null {
  if (!c) return null;
  for (const [artery, ac] of Object.entries(ARTERY_CODES) as [Artery, Code][]) {
    if (ac.value === c.value && (c.scheme === undefined || c.scheme === ac.scheme || c.scheme === 'SRT')) return artery;
  }
  return null;
}

/** Segmentation property codes (docs/dicom-objects.md §2.1, CID 7150 / 7151). */
export const SEGMENT = Object.freeze({
  category: code('SCT', '49755003', 'Morphologically abnormal structure'),
  type: code('SCT', '18115005', 'Pathologic calcification'),
});

/** Algorithm families (CID 7162). */
export const ALGORITHM_FAMILY = Object.freeze({
  artificialIntelligence: code('DCM', '123110', 'Artificial Intelligence'),
  /** Threshold + connected components, used when no model proposed the labels. */
  thresholding: code('DCM', '123101', 'Neighborhood Analysis'),
});

/** Measurement concepts (docs/dicom-objects.md §2.1). */
export const MEASUREMENT = Object.freeze({
  calciumScore: code('SCT', '450360000', 'Coronary artery calcium score'),
  calciumVolume: code('DCM', '122660', 'Calcium Volume'),
  calciumMass: code('DCM', '122661', 'Calcium Mass'),
  numberOfLesions: code('SCT', '246206008', 'Number of lesions'),
  measurementMethod: code('SCT', '370129005', 'Measurement Method'),
  agatstonMethod: code('DCM', '112055', 'Agatston scoring method'),
  volumeMethod: code('DCM', '112056', 'Volume scoring method'),
  massMethod: code('DCM', '112057', 'Mass scoring method'),
  agatstonThreshold: code('DCM', '122657', 'Agatston Score Threshold'),
});

/** TID 1500 / 1411 / 1001 / 1204 structure (PS3.16). */
export const SR = Object.freeze({
  imagingMeasurementReport: code('DCM', '126000', 'Imaging Measurement Report'),
  imagingMeasurements: code('DCM', '126010', 'Imaging Measurements'),
  measurementGroup: code('DCM', '125007', 'Measurement Group'),
  imageLibrary: code('DCM', '111028', 'Image Library'),
  imageLibraryGroup: code('DCM', '126200', 'Image Library Group'),
  qualitativeEvaluations: code('UMLS', 'C0034375', 'Qualitative Evaluations'),
  language: code('DCM', '121049', 'Language of Content Item and Descendants'),
  procedureReported: code('DCM', '121058', 'Procedure reported'),
  observerType: code('DCM', '121005', 'Observer Type'),
  person: code('DCM', '121006', 'Person'),
  device: code('DCM', '121007', 'Device'),
  personObserverName: code('DCM', '121008', 'Person Observer Name'),
  deviceObserverUid: code('DCM', '121012', 'Device Observer UID'),
  deviceObserverName: code('DCM', '121013', 'Device Observer Name'),
  deviceObserverManufacturer: code('DCM', '121014', 'Device Observer Manufacturer'),
  deviceObserverModelName: code('DCM', '121015', 'Device Observer Model Name'),
  trackingIdentifier: code('DCM', '112039', 'Tracking Identifier'),
  trackingUid: code('DCM', '112040', 'Tracking Unique Identifier'),
  findingCategory: code('SCT', '276214006', 'Finding category'),
  finding: code('DCM', '121071', 'Finding'),
  findingSite: code('SCT', '363698007', 'Finding Site'),
  /**
   * The same concept in its legacy SNOMED-RT form, as dcmjs and OHIF write it. Written for the
   * artery and total findings: OHIF 3.13's SR viewport prints an SCT Finding Site as
   * "363698007: <artery>" on the image, the SRT form not at all (the artery is named in the
   * score's label instead). Read-back accepts both.
   */
  findingSiteSrt: code('SRT', 'G-C0E3', 'Finding Site'),
  referencedSegment: code('DCM', '121191', 'Referenced Segment'),
  sourceSeriesForSegmentation: code('DCM', '121232', 'Source series for segmentation'),
  algorithmName: code('DCM', '111001', 'Algorithm Name'),
  algorithmVersion: code('DCM', '111003', 'Algorithm Version'),
  comment: code('DCM', '121106', 'Comment'),
  imageRegion: code('DCM', '111030', 'Image Region'),
  /** Source image for a per-lesion outline (TID 1410). */
  sourceImage: code('DCM', '121233', 'Source Image for Segmentation'),
});

/** Language of content (CID 5000, RFC 5646 "en-US": docs/platform.md notes "eng" fails the validator). */
export const LANGUAGE_EN_US = code('RFC5646', 'en-US', 'English (United States)');

/** Procedure reported (CID 100, extensible). */
export const PROCEDURE_CT = code('LN', '25045-6', 'CT unspecified body region');

/** Derivation / purpose of reference in SEG (CID 7203, CID 7202). */
export const DERIVATION = Object.freeze({
  segmentation: code('DCM', '113076', 'Segmentation'),
  sourceImageForProcessing: code('DCM', '121322', 'Source image for image processing operation'),
});

/**
 * Project-local concepts for items no standard code exists for (PS3.3 8.2: a private scheme
 * designator starts with "99"). Each is written with its meaning, so readers that do not know
 * the scheme still display the text.
 */
export const LOCAL_SCHEME = '99CACS';
export const LOCAL = Object.freeze({
  agatstonCategory: code(LOCAL_SCHEME, 'AGCAT', 'Agatston score category'),
  cacDrs: code(LOCAL_SCHEME, 'CACDRS', 'CAC-DRS category'),
  cadRadsP: code(LOCAL_SCHEME, 'CADRADSP', 'CAD-RADS 2.0 plaque burden'),
  guidance: code(LOCAL_SCHEME, 'ACCAHA', 'ACC/AHA 2018 statin decision support'),
  mesaRisk: code(LOCAL_SCHEME, 'MESA10', 'MESA 10-year CHD risk with CAC'),
  minimumArea: code(LOCAL_SCHEME, 'MINAREA', 'Minimum lesion area'),
  minimumPixels: code(LOCAL_SCHEME, 'MINPIX', 'Minimum lesion size in pixels'),
  connectivity: code(LOCAL_SCHEME, 'CONN2D', 'In-slice connectivity'),
  normalisation: code(LOCAL_SCHEME, 'NORM', 'Slice normalisation to nominal thickness'),
  calibrationFactor: code(LOCAL_SCHEME, 'CALFAC', 'Calcium mass calibration factor'),
  calibrationSource: code(LOCAL_SCHEME, 'CALSRC', 'Calibration factor source'),
  reviewed: code(LOCAL_SCHEME, 'REVIEWED', 'Artery assignment reviewed by a person'),
  warning: code(LOCAL_SCHEME, 'WARN', 'Scoring warning'),
  reportVersion: code(LOCAL_SCHEME, 'VERSION', 'Calcium score report version'),
  totalCalcium: code(LOCAL_SCHEME, 'TOTAL', 'All coronary arteries'),
  sliceIncrement: code(LOCAL_SCHEME, 'SLINC', 'Slice increment'),
  /** Acquisition facts of the scored series (what a comparison with a prior needs; core/prior.ts). */
  kvp: code(LOCAL_SCHEME, 'KVP', 'Peak kilovoltage of the scored series (kV)'),
  sliceThickness: code(LOCAL_SCHEME, 'SLTHICK', 'Slice thickness of the scored series (mm)'),
  kernel: code(LOCAL_SCHEME, 'KERNEL', 'Reconstruction kernel of the scored series'),
  /** Comparison with a prior calcium score (docs/scoring.md §1.6). */
  priorStudyUid: code(LOCAL_SCHEME, 'PRIORUID', 'Prior study compared with (Study Instance UID)'),
  priorStudyDate: code(LOCAL_SCHEME, 'PRIORDATE', 'Prior study date'),
  priorAgatston: code(LOCAL_SCHEME, 'PRIORAGAT', 'Prior total Agatston score'),
  agatstonChange: code(LOCAL_SCHEME, 'AGCHANGE', 'Change in total Agatston score since the prior study'),
  annualisedChange: code(LOCAL_SCHEME, 'AGRATE', 'Annualised change in total Agatston score (per year)'),
  sqrtDifference: code(LOCAL_SCHEME, 'SQRTDIFF', 'Square-root difference of total Agatston scores'),
  progression: code(LOCAL_SCHEME, 'PROGRESS', 'Calcium progression (Hokanson 2004 square-root method)'),
  priorWarning: code(LOCAL_SCHEME, 'PRIORWARN', 'Comparison with prior warning'),
  /** "reviewed" | "in review" | "automatic" (see reviewStatus in core/encode/report-text.ts). */
  reviewState: code(LOCAL_SCHEME, 'REVSTATE', 'Review state'),
  pendingCandidates: code(LOCAL_SCHEME, 'PENDING', 'Candidate lesions not yet reviewed'),
  excludedCandidates: code(LOCAL_SCHEME, 'EXCLUDED', 'Candidate lesions excluded as non-coronary'),
  readerConfirmed: code(LOCAL_SCHEME, 'CONFIRMED', 'Result confirmed by the reader'),
  /** MESA inputs (docs/scoring.md §1.4), as entered by the reader. */
  age: code(LOCAL_SCHEME, 'AGE', 'Age (years)'),
  sex: code(LOCAL_SCHEME, 'SEX', 'Sex'),
  race: code(LOCAL_SCHEME, 'RACE', 'Race/ethnicity (MESA group)'),
  diabetes: code(LOCAL_SCHEME, 'DIABETES', 'Diabetes'),
  currentSmoker: code(LOCAL_SCHEME, 'SMOKER', 'Current smoker'),
  systolicBp: code(LOCAL_SCHEME, 'SBP', 'Systolic blood pressure (mmHg)'),
  antihypertensive: code(LOCAL_SCHEME, 'BPMED', 'Treated for hypertension'),
  totalCholesterol: code(LOCAL_SCHEME, 'TC', 'Total cholesterol (mg/dL)'),
  hdl: code(LOCAL_SCHEME, 'HDL', 'HDL cholesterol (mg/dL)'),
  lipidLowering: code(LOCAL_SCHEME, 'LIPIDMED', 'Lipid-lowering therapy'),
  familyHistory: code(LOCAL_SCHEME, 'FAMHX', 'Family history of heart attack'),
});

/** UCUM units (docs/dicom-objects.md §2.1). */
export const UNITS = Object.freeze({
  /** UCUM "1" with an annotation: dimensionless, and OHIF prints the code value after the number. */
  score: code('UCUM', '{Agatston}', 'Agatston units'),
  mm3: code('UCUM', 'mm3', 'cubic millimeter'),
  mg: code('UCUM', 'mg', 'milligram'),
  mm2: code('UCUM', 'mm2', 'square millimeter'),
  mm: code('UCUM', 'mm', 'millimeter'),
  hu: code('UCUM', "[hnsf'U]", 'Hounsfield unit'),
  kv: code('UCUM', 'kV', 'kilovolt'),
  pixels: code('UCUM', '{pixels}', 'pixels'),
  lesions: code('UCUM', '{lesions}', 'lesions'),
  percent: code('UCUM', '%', 'percent'),
  /** mg HA per cm^3 per HU (docs/scoring.md §1.2). */
  massFactor: code('UCUM', "mg/cm3/[hnsf'U]", 'milligram per cubic centimeter per Hounsfield unit'),
});

/** Yes / No (CID 230). */
export const YES = code('SCT', '373066001', 'Yes');
export const NO = code('SCT', '373067005', 'No');

/** SOP classes written or referenced. */
export const SOP_CLASS = Object.freeze({
  segmentation: '1.2.840.10008.5.1.4.1.1.66.4',
  labelmapSegmentation: '1.2.840.10008.5.1.4.1.1.66.7',
  comprehensiveSr: '1.2.840.10008.5.1.4.1.1.88.33',
  encapsulatedPdf: '1.2.840.10008.5.1.4.1.1.104.1',
  ctImage: '1.2.840.10008.5.1.4.1.1.2',
});

/** Dataset form of a code (a Code Sequence item in dcmjs "naturalized" form). */
export function codeItem(c: Code): { CodeValue: string; CodingSchemeDesignator: string; CodeMeaning: string } {
  return { CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning };
}

/** Parse a Code Sequence item back into a Code. */
export function codeFromItem(item: unknown): Code | null {
  if (!item || typeof item !== 'object') return null;
  const it = item as Record<string, unknown>;
  const value = (it.CodeValue ?? it.LongCodeValue ?? it.URNCodeValue) as string | undefined;
  if (!value) return null;
  return code(String(it.CodingSchemeDesignator ?? ''), String(value), String(it.CodeMeaning ?? ''));
}

export function sameCode(a: Code | null | undefined, b: Code | null | undefined): boolean {
  return !!a && !!b && a.value === b.value && a.scheme === b.scheme;
}
