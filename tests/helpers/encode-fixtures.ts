/**
 * A small hand-made CT volume with one calcified plaque per artery, a non-coronary calcification,
 * scored by the real core (detectLesions / Assignment / scoreResult). Used by the encoder and
 * store tests; independent of the phantom generator so encoder tests do not move with it.
 */
import { scoreVolume } from '../../core/index';
import { scoreResult } from '../../core/scoring/score';
import type { Assignment } from '../../core/scoring/assign';
import type { LesionSet } from '../../core/scoring/detect';
import type { Artery, CtVolume, LesionLabel, ScoringResult, Vec3 } from '../../core/types';
import { voxelToPatient } from '../../core/dicom/geometry';

export interface Blob {
  label: LesionLabel;
  /** Inclusive voxel box: i0..i1, j0..j1, k0..k1. */
  box: [number, number, number, number, number, number];
  hu: number;
}

/** Default plaques: LAD dense, LCX mid, RCA over three slices, LM small and faint, and aortic wall calcium. */
export const DEFAULT_BLOBS: Blob[] = [
  { label: 'LAD', box: [20, 25, 30, 35, 5, 6], hu: 450 },
  { label: 'LCX', box: [60, 63, 30, 33, 8, 8], hu: 250 },
  { label: 'RCA', box: [30, 37, 60, 64, 9, 11], hu: 350 },
  { label: 'LM', box: [44, 46, 20, 22, 4, 4], hu: 180 },
  { label: 'OTHER', box: [75, 79, 70, 74, 12, 12], hu: 600 },
];

export interface FixtureOptions {
  columns?: number;
  rows?: number;
  slices?: number;
  pixelMm?: number;
  sliceMm?: number;
  blobs?: Blob[];
  patientName?: string;
  /** Marks the assignment as done by a person (SEMIAUTOMATIC SEG, "reviewed" in the SR). */
  reviewed?: boolean;
  massFactor?: number | null;
}

export interface Fixture {
  volume: CtVolume;
  lesionSet: LesionSet;
  assignment: Assignment;
  result: ScoringResult;
}

let uidCounter = 0;
function testUid(): string {
  uidCounter++;
  return `2.25.${BigInt(Date.now()) * 1000000n + BigInt(process.pid) * 1000n + BigInt(uidCounter)}`;
}

export function makeVolume(opts: FixtureOptions = {}): CtVolume {
  const columns = opts.columns ?? 96;
  const rows = opts.rows ?? 96;
  const slices = opts.slices ?? 16;
  const px = opts.pixelMm ?? 0.5;
  const dz = opts.sliceMm ?? 3;
  const hu = new Int16Array(columns * rows * slices);
  // Soft tissue with a deterministic texture well below the 130 HU threshold.
  for (let n = 0; n < hu.length; n++) hu[n] = 40 + ((n * 7919) % 23) - 11;
  for (const b of opts.blobs ?? DEFAULT_BLOBS) {
    const [i0, i1, j0, j1, k0, k1] = b.box;
    for (let k = k0; k <= k1; k++)
      for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) hu[(k * rows + j) * columns + i] = b.hu;
  }
  const studyUid = testUid();
  const seriesUid = testUid();
  const positions: Vec3[] = [];
  for (let k = 0; k < slices; k++) positions.push([-24, -24, -100 + k * dz]);
  return {
    columns,
    rows,
    slices,
    columnSpacingMm: px,
    rowSpacingMm: px,
    sliceIncrementMm: dz,
    imagePositionsMm: positions,
    rowCosines: [1, 0, 0],
    columnCosines: [0, 1, 0],
    normal: [0, 0, 1],
    instances: positions.map((_, k) => ({ sopInstanceUid: testUid(), sopClassUid: '1.2.840.10008.5.1.4.1.1.2', instanceNumber: k + 1 })),
    facts: {
      modality: 'CT',
      manufacturer: 'Test',
      manufacturerModelName: 'Hand-made fixture',
      kvp: 120,
      sliceThicknessMm: dz,
      sliceIncrementMm: dz,
      pixelSpacingMm: [px, px],
      rows,
      columns,
      sliceCount: slices,
      convolutionKernel: 'B35f',
      gated: true,
      contrast: false,
      contrastAgent: null,
      gantryTiltDeg: 0,
      massFactorPatient: null,
      reconstruction: null,
    },
    source: {
      patientName: opts.patientName ?? 'Fixture^Calcium',
      patientId: 'CACS-FIX-1',
      patientBirthDate: '19600101',
      patientSex: 'M',
      patientAge: '065Y',
      studyInstanceUid: studyUid,
      studyDate: '20260101',
      studyTime: '120000',
      studyId: 'S1',
      accessionNumber: 'A1',
      referringPhysicianName: null,
      studyDescription: 'CT calcium score',
      seriesInstanceUid: seriesUid,
      seriesNumber: 2,
      seriesDescription: 'Ca score 3 mm',
      frameOfReferenceUid: testUid(),
    },
    hu,
  };
}

/** Score the fixture volume and label every plaque as its blob says (as a reader would). */
export function makeFixture(opts: FixtureOptions = {}): Fixture {
  const volume = makeVolume(opts);
  const massFactor = opts.massFactor === undefined ? 0.743 : opts.massFactor;
  const settings = massFactor === null ? {} : { massFactor, massFactorSource: 'site' as const };
  const scored = scoreVolume(volume, { settings });
  const { lesionSet, assignment } = scored;
  for (const b of opts.blobs ?? DEFAULT_BLOBS) {
    const [i0, i1, j0, j1, k0, k1] = b.box;
    const centre = voxelToPatient(volume, (i0 + i1) / 2, (j0 + j1) / 2, Math.floor((k0 + k1) / 2));
    const hit = assignment.assignPoint(centre, b.label, opts.reviewed === false ? 'auto' : 'reader');
    if (hit === null) throw new Error(`fixture: blob ${b.label} was not detected`);
  }
  if (opts.reviewed === false) assignment.reviewed = false;
  // Re-score with the labels (cheap: no pass over the volume).
  const result = scoreResult(lesionSet, assignment, { warnings: scored.result.warnings, model: null });
  return { volume, lesionSet, assignment, result };
}

export function arteryAgatston(result: ScoringResult, a: Artery): number {
  return result.arteries[a].agatston;
}
