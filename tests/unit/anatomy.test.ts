/**
 * Anatomy finder (core/anatomy) against the phantom's truth, on gated (200 mm, no arch, lungs
 * touching the border) and non-gated (350 mm chest) geometry with varied hearts, plus volumes
 * where it must refuse: a heart-less "thorax" phantom and non-axial slices.
 */
import { describe, expect, it } from 'vitest';
import {
  BONE_SPINE,
  findAnatomy,
  labelAt,
  LABEL_AORTA,
  LABEL_BONE,
  LABEL_HEART,
  LABEL_LUNG,
  LABEL_OUTSIDE,
  PRIOR_LONG_AXIS,
  gridVoxelAt,
  type Anatomy,
} from '../../core/anatomy/index';
import { generatePhantom } from '../../core/phantom/index';
import { randomScanOptions } from '../../core/phantom/variation';
import type { CtVolume, Vec3 } from '../../core/types';

const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

const CASES: { geometry: 'gated' | 'nongated'; seed: number }[] = [
  { geometry: 'gated', seed: 1 },
  { geometry: 'gated', seed: 5 },
  { geometry: 'nongated', seed: 2 },
  { geometry: 'nongated', seed: 6 },
];

describe.each(CASES)('anatomy of the $geometry phantom, seed $seed (varied heart)', ({ geometry, seed }) => {
  const { volume, truth } = generatePhantom({ geometry, seed, size: 256, anatomyVariation: true });
  const anatomy: Anatomy = findAnatomy(volume);
  const L = truth.landmarks;
  // The truth's landmark is 10 mm above the root centre (a point inside the aortic blood).
  const trueRoot: Vec3 = [L.aorticRootMm[0], L.aorticRootMm[1], L.aorticRootMm[2] - 10];

  it('finds the heart plausibly, without warnings about it', () => {
    expect(anatomy.found).toBe(true);
    expect(anatomy.warnings.filter((w) => /heart|aorta/i.test(w))).toEqual([]);
    expect(anatomy.heartVolumeMl).toBeGreaterThan(250);
    expect(anatomy.heartVolumeMl).toBeLessThan(900);
  });

  it('puts the heart centre within 8 mm of the truth, and the truth heart centre and blood pool inside the heart mask', () => {
    expect(dist(anatomy.heartCentreMm!, L.heartCentreMm)).toBeLessThan(8);
    expect(labelAt(anatomy, L.heartCentreMm)).toBe(LABEL_HEART);
    expect(labelAt(anatomy, L.bloodPoolMm)).toBe(LABEL_HEART);
  });

  it('finds the aortic root at the aorta (in-plane within 5 mm, height within 16 mm: the lowest separable section)', () => {
    const root = anatomy.aorticRootMm!;
    expect(Math.hypot(root[0] - trueRoot[0], root[1] - trueRoot[1])).toBeLessThan(5);
    expect(Math.abs(root[2] - trueRoot[2])).toBeLessThan(16);
    expect(anatomy.aortaRadiusMm!).toBeGreaterThan(11);
    expect(anatomy.aortaRadiusMm!).toBeLessThan(17);
  });

  it('predicts the coronary ostia within 15 mm of where the LM and RCA start', () => {
    expect(dist(anatomy.leftOstiumMm!, truth.paths.LM[0])).toBeLessThan(15);
    expect(dist(anatomy.rightOstiumMm!, truth.paths.RCA[0])).toBeLessThan(15);
  });

  it('orients the frame root -> apex towards the left, front and feet', () => {
    const f = anatomy.frame!;
    expect(f.origin).toEqual(anatomy.aorticRootMm);
    expect(dot(f.long, PRIOR_LONG_AXIS)).toBeGreaterThan(Math.cos((35 * Math.PI) / 180));
    expect(f.long[0]).toBeGreaterThan(0.2);
    expect(f.long[2]).toBeLessThan(-0.4);
    expect(f.anterior[1]).toBeLessThan(-0.8);
    expect(Math.abs(dot(f.long, f.anterior))).toBeLessThan(1e-9);
    expect(f.heartRadiusMm).toBeGreaterThan(40);
    expect(f.heartRadiusMm).toBeLessThan(65);
  });

  it('labels the lungs, the vertebral body, the descending aorta and the air outside', () => {
    expect(labelAt(anatomy, L.leftLungMm)).toBe(LABEL_LUNG);
    expect(labelAt(anatomy, L.rightLungMm)).toBe(LABEL_LUNG);
    const g = gridVoxelAt(anatomy.grid, L.vertebralBodyMm);
    if (g >= 0) {
      expect(anatomy.labels[g]).toBe(LABEL_BONE);
      expect(anatomy.boneKind[g]).toBe(BONE_SPINE);
    }
    if (gridVoxelAt(anatomy.grid, L.descendingAortaMm) >= 0) expect(labelAt(anatomy, L.descendingAortaMm)).toBe(LABEL_AORTA);
    // In front of the sternum, in the air of the first rows (the body is 230 mm deep).
    expect(labelAt(anatomy, [0, -121, L.heartCentreMm[2]])).toBe(LABEL_OUTSIDE);
    expect(anatomy.lungVolumeMl).toBeGreaterThan(geometry === 'gated' ? 1000 : 4000);
  });

  it('reports its timings', () => {
    for (const step of ['grid', 'body', 'lungs', 'bone', 'aorta', 'heart', 'frame', 'surfaces', 'total'])
      expect(anatomy.timingsMs[step]).toBeGreaterThanOrEqual(0);
  });
});

