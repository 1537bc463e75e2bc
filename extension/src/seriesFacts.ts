// Acquisition facts of a CT series, read from OHIF's naturalised instance metadata
// (dcmjs keywords). The header rules (gating, contrast, reconstruction, ...) are the core's
// (core/dicom/facts.ts), shared with the file reader; this module only adds the geometry
// OHIF's metadata needs. Pure: no OHIF or cornerstone import, so it is unit-testable.
import { seriesFacts } from '../../core/dicom/facts';
import { nums } from '../../core/dicom/dataset';
import type { SeriesFacts, Vec3 } from '../../core/types';
import { cross, median } from '../../core/math';
import type { NaturalInstance } from './ohif';

/** The median, or null for an empty list. */
const medianOrNull = (xs: number[]): number | null => (xs.length ? median(xs) : null);

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
  const inc = medianOrNull(gaps);
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
