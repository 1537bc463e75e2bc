// Acquisition facts of a CT series, read from OHIF's naturalised instance metadata
// (dcmjs keywords). The header rules (gating, contrast, reconstruction, ...) are the core's
// (core/dicom/facts.ts), shared with the file reader; this module only adds the geometry
// OHIF's metadata needs. Pure: no OHIF or cornerstone import, so it is unit-testable.
import { seriesFacts } from '../../core/dicom/facts';
import { nums } from '../../core/dicom/dataset';
import type { SeriesFacts } from '../../core/types';
import type { NaturalInstance } from './ohif';

type Vec3 = [number, number, number];

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** SeriesFacts from the instances of one series (any order). Throws on an empty list. */
export function seriesFactsFromInstances(instances: NaturalInstance[]): SeriesFacts {
  if (!instances.length) throw new Error('The series has no instances.');
  const ref = instances[0];
  const iop = nums(ref, 'ImageOrientationPatient', 6);
  const normal: Vec3 | null = iop ? cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]) : null;
  const positions: number[] = [];
  for (const inst of instances) {
    const ipp = nums(inst, 'ImagePositionPatient', 3);
    if (ipp && normal) positions.push(ipp[0] * normal[0] + ipp[1] * normal[1] + ipp[2] * normal[2]);
  }
  positions.sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let k = 1; k < positions.length; k++) {
    const d = positions[k] - positions[k - 1];
    if (d > 1e-4) gaps.push(d);
  }
  const inc = median(gaps);
  const spacing = nums(ref, 'PixelSpacing', 2);
  return seriesFacts(instances, {
    rows: Number(ref.Rows) || 0,
    columns: Number(ref.Columns) || 0,
    sliceCount: instances.length,
    increment: inc === null ? null : Math.round(inc * 1000) / 1000,
    spacing: spacing ? [spacing[0], spacing[1]] : null,
    lengthMm: positions.length > 1 ? positions[positions.length - 1] - positions[0] : 0,
  });
}

/** "3 mm", "0.625 mm": at most three decimals, no trailing zeros. */
export function mm(x: number | null): string {
  return x === null ? 'not stated' : `${Number(x.toFixed(3))} mm`;
}