/** A hand-made axial volume (1 mm pixels, 3 mm slices) painted by a per-voxel function of (x, y, z) in mm. */
function handVolume(n: number, slices: number, paint: (x: number, y: number, z: number) => number, oblique = false): CtVolume {
  const hu = new Int16Array(n * n * slices);
  for (let k = 0; k < slices; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) hu[(k * n + j) * n + i] = paint(i - n / 2, j - n / 2, k * 3);
  const { volume } = generatePhantom({ size: 16, slices: 1, noiseSdHu: 0, plaques: [] });
  return {
    ...volume,
    columns: n,
    rows: n,
    slices,
    columnSpacingMm: 1,
    rowSpacingMm: 1,
    sliceIncrementMm: 3,
    imagePositionsMm: Array.from({ length: slices }, (_, k) => [-n / 2, -n / 2, k * 3] as Vec3),
    rowCosines: oblique ? [0.8, 0, 0.6] : [1, 0, 0],
    columnCosines: [0, 1, 0],
    normal: oblique ? [-0.6, 0, 0.8] : [0, 0, 1],
    instances: Array.from({ length: slices }, (_, k) => ({ sopInstanceUid: `1.2.3.${k}`, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', instanceNumber: k + 1 })),
    facts: { ...volume.facts, rows: n, columns: n, sliceCount: slices, pixelSpacingMm: [1, 1] },
    hu,
  };
}

/** A QRM-like thorax phantom: a water body with two lung inserts, a soft-tissue cylinder between them and a spine rod; no aorta. */
const thorax = (x: number, y: number) => {
  if ((x / 150) ** 2 + (y / 100) ** 2 > 1) return -1000;
  if (((x - 80) / 45) ** 2 + (y / 70) ** 2 < 1 || ((x + 80) / 45) ** 2 + (y / 70) ** 2 < 1) return -820;
  if (Math.hypot(x, y - 70) < 15) return 700;
  return Math.hypot(x, y + 5) < 40 ? 40 : 0;
};

describe('anatomy refuses what it cannot find', () => {
  it('a thorax phantom without a heart or aorta: found = false, and the warning leaves every candidate to the reader', () => {
    const a = findAnatomy(handVolume(320, 40, thorax));
    expect(a.found).toBe(false);
    expect(a.frame).toBeNull();
    // No landmark is handed out when the gates fail.
    expect(a.aorticRootMm).toBeNull();
    expect(a.heartCentreMm).toBeNull();
    expect(a.leftOstiumMm).toBeNull();
    expect(a.warnings.join(' ')).toMatch(/every candidate is left for the reader/);
    // It still finds the lungs and the body.
    expect(a.lungVolumeMl).toBeGreaterThan(100);
    expect(labelAt(a, [80, 0, 60])).toBe(LABEL_LUNG);
    expect(labelAt(a, [0, -140, 60])).toBe(LABEL_OUTSIDE);
  });

  it('non-axial slices: found = false with a warning, nothing guessed', () => {
    const a = findAnatomy(handVolume(64, 8, thorax, true));
    expect(a.found).toBe(false);
    expect(a.aorticRootMm).toBeNull();
    expect(a.warnings.join(' ')).toMatch(/not axial.*every candidate is left for the reader/);
  });

  it('an empty volume (air only): found = false with a warning', () => {
    const a = findAnatomy(handVolume(64, 8, () => -1000));
    expect(a.found).toBe(false);
    expect(a.warnings.length).toBeGreaterThan(0);
  });
});

describe('anatomy on the labeller training recipes (randomScanOptions: 0.6-5 mm slices, 80-140 kVp, 200-400 mm fields of view, noise, distractors)', () => {
  const seeds = Array.from({ length: 8 }, (_, n) => n + 1);
  const results = seeds.map((seed) => {
    const options = randomScanOptions(seed);
    const { volume, truth } = generatePhantom(options);
    return { seed, options, volume, truth, anatomy: findAnatomy(volume) };
  });

  it('finds the heart on every one, the root within 10 mm in-plane and 0-42 mm below the sinus centre (the tracked aorta ends where it merges into the heart, at or below the sinus level)', () => {
    for (const { seed, truth, anatomy } of results) {
      expect(anatomy.found, `seed ${seed}: ${anatomy.warnings.join(' ')}`).toBe(true);
      const L = truth.landmarks.aorticRootMm;
      const root = anatomy.aorticRootMm!;
      expect(Math.hypot(root[0] - L[0], root[1] - L[1]), `seed ${seed}`).toBeLessThan(10);
      expect(root[2] - L[2], `seed ${seed}`).toBeGreaterThan(-42);
      expect(root[2] - L[2], `seed ${seed}`).toBeLessThan(0);
    }
  });

  it('puts the heart centre within 8 mm of the truth where the scan covers the whole heart', () => {
    let checked = 0;
    for (const { seed, volume, truth, anatomy } of results) {
      const zs = volume.imagePositionsMm.map((p) => p[2]);
      const c = truth.landmarks.heartCentreMm;
      if (c[2] - 55 < Math.min(...zs) || c[2] + 55 > Math.max(...zs)) continue;
      checked++;
      expect(dist(anatomy.heartCentreMm!, c), `seed ${seed}`).toBeLessThan(8);
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

describe('a gated field of view without the spine (180 mm, centred in front of the heart)', () => {
  const { volume, truth } = generatePhantom({
    geometry: 'gated',
    seed: 2,
    size: 256,
    anatomyVariation: true,
    fovMm: 180,
    centreXyMm: [15, -45],
    plaques: [{ site: 'LAD', at: 0.3, sizeMm: 4, peakHu: 400 }],
  });
  const anatomy = findAnatomy(volume);

  it('still finds heart and root, and says the spine is missing', () => {
    expect(anatomy.found).toBe(true);
    expect(anatomy.surfaces.spine.count).toBe(0);
    expect(anatomy.warnings.join(' ')).toMatch(/no spine in the field of view/);
    const L = truth.landmarks;
    expect(Math.hypot(anatomy.aorticRootMm![0] - L.aorticRootMm[0], anatomy.aorticRootMm![1] - L.aorticRootMm[1])).toBeLessThan(5);
    expect(dist(anatomy.heartCentreMm!, L.heartCentreMm)).toBeLessThan(8);
  });
});
