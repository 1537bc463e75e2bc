/**
 * Agatston, volume and mass on hand-built volumes; every expected number is worked out by hand
 * in the test (0.5 mm pixels = 0.25 mm^2 per pixel, 3 mm slices unless stated).
 */
import { describe, expect, it } from 'vitest';
import { detectLesions, densityWeight } from '../../core/scoring/detect';
import { Assignment } from '../../core/scoring/assign';
import { scoreResult, MASS_FACTOR_MISSING_WARNING } from '../../core/scoring/score';
import { scoreVolume } from '../../core/index';
import { DEFAULT_SETTINGS, resolveSettings } from '../../core/settings';
import { fillBox, makeVolume, setVoxel } from './helpers/volume';
import type { CtVolume, ScoringSettings } from '../../core/types';

/** Detects and scores with every lesion assigned to LAD (so the total counts them all). */
function scoreAllLad(v: CtVolume, settings: Partial<ScoringSettings> = {}) {
  const set = detectLesions(v, settings);
  const a = new Assignment(set);
  for (const l of set.lesions) a.assignLesion(l.id, 'LAD');
  return { set, result: scoreResult(set, a) };
}

describe('density weight and threshold (docs/scoring.md §1.1)', () => {
  it.each([
    [129, 0],
    [130, 1],
    [199, 1],
    [200, 2],
    [299, 2],
    [300, 3],
    [399, 3],
    [400, 4],
    [1200, 4],
  ])('a 1 mm^2 lesion peaking at %i HU on one 3 mm slice scores %i', (hu, expected) => {
    const v = makeVolume();
    fillBox(v, [4, 5], [4, 5], [1, 1], hu); // 4 pixels x 0.25 mm^2 = 1 mm^2
    const { set, result } = scoreAllLad(v);
    expect(result.total.agatston).toBeCloseTo(expected, 10);
    expect(set.components.length).toBe(hu >= 130 ? 1 : 0);
    expect(densityWeight(hu)).toBe(expected);
  });

  it('a 2 mm^2 lesion at 250 HU on one 3 mm slice scores 4', () => {
    const v = makeVolume();
    fillBox(v, [2, 5], [2, 3], [0, 0], 250); // 8 pixels = 2 mm^2, weight 2
    expect(scoreAllLad(v).result.total.agatston).toBeCloseTo(4, 10);
  });

  it('the weight comes from the peak voxel: four 150 HU pixels around one 420 HU pixel score 1.25 x 4 = 5', () => {
    const v = makeVolume();
    fillBox(v, [4, 6], [5, 5], [0, 0], 150);
    setVoxel(v, 5, 4, 0, 150);
    setVoxel(v, 5, 6, 0, 150);
    setVoxel(v, 5, 5, 0, 420); // 5 pixels = 1.25 mm^2, peak 420 -> weight 4
    const { set, result } = scoreAllLad(v);
    expect(set.components).toHaveLength(1);
    expect(set.components[0].peakHu).toBe(420);
    expect(set.components[0].weight).toBe(4);
    expect(result.total.agatston).toBeCloseTo(5, 10);
  });

  it('a higher threshold setting drops voxels below it (thresholdHu is inclusive)', () => {
    const v = makeVolume();
    fillBox(v, [2, 3], [2, 3], [0, 0], 140);
    fillBox(v, [8, 9], [8, 9], [0, 0], 150);
    const { result } = scoreAllLad(v, { thresholdHu: 150 });
    expect(result.total.agatston).toBeCloseTo(1, 10); // only the 150 HU block, 1 mm^2 x 1
    expect(result.settings.thresholdHu).toBe(150);
  });
});

