/**
 * Slice numbers as the reader sees them in OHIF. The core indexes slices k = 0..n-1 in
 * ascending position along the slice normal (rowCosines x columnCosines; for an axial series
 * that is feet first). OHIF 3.13 orders a reconstructable series by the same distance along the
 * same normal, but descending (platform/core utils/sortStudy sortImagesByPatientPosition: head
 * first for an axial series), and numbers the images 1..n in that order. So OHIF's image
 * number is n - k. Every place that names a slice to a reader (panel, PDF, SR) uses this.
 */
import type { VolumeGeometry } from './types';

/** OHIF's 1-based image number of core slice k. */
export function viewerImageNumber(g: Pick<VolumeGeometry, 'slices'>, k: number): number {
  if (!Number.isInteger(k) || k < 0 || k >= g.slices) throw new RangeError(`Slice index ${k} is outside 0..${g.slices - 1}.`);
  return g.slices - k;
}

/** Core slice index of OHIF image number n (1-based). */
export function sliceOfViewerImage(g: Pick<VolumeGeometry, 'slices'>, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > g.slices) throw new RangeError(`Image ${n} is outside 1..${g.slices}.`);
  return g.slices - n;
}

/** "image 29" or "images 28-30" (ascending, as OHIF counts) for core slices k0..k1. */
export function viewerImageRange(g: Pick<VolumeGeometry, 'slices'>, [k0, k1]: readonly [number, number]): string {
  const a = viewerImageNumber(g, k0);
  const b = viewerImageNumber(g, k1);
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return lo === hi ? `image ${lo}` : `images ${lo}-${hi}`;
}
