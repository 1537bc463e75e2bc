/**
 * The shared vocabulary of the scoring core. Pure types and tiny geometry helpers:
 * no DOM, OHIF or cornerstone imports, so the viewer, a Web Worker, the CLI and the
 * tests all use the same definitions.
 *
 * Coordinates are DICOM patient coordinates (LPS, millimetres) unless a name says
 * otherwise. Voxel index order is (i = column, j = row, k = slice), stored
 * slice-major: index = (k * rows + j) * columns + i.
 */

export const ARTERIES = ['LM', 'LAD', 'LCX', 'RCA'] as const;
export type Artery = (typeof ARTERIES)[number];
/** OTHER = non-coronary (aortic wall, valves, mitral annulus, bone, noise): excluded from the score. */
export type LesionLabel = Artery | 'OTHER' | 'UNASSIGNED';
export const LESION_LABELS: readonly LesionLabel[] = [...ARTERIES, 'OTHER', 'UNASSIGNED'];

export type Vec3 = [number, number, number];

/** Patient / study / series identification carried from the source CT into derived objects. */
export interface SourceContext {
  patientName: string | null;
  patientId: string | null;
  patientBirthDate: string | null;
  patientSex: string | null;
  patientAge: string | null;
  studyInstanceUid: string;
  studyDate: string | null;
  studyTime: string | null;
  studyId: string | null;
  accessionNumber: string | null;
  referringPhysicianName: string | null;
  studyDescription: string | null;
  seriesInstanceUid: string;
  seriesNumber: number | null;
  seriesDescription: string | null;
  frameOfReferenceUid: string | null;
}

/** Acquisition facts of the CT series, as read from its headers (null where absent). */
export interface SeriesFacts {
  modality: string;
  manufacturer: string | null;
  manufacturerModelName: string | null;
  kvp: number | null;
  sliceThicknessMm: number | null;
  /** Median distance between adjacent slice positions along the slice normal. */
  sliceIncrementMm: number | null;
  /** [row spacing, column spacing] as in DICOM PixelSpacing. */
  pixelSpacingMm: [number, number] | null;
  rows: number;
  columns: number;
  sliceCount: number;
  convolutionKernel: string | null;
  /** ECG gating from the header (CardiacSynchronizationTechnique, TriggerTime, ...); null when unknown. */
  gated: boolean | null;
  /** Contrast agent named in the header (ContrastBolusAgent / ContrastBolusRoute); null when unknown. */
  contrast: boolean | null;
  contrastAgent: string | null;
  gantryTiltDeg: number | null;
  /** (0018,9351) Calcium Scoring Mass Factor Patient, when the image carries it. */
  massFactorPatient: number | null;
  /** Iterative reconstruction hints, if any, as free text for warnings. */
  reconstruction: string | null;
}

/** One CT slice's identity, needed to reference it from SEG / SR. */
export interface SliceInstance {
  sopInstanceUid: string;
  sopClassUid: string;
  instanceNumber: number | null;
}

/** Geometry of a CT volume, without the voxels (what encoders need). */
export interface VolumeGeometry {
  columns: number;
  rows: number;
  slices: number;
  /** Distance between adjacent columns (i), PixelSpacing[1]. */
  columnSpacingMm: number;
  /** Distance between adjacent rows (j), PixelSpacing[0]. */
  rowSpacingMm: number;
  sliceIncrementMm: number;
  /** ImagePositionPatient of each slice k (slices sorted by ascending position along `normal`). */
  imagePositionsMm: Vec3[];
  /** Direction of increasing column index i (ImageOrientationPatient[0..2]). */
  rowCosines: Vec3;
  /** Direction of increasing row index j (ImageOrientationPatient[3..5]). */
  columnCosines: Vec3;
  /** rowCosines x columnCosines. */
  normal: Vec3;
  instances: SliceInstance[];
  facts: SeriesFacts;
  source: SourceContext;
}

/** A CT volume in Hounsfield units (already rescaled: slope/intercept applied once). */
export interface CtVolume extends VolumeGeometry {
  hu: Int16Array;
}

/** Scoring settings; echoed in every result. Defaults in core/settings.ts follow docs/scoring.md §1.1. */
export interface ScoringSettings {
  /** A voxel counts when HU >= thresholdHu (inclusive; docs/scoring.md §1.1). */
  thresholdHu: number;
  /** Minimum 2D component area in mm^2; ignored when minAreaPixels is set. */
  minAreaMm2: number;
  /** Minimum 2D component size in pixels (e.g. Canon's 3 pixels); null = use minAreaMm2. */
  minAreaPixels: number | null;
  /** In-slice connectivity of 2D components. */
  connectivity2d: 4 | 8;
  /** Multiply slice sums by sliceIncrementMm / 3 (docs/scoring.md §1.1). */
  normaliseToMm: number | null;
  /** Calibration factor c in mg HA per cm^3 per HU; null = mass not computed (with a warning). */
  massFactor: number | null;
  massFactorSource: 'header' | 'site' | 'phantom' | 'user' | null;
}

