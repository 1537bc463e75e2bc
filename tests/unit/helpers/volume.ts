/**
 * Tiny hand-built CT volumes for unit tests: axial slices, patient LPS axes aligned with the
 * voxel grid (i -> +x, j -> +y, k -> +z), origin at (0, 0, 0), filled with soft tissue (40 HU).
 */
import type { CtVolume, SeriesFacts, SourceContext, Vec3 } from '../../../core/types';

export interface TestVolumeOptions {
  columns?: number;
  rows?: number;
  slices?: number;
  /** In-plane pixel spacing (mm), both directions. */
  pixelMm?: number;
  /** Slice increment (mm). */
  incrementMm?: number;
  /** Slice thickness (mm); defaults to the increment. */
  thicknessMm?: number;
  fillHu?: number;
  facts?: Partial<SeriesFacts>;
}

export function testFacts(overrides: Partial<SeriesFacts> = {}): SeriesFacts {
  return {
    modality: 'CT',
    manufacturer: 'TEST',
    manufacturerModelName: null,
    kvp: 120,
    sliceThicknessMm: 3,
    sliceIncrementMm: 3,
    pixelSpacingMm: [0.5, 0.5],
    rows: 16,
    columns: 16,
    sliceCount: 4,
    convolutionKernel: null,
    gated: true,
    contrast: false,
    contrastAgent: null,
    gantryTiltDeg: null,
    massFactorPatient: null,
    reconstruction: null,
    ...overrides,
  };
}

const SOURCE: SourceContext = {
  patientName: 'TEST^PATIENT',
  patientId: 'T1',
  patientBirthDate: null,
  patientSex: null,
  patientAge: null,
  studyInstanceUid: '1.2.3.4',
  studyDate: null,
  studyTime: null,
  studyId: null,
  accessionNumber: null,
  referringPhysicianName: null,
  studyDescription: null,
  seriesInstanceUid: '1.2.3.4.5',
  seriesNumber: 1,
  seriesDescription: null,
  frameOfReferenceUid: '1.2.3.4.6',
};

export function makeVolume(opts: TestVolumeOptions = {}): CtVolume {
  const columns = opts.columns ?? 16;
  const rows = opts.rows ?? 16;
  const slices = opts.slices ?? 4;
  const pixelMm = opts.pixelMm ?? 0.5;
  const incrementMm = opts.incrementMm ?? 3;
  const hu = new Int16Array(columns * rows * slices).fill(opts.fillHu ?? 40);
  const imagePositionsMm: Vec3[] = Array.from({ length: slices }, (_, k) => [0, 0, k * incrementMm] as Vec3);
  return {
    columns,
    rows,
    slices,
    columnSpacingMm: pixelMm,
    rowSpacingMm: pixelMm,
    sliceIncrementMm: incrementMm,
    imagePositionsMm,
    rowCosines: [1, 0, 0],
    columnCosines: [0, 1, 0],
    normal: [0, 0, 1],
    instances: [],
    facts: testFacts({
      sliceThicknessMm: opts.thicknessMm ?? incrementMm,
      sliceIncrementMm: incrementMm,
      pixelSpacingMm: [pixelMm, pixelMm],
      rows,
      columns,
      sliceCount: slices,
      ...opts.facts,
    }),
    source: SOURCE,
    hu,
  };
}

/** Sets voxel (i, j, k) to `hu`. */
export function setVoxel(v: CtVolume, i: number, j: number, k: number, hu: number): void {
  v.hu[(k * v.rows + j) * v.columns + i] = hu;
}

/** Fills the box i0..i1, j0..j1, k0..k1 (inclusive) with `hu`. */
export function fillBox(v: CtVolume, [i0, i1]: [number, number], [j0, j1]: [number, number], [k0, k1]: [number, number], hu: number): void {
  for (let k = k0; k <= k1; k++) for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) setVoxel(v, i, j, k, hu);
}

/** Patient position (mm) of voxel (i, j, k) in a makeVolume volume. */
export function mmOf(v: CtVolume, i: number, j: number, k: number): Vec3 {
  return [i * v.columnSpacingMm, j * v.rowSpacingMm, k * v.sliceIncrementMm];
}
