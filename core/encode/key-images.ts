/**
 * Key images of the largest lesions for the summary page: the CT slice around the lesion in a
 * calcium window (-200..600 HU), with the lesion's voxels tinted in its artery's colour.
 */
import { ARTERIES, type Artery, type CtVolume, type LesionMeasure, type ScoringResult } from '../types';
import type { LesionSetLike } from './arteries';
import { ARTERY_RGB } from './seg';
import { viewerImageNumber } from '../slices';

export const KEY_IMAGE_WINDOW_HU: readonly [number, number] = [-200, 600];

export interface KeyImage {
  lesion: LesionMeasure;
  slice: number;
  width: number;
  height: number;
  /** RGB, row-major. */
  rgb: Uint8Array;
  caption: string;
}

/**
 * Up to `count` key images, largest Agatston first, of lesions assigned to an artery.
 * `fieldMm` is the side of the square field of view around the lesion.
 */
export function keyImages(
  volume: CtVolume,
  set: LesionSetLike,
  result: ScoringResult,
  opts: { count?: number; fieldMm?: number; outputPx?: number } = {},
): KeyImage[] {
  const count = opts.count ?? 3;
  const fieldMm = opts.fieldMm ?? 60;
  const outPx = opts.outputPx ?? 240;
  const scored = result.lesions
    .filter((l) => (ARTERIES as readonly string[]).includes(l.artery) && l.agatston > 0)
    .sort((a, b) => b.agatston - a.agatston)
    .slice(0, count);
  const sliceSize = volume.rows * volume.columns;
  return scored.map((lesion) => {
    // The slice where the lesion is largest.
    let best = lesion.componentIds[0];
    for (const id of lesion.componentIds) if (set.components[id - 1].pixelCount > set.components[best - 1].pixelCount) best = id;
    const comp = set.components[best - 1];
    const k = comp.slice;
    const onSlice = lesion.componentIds.filter((id) => set.components[id - 1].slice === k);
    const mask = new Set<number>();
    let si = 0;
    let sj = 0;
    for (const id of onSlice) {
      for (const v of set.componentVoxels[id - 1]) {
        const p = v - k * sliceSize;
        mask.add(p);
        si += p % volume.columns;
        sj += Math.floor(p / volume.columns);
      }
    }
    const ci = si / mask.size;
    const cj = sj / mask.size;
    const halfI = Math.min(volume.columns / 2, fieldMm / volume.columnSpacingMm / 2);
    const halfJ = Math.min(volume.rows / 2, fieldMm / volume.rowSpacingMm / 2);
    const i0 = Math.max(0, Math.min(volume.columns - 2 * halfI, ci - halfI));
    const j0 = Math.max(0, Math.min(volume.rows - 2 * halfJ, cj - halfJ));
    const rgb = new Uint8Array(outPx * outPx * 3);
    const [lo, hi] = KEY_IMAGE_WINDOW_HU;
    const colour = ARTERY_RGB[lesion.artery as Artery];
    for (let y = 0; y < outPx; y++) {
      const j = Math.min(volume.rows - 1, Math.floor(j0 + ((y + 0.5) * 2 * halfJ) / outPx));
      for (let x = 0; x < outPx; x++) {
        const i = Math.min(volume.columns - 1, Math.floor(i0 + ((x + 0.5) * 2 * halfI) / outPx));
        const p = j * volume.columns + i;
        const hu = volume.hu[k * sliceSize + p];
        const g = Math.round((255 * (Math.min(hi, Math.max(lo, hu)) - lo)) / (hi - lo));
        const o = (y * outPx + x) * 3;
        if (mask.has(p)) {
          rgb[o] = Math.round(0.45 * g + 0.55 * colour[0]);
          rgb[o + 1] = Math.round(0.45 * g + 0.55 * colour[1]);
          rgb[o + 2] = Math.round(0.45 * g + 0.55 * colour[2]);
        } else {
          rgb[o] = rgb[o + 1] = rgb[o + 2] = g;
        }
      }
    }
    // The image number the reader finds in OHIF (core/slices.ts), not the slice index.
    const caption = `${lesion.artery}: Agatston ${lesion.agatston.toFixed(1)}, ${lesion.volumeMm3.toFixed(1)} mm3, peak ${Math.round(lesion.peakHU)} HU, image ${viewerImageNumber(volume, k)} of ${volume.slices}`;
    return { lesion, slice: k, width: outPx, height: outPx, rgb, caption };
  });
}
