/**
 * Oblique and shifted geometry: lesion positions, clicks and volumes are in patient millimetres
 * whatever the image orientation (here sagittal-like slices: columns along -y, rows along -z,
 * slices stacked along +x, 0.6 mm pixels, 2 mm increment).
 */
import { describe, expect, it } from 'vitest';
import { detectLesions } from '../../core/scoring/detect';
import { Assignment } from '../../core/scoring/assign';
import { scoreResult } from '../../core/scoring/score';
import { checkVolume } from '../../core/checks';
import { fillBox, makeVolume } from './helpers/volume';
import type { Vec3 } from '../../core/types';
import { voxelToPatient } from '../../core/dicom/geometry';

function sagittal() {
  const v = makeVolume({ columns: 30, rows: 30, slices: 5, pixelMm: 0.6, incrementMm: 2 });
  v.rowCosines = [0, -1, 0];
  v.columnCosines = [0, 0, -1];
  v.normal = [1, 0, 0]; // (0,-1,0) x (0,0,-1)
  v.imagePositionsMm = Array.from({ length: 5 }, (_, k) => [10 + 2 * k, 40, 60] as Vec3);
  fillBox(v, [10, 12], [10, 12], [1, 3], 420); // 9 pixels x 0.36 mm^2 on 3 slices
  return v;
}

describe('non-axial slices', () => {
  it('the geometry is consistent and passes the checks', () => {
    expect(checkVolume(sagittal()).errors).toEqual([]);
  });

  it('scores, volumes and centroids use the real spacing and orientation', () => {
    const v = sagittal();
    const set = detectLesions(v);
    const a = new Assignment(set);
    a.assignLesion(1, 'RCA');
    const r = scoreResult(set, a);
    // per slice 9 x 0.36 = 3.24 mm^2, weight 4, normalised x 2/3: 8.64 per slice, 25.92 for three
    expect(r.total.agatston).toBeCloseTo(25.92, 10);
    expect(r.total.volumeMm3).toBeCloseTo(27 * 0.36 * 2, 10);
    const [x, y, z] = r.lesions[0].centroidMm;
    expect(x).toBeCloseTo(10 + 2 * 2, 10); // slice 2
    expect(y).toBeCloseTo(40 - 11 * 0.6, 10); // column 11 along -y
    expect(z).toBeCloseTo(60 - 11 * 0.6, 10); // row 11 along -z
  });

  it('a click on a lesion voxel, or 1.5 mm beside it along the slice normal, hits the lesion; 2.5 mm does not', () => {
    const v = sagittal();
    const set = detectLesions(v);
    const a = new Assignment(set);
    const p = voxelToPatient(v, 12, 12, 3); // last slice of the lesion, corner voxel
    expect(a.lesionAt(p)).toBe(1);
    expect(a.lesionAt([p[0] + 1.5, p[1], p[2]])).toBe(1);
    expect(a.lesionAt([p[0] + 2.5, p[1], p[2]])).toBeNull();
    expect(a.lesionAt([p[0], p[1] - 2.5, p[2]])).toBeNull(); // 2.5 mm further along the row direction
  });

  it('a cloned assignment is independent of the original', () => {
    const set = detectLesions(sagittal());
    const a = new Assignment(set);
    a.assignLesion(1, 'LAD');
    const b = a.clone();
    b.assignLesion(1, 'LCX');
    expect(a.labelOfComponent(1)).toBe('LAD');
    expect(b.labelOfComponent(1)).toBe('LCX');
  });
});

describe('progress', () => {
  it('detection reports progress up to the last slice', () => {
    const v = makeVolume({ slices: 40 });
    const seen: number[] = [];
    detectLesions(v, {}, { onProgress: (done, total) => seen.push(done / total) });
    expect(seen).toEqual([16 / 40, 32 / 40, 1]);
  });
});