describe('minimum lesion area (docs/scoring.md §1.1)', () => {
  it('exactly 1 mm^2 qualifies and 0.75 mm^2 does not (0.5 mm pixels)', () => {
    const v = makeVolume();
    fillBox(v, [1, 2], [1, 2], [0, 0], 300); // 4 pixels = 1.00 mm^2 -> 1 x 3 = 3
    fillBox(v, [8, 10], [8, 8], [0, 0], 300); // 3 pixels = 0.75 mm^2 -> dropped
    const { set, result } = scoreAllLad(v);
    expect(set.components.map((c) => c.pixelCount)).toEqual([4]);
    expect(result.total.agatston).toBeCloseTo(3, 10);
  });

  it('exactly 1 mm^2 qualifies with 0.25 mm pixels too (16 pixels), 15 pixels do not', () => {
    const v = makeVolume({ columns: 24, rows: 24, pixelMm: 0.25 });
    fillBox(v, [1, 4], [1, 4], [0, 0], 450); // 16 x 0.0625 = 1 mm^2 -> 4
    fillBox(v, [10, 14], [10, 12], [0, 0], 450); // 15 pixels = 0.9375 mm^2 -> dropped
    const { set, result } = scoreAllLad(v);
    expect(set.components.map((c) => c.pixelCount)).toEqual([16]);
    expect(result.total.agatston).toBeCloseTo(4, 10);
  });

  it('a 0.5 mm^2 minimum (Philips) keeps a 2-pixel lesion', () => {
    const v = makeVolume();
    fillBox(v, [1, 2], [1, 1], [0, 0], 210); // 0.5 mm^2 x 2 = 1
    const { set, result } = scoreAllLad(v, { minAreaMm2: 0.5 });
    expect(set.components).toHaveLength(1);
    expect(result.total.agatston).toBeCloseTo(1, 10);
    expect(scoreAllLad(v).set.components).toHaveLength(0);
  });

  it('a pixel-count minimum (Canon, 3 pixels) keeps 3 pixels and drops 2, whatever their area', () => {
    const v = makeVolume();
    fillBox(v, [1, 3], [1, 1], [0, 0], 210); // 3 pixels = 0.75 mm^2 x 2 = 1.5
    fillBox(v, [8, 9], [8, 8], [0, 0], 210); // 2 pixels: dropped
    const { set, result } = scoreAllLad(v, { minAreaPixels: 3 });
    expect(set.components.map((c) => c.pixelCount)).toEqual([3]);
    expect(result.total.agatston).toBeCloseTo(1.5, 10);
    expect(result.settings.minAreaPixels).toBe(3);
  });
});

describe('in-slice connectivity (docs/scoring.md §1.1)', () => {
  function cornerTouching() {
    const v = makeVolume();
    fillBox(v, [2, 3], [2, 3], [0, 0], 250); // 1 mm^2, 250 HU
    fillBox(v, [4, 5], [4, 5], [0, 0], 450); // 1 mm^2, 450 HU, touching only at a corner
    return v;
  }

  it('two calcifications touching only at a corner are one 2D lesion with 8-connectivity (2 mm^2 x 4 = 8)', () => {
    const { set, result } = scoreAllLad(cornerTouching());
    expect(set.components).toHaveLength(1);
    expect(result.total.agatston).toBeCloseTo(8, 10);
  });

  it('the same two are two 2D lesions with 4-connectivity (1 x 2 + 1 x 4 = 6), still one 3D lesion (26-connected)', () => {
    const { set, result } = scoreAllLad(cornerTouching(), { connectivity2d: 4 });
    expect(set.components).toHaveLength(2);
    expect(result.total.agatston).toBeCloseTo(6, 10);
    expect(set.lesions).toHaveLength(1);
  });
});