/** A 2D connected component of thresholded voxels on one slice: the Agatston unit. */
export interface SliceComponent {
  id: number;
  lesionId: number;
  slice: number;
  pixelCount: number;
  areaMm2: number;
  peakHu: number;
  /** Density weight 1..4 from peakHu. */
  weight: number;
  /** areaMm2 x weight x slice normalisation. */
  agatston: number;
  centroidMm: Vec3;
}

/** A scored lesion (a 3D lesion, or the part of one assigned to one artery after a split). */
export interface LesionMeasure {
  id: number;
  /** For a part of a split 3D lesion: the 3D lesion it came from. */
  parentId?: number;
  artery: LesionLabel;
  agatston: number;
  volumeMm3: number;
  massMg: number | null;
  peakHU: number;
  meanHU: number;
  centroidMm: Vec3;
  voxelCount: number;
  /** The 2D components (SliceComponent ids) that make up this lesion. */
  componentIds: number[];
  /** First and last slice index k. */
  sliceRange: [number, number];
  /** Who set the label. */
  labelSource: 'auto' | 'seed' | 'reader' | 'none';
  /**
   * For an automatic label: the model's confidence (the lowest of the lesion's slice
   * components, 0..1); null for labels set by a reader or a seed, or none.
   */
  confidence: number | null;
  /** An automatic label of low confidence that no reader has confirmed: check it first. */
  needsReview: boolean;
  /** For an automatic label: the model's fine class (e.g. 'aortic-valve', 'bone' behind OTHER). */
  fineClass?: string;
}

export interface Totals {
  agatston: number;
  volumeMm3: number;
  massMg: number | null;
  lesionCount: number;
}

export interface ClinicalInputs {
  ageYears: number;
  sex: 'male' | 'female';
  race: 'white' | 'chinese' | 'black' | 'hispanic';
  diabetes: boolean;
  currentSmoker: boolean;
  totalCholesterolMgDl: number;
  hdlMgDl: number;
  lipidLoweringMedication: boolean;
  systolicBpMmHg: number;
  antihypertensiveMedication: boolean;
  familyHistoryOfHeartAttack: boolean;
}

export interface RiskSummary {
  /** Classic class: "0", "1-10", "11-100", "101-400", ">400". */
  agatstonCategory: string;
  /** e.g. "CAC-DRS A2/N3". */
  cacDrs: string;
  /** CAD-RADS 2.0 plaque burden, e.g. "P1"; null for CAC 0. */
  cadRadsP: string | null;
  /** ACC/AHA 2018 decision-support text (withheld while the result is provisional). */
  guidance: string;
  /**
   * True while candidate lesions are neither assigned to an artery nor excluded: the totals,
   * categories above count assigned lesions only, so they are not final (a scan whose calcium
   * is all unassigned must never read as "CAC 0").
   */
  provisional?: boolean;
  /** The candidates still to review when provisional. */
  pending?: { lesionCount: number; agatston: number };
  /**
   * Input checks the images failed (implausible HU, a damaged slice, errors scored anyway with
   * --force): the result is provisional and no decision support or risk is given over it.
   */
  inputProblems?: string[];
  /** The clinical inputs the MESA risk was computed from (as entered; stored in the SR). */
  clinical?: ClinicalInputs | null;
  /** MESA 10-year CHD risk in percent, when clinical inputs were given. */
  mesaTenYearChdRiskPercent?: number | null;
  mesaNotes?: string[];
}

export interface ScoringResult {
  input: SeriesFacts;
  settings: ScoringSettings;
  total: Totals;
  arteries: Record<Artery, Totals>;
  lesions: LesionMeasure[];
  risk: RiskSummary;
  warnings: string[];
  /** True once a person assigned, reassigned or excluded a lesion. */
  reviewed: boolean;
  /** True when the reader confirmed the whole result (e.g. correct automatic labels, nothing to change). */
  confirmed?: boolean;
  /** The model that proposed labels, if any. */
  model: { name: string; version: string } | null;
  /**
   * Automatic labelling state, when a model proposed labels: 'unreviewed' while they are a
   * proposal (totals shown, guideline text withheld), 'confirmed' once the reader accepted them.
   */
  labelling?: { status: 'unreviewed' | 'confirmed'; proposals: number; needsReview: number };
}