describe('3D lesions (26-connectivity across slices)', () => {
  it('blocks on adjacent slices touching only diagonally form one lesion whose score is the sum of its slices', () => {
    const v = makeVolume();
    fillBox(v, [2, 3], [2, 3], [0, 0], 250); // 1 x 2 = 2
    fillBox(v, [4, 5], [4, 5], [1, 1], 350); // 1 x 3 = 3
    fillBox(v, [4, 5], [4, 5], [2, 2], 500); // 1 x 4 = 4
    const { set, result } = scoreAllLad(v);
    expect(set.components).toHaveLength(3);
    expect(set.lesions).toHaveLength(1);
    expect(result.lesions).toHaveLength(1);
    expect(result.lesions[0].agatston).toBeCloseTo(9, 10);
    expect(result.lesions[0].sliceRange).toEqual([0, 2]);
    expect(result.lesions[0].peakHU).toBe(500);
  });

  it('blocks one voxel apart on adjacent slices, or with an empty slice between, are separate lesions', () => {
    const v = makeVolume({ slices: 4 });
    fillBox(v, [2, 3], [2, 3], [0, 0], 250);
    fillBox(v, [5, 6], [5, 6], [1, 1], 250); // gap of one voxel in i and j
    fillBox(v, [10, 11], [10, 11], [1, 1], 250);
    fillBox(v, [10, 11], [10, 11], [3, 3], 250); // slice 2 empty between
    const { set } = scoreAllLad(v);
    expect(set.components).toHaveLength(4);
    expect(set.lesions).toHaveLength(4);
  });

  it('a U-shaped lesion whose arms meet on a later slice is one lesion', () => {
    const v = makeVolume({ slices: 3 });
    fillBox(v, [2, 3], [2, 3], [0, 0], 250);
    fillBox(v, [10, 11], [2, 3], [0, 0], 250);
    fillBox(v, [2, 3], [2, 3], [1, 1], 250);
    fillBox(v, [10, 11], [2, 3], [1, 1], 250);
    fillBox(v, [2, 11], [2, 3], [2, 2], 250);
    const { set } = scoreAllLad(v);
    expect(set.components).toHaveLength(5);
    expect(set.lesions).toHaveLength(1);
    expect(set.components.every((c) => c.lesionId === 1)).toBe(true);
  });
});

describe('slice normalisation (docs/scoring.md §1.1: x increment / 3 mm)', () => {
  it('1.5 mm overlapping slices: a 1 mm^2 400 HU lesion on two slices scores 2 x (4 x 1.5/3) = 4', () => {
    const v = makeVolume({ incrementMm: 1.5, thicknessMm: 3 });
    fillBox(v, [4, 5], [4, 5], [1, 2], 400);
    const { set, result } = scoreAllLad(v);
    expect(set.components.map((c) => c.agatston)).toEqual([2, 2]);
    expect(result.total.agatston).toBeCloseTo(4, 10);
  });

  it('1 mm slices: a 1 mm^2 400 HU lesion on three slices scores 3 x (4 x 1/3) = 4; 12 without normalisation', () => {
    const v = makeVolume({ incrementMm: 1, thicknessMm: 1 });
    fillBox(v, [4, 5], [4, 5], [0, 2], 400);
    expect(scoreAllLad(v).result.total.agatston).toBeCloseTo(4, 10);
    const off = scoreAllLad(v, { normaliseToMm: null }).result;
    expect(off.total.agatston).toBeCloseTo(12, 10);
    expect(off.settings.normaliseToMm).toBeNull();
  });
});

describe('volume and mass (docs/scoring.md §1.2)', () => {
  function cube() {
    const v = makeVolume();
    fillBox(v, [4, 5], [4, 5], [1, 2], 400); // 8 voxels
    return v;
  }

  it('volume = 8 voxels x 0.25 mm^2 x 3 mm = 6 mm^3', () => {
    const { result } = scoreAllLad(cube());
    expect(result.lesions[0].voxelCount).toBe(8);
    expect(result.lesions[0].volumeMm3).toBeCloseTo(6, 10);
    expect(result.arteries.LAD.volumeMm3).toBeCloseTo(6, 10);
  });

  it('mass with a site factor 0.8 mg/cm^3/HU: 0.8 x 400 HU x 0.006 cm^3 = 1.92 mg', () => {
    const { result } = scoreAllLad(cube(), { massFactor: 0.8 });
    expect(result.lesions[0].massMg).toBeCloseTo(1.92, 10);
    expect(result.total.massMg).toBeCloseTo(1.92, 10);
    expect(result.settings.massFactorSource).toBe('site');
    expect(result.warnings).not.toContain(MASS_FACTOR_MISSING_WARNING);
  });

  it('the header factor (0018,9351) wins over a site factor', () => {
    const v = cube();
    v.facts.massFactorPatient = 0.75;
    const { result } = scoreAllLad(v, { massFactor: 0.8 });
    expect(result.settings.massFactor).toBe(0.75);
    expect(result.settings.massFactorSource).toBe('header');
    expect(result.total.massMg).toBeCloseTo(0.75 * 400 * 0.006, 10);
  });

  it('without any calibration factor mass is null and the result says why', () => {
    const { result } = scoreAllLad(cube());
    expect(result.lesions[0].massMg).toBeNull();
    expect(result.total.massMg).toBeNull();
    expect(result.arteries.LAD.massMg).toBeNull();
    expect(result.warnings).toContain(MASS_FACTOR_MISSING_WARNING);
  });

  it('mean HU is over all lesion voxels: 4 at 200 and 4 at 400 HU average 300', () => {
    const v = makeVolume();
    fillBox(v, [4, 5], [4, 5], [1, 1], 200);
    fillBox(v, [4, 5], [4, 5], [2, 2], 400);
    const { result } = scoreAllLad(v, { massFactor: 1 });
    expect(result.lesions[0].meanHU).toBeCloseTo(300, 10);
    expect(result.lesions[0].massMg).toBeCloseTo(300 * 0.006, 10);
  });
});

describe('whole-scan results', () => {
  it('an empty scan scores 0 with "CAC-DRS 0" and no lesions', () => {
    const { result } = scoreVolume(makeVolume());
    expect(result.total).toEqual({ agatston: 0, volumeMm3: 0, massMg: null, lesionCount: 0 });
    expect(result.lesions).toEqual([]);
    expect(result.risk.agatstonCategory).toBe('0');
    expect(result.risk.cacDrs).toBe('CAC-DRS 0');
    expect(result.risk.cadRadsP).toBeNull();
    expect(result.reviewed).toBe(false);
  });

  it('the settings are echoed in the result (defaults per docs/scoring.md §1.1)', () => {
    const { result } = scoreVolume(makeVolume());
    expect(result.settings).toEqual({ ...DEFAULT_SETTINGS });
    expect(DEFAULT_SETTINGS).toMatchObject({ thresholdHu: 130, minAreaMm2: 1, connectivity2d: 8, normaliseToMm: 3 });
  });

  it('the total counts LM, LAD, LCX and RCA only: non-coronary and unassigned lesions are left out', () => {
    const v = makeVolume();
    fillBox(v, [1, 2], [1, 2], [0, 0], 450); // lesion 1: 4 -> LM
    fillBox(v, [8, 9], [1, 2], [0, 0], 250); // lesion 2: 2 -> RCA
    fillBox(v, [1, 2], [8, 9], [0, 0], 650); // lesion 3: 4 -> OTHER (e.g. mitral annulus)
    fillBox(v, [8, 9], [8, 9], [0, 0], 350); // lesion 4: 3 -> unassigned
    const set = detectLesions(v);
    expect(set.lesions).toHaveLength(4);
    const a = new Assignment(set);
    a.assignLesion(1, 'LM');
    a.assignLesion(2, 'RCA');
    a.assignLesion(3, 'OTHER');
    const r = scoreResult(set, a);
    expect(r.arteries.LM.agatston).toBeCloseTo(4, 10);
    expect(r.arteries.RCA.agatston).toBeCloseTo(2, 10);
    expect(r.arteries.LAD.agatston).toBe(0);
    expect(r.total.agatston).toBeCloseTo(6, 10);
    expect(r.total.lesionCount).toBe(2);
    expect(r.lesions.map((l) => l.artery)).toEqual(['LM', 'RCA', 'OTHER', 'UNASSIGNED']);
    expect(r.risk.cacDrs).toBe('CAC-DRS A1/N2');
  });

  it('lesion centroids are in patient millimetres', () => {
    const v = makeVolume();
    v.imagePositionsMm = v.imagePositionsMm.map(([x, y, z]) => [x - 100, y + 50, z - 200]);
    fillBox(v, [4, 5], [6, 7], [2, 2], 300); // centre i 4.5, j 6.5, slice 2
    const { result } = scoreAllLad(v);
    const [x, y, z] = result.lesions[0].centroidMm;
    expect(x).toBeCloseTo(-100 + 4.5 * 0.5, 10);
    expect(y).toBeCloseTo(50 + 6.5 * 0.5, 10);
    expect(z).toBeCloseTo(-200 + 6, 10);
  });

  it('settings that cannot be used are refused with a one-line message', () => {
    expect(() => resolveSettings({ connectivity2d: 6 as 4 })).toThrow(/connectivity must be 4 or 8/);
    expect(() => resolveSettings({ massFactor: -1 })).toThrow(/positive/);
  });
});
