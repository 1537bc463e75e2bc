/**
 * Body, lungs and airway of the anatomy finder (steps 1, 2 and 3b of the recipe in
 * core/anatomy/index.ts), on the coarse grid: the body per slice (outside air flooded from the
 * image border, the largest tissue component, and what it encloses along x and y) and its
 * bounding box; the lungs as air components of at least 20 ml inside the body, with the
 * mid-sagittal line between them; the carina, by following the trachea down from the top
 * slices until it splits into the main bronchi. Pure.
 */
import type { Vec3 } from '../types';
import { median } from '../math';
import { components2d, components3d, gridIndex, type AnatomyGrid } from './grid';
import { LABEL_BODY, LABEL_LUNG, LABEL_OUTSIDE } from './common';

/** Inclusive block bounds [a0, a1, b0, b1] of the body over all slices, grown by one voxel; null when there is no body. */
export function bodyBox(g: AnatomyGrid, labels: Uint8Array): [number, number, number, number] | null {
  let a0 = g.nx;
  let a1 = -1;
  let b0 = g.ny;
  let b1 = -1;
  for (let c = 0; c < g.nz; c++)
    for (let b = 0; b < g.ny; b++) {
      const row = (c * g.ny + b) * g.nx;
      for (let a = 0; a < g.nx; a++) {
        if (labels[row + a] === LABEL_OUTSIDE) continue;
        if (a < a0) a0 = a;
        if (a > a1) a1 = a;
        if (b < b0) b0 = b;
        if (b > b1) b1 = b;
      }
    }
  if (a1 < 0) return null;
  return [Math.max(0, a0 - 1), Math.min(g.nx - 1, a1 + 1), Math.max(0, b0 - 1), Math.min(g.ny - 1, b1 + 1)];
}

/**
 * Body mask, per slice. Outside air: voxels below -930 HU connected to the image border through
 * such voxels, seeded where the border is below -950 HU (lungs touching the border of a gated
 * field of view are -700..-900 HU, so they are not flooded). The body's tissue: the largest 2D
 * component of voxels >= -500 HU. Air and low-density voxels count as inside when a ray along
 * each of +-x and +-y meets the body's tissue (or the image border while still not outside
 * air, where the body is cut by the field of view) before outside air: lungs are enclosed,
 * the table's foam, blankets and air gaps beside the body are not.
 */
export function markBody(g: AnatomyGrid, labels: Uint8Array): void {
  const { nx, ny, nz, mean } = g;
  const n2 = nx * ny;
  const queue = new Int32Array(n2);
  const outside = new Uint8Array(n2);
  const dense = new Uint8Array(n2);
  const lab = new Int32Array(n2);
  const ok = new Uint8Array(n2);
  for (let c = 0; c < nz; c++) {
    const off = c * n2;
    outside.fill(0);
    let tail = 0;
    for (let e = 0; e < 2 * (nx + ny); e++) {
      const p = e < nx ? e : e < 2 * nx ? (ny - 1) * nx + (e - nx) : e < 2 * nx + ny ? (e - 2 * nx) * nx : (e - 2 * nx - ny) * nx + nx - 1;
      if (!outside[p] && mean[off + p] < -950) {
        outside[p] = 1;
        queue[tail++] = p;
      }
    }
    let head = 0;
    while (head < tail) {
      const p = queue[head++];
      const b = (p / nx) | 0;
      const a = p - b * nx;
      let q = p - 1;
      if (a > 0 && !outside[q] && mean[off + q] < -930) { outside[q] = 1; queue[tail++] = q; }
      q = p + 1;
      if (a < nx - 1 && !outside[q] && mean[off + q] < -930) { outside[q] = 1; queue[tail++] = q; }
      q = p - nx;
      if (b > 0 && !outside[q] && mean[off + q] < -930) { outside[q] = 1; queue[tail++] = q; }
      q = p + nx;
      if (b < ny - 1 && !outside[q] && mean[off + q] < -930) { outside[q] = 1; queue[tail++] = q; }
    }
    for (let p = 0; p < n2; p++) dense[p] = !outside[p] && mean[off + p] >= -500 ? 1 : 0;
    const sizes = components2d(dense, 0, nx, ny, lab, queue);
    let best = 0;
    for (let l = 1; l < sizes.length; l++) if (sizes[l] > sizes[best]) best = l;
    if (best === 0) continue;
    // Ray sweeps: ok[p] counts the directions whose ray from p meets the body (or a cut border) first.
    ok.fill(0);
    for (let b = 0; b < ny; b++) {
      const row = b * nx;
      let state = 1;
      for (let a = 0; a < nx; a++) {
        const p = row + a;
        if (lab[p] === best) state = 1;
        else if (outside[p]) state = 0;
        else ok[p] += state;
      }
      state = 1;
      for (let a = nx - 1; a >= 0; a--) {
        const p = row + a;
        if (lab[p] === best) state = 1;
        else if (outside[p]) state = 0;
        else ok[p] += state;
      }
    }
    for (let a = 0; a < nx; a++) {
      let state = 1;
      for (let b = 0; b < ny; b++) {
        const p = b * nx + a;
        if (lab[p] === best) state = 1;
        else if (outside[p]) state = 0;
        else ok[p] += state;
      }
      state = 1;
      for (let b = ny - 1; b >= 0; b--) {
        const p = b * nx + a;
        if (lab[p] === best) state = 1;
        else if (outside[p]) state = 0;
        else ok[p] += state;
      }
    }
    for (let p = 0; p < n2; p++) labels[off + p] = lab[p] === best || ok[p] === 4 ? LABEL_BODY : LABEL_OUTSIDE;
  }
}

/**
 * The lungs: air (< -400 HU) inside the body, in 3D components of at least 20 ml, labelled
 * LABEL_LUNG. Returns their volume, the y of their centroid and the mid-sagittal x (NaN without
 * lung). ccLabels and ccQueue are the caller's reused 3D component buffers.
 */
export function findLungs(
  grid: AnatomyGrid,
  labels: Uint8Array,
  voxelMl: number,
  ccLabels: Int32Array,
  ccQueue: Int32Array,
): { lungVolumeMl: number; lungCentreY: number; midlineX: number } {
  const { nx, ny, nz, mean } = grid;
  const n3 = nx * ny * nz;
  const lungCand = new Uint8Array(n3);
  for (let p = 0; p < n3; p++) lungCand[p] = labels[p] === LABEL_BODY && mean[p] < -400 ? 1 : 0;
  {
    const { labels: cl, sizes } = components3d(lungCand, nx, ny, nz, ccLabels, ccQueue);
    const minVox = 20 / voxelMl;
    for (let p = 0; p < n3; p++) if (cl[p] && sizes[cl[p]] >= minVox) labels[p] = LABEL_LUNG;
  }
  let lungVox = 0;
  let lungSumX = 0;
  let lungSumY = 0;
  for (let c = 0; c < nz; c++)
    for (let b = 0; b < ny; b++)
      for (let a = 0; a < nx; a++) {
        if (labels[gridIndex(grid, a, b, c)] !== LABEL_LUNG) continue;
        lungVox++;
        lungSumX += grid.x0 + a * grid.dx;
        lungSumY += grid.y0 + b * grid.dy;
      }
  const lungVolumeMl = lungVox * voxelMl;
  const lungCentreY = lungVox > 0 ? lungSumY / lungVox : NaN;
  // Mid-sagittal x: halfway between the left and right lungs' centroids (each side of the lungs' mean x).
  const lungMeanX = lungVox > 0 ? lungSumX / lungVox : NaN;
  let midlineX = lungMeanX;
  {
    let sl = 0;
    let nl = 0;
    let sr = 0;
    let nr = 0;
    for (let p = 0; p < n3; p++) {
      if (labels[p] !== LABEL_LUNG) continue;
      const a = p % nx;
      const x = grid.x0 + a * grid.dx;
      if (x > lungMeanX) {
        sl += x;
        nl++;
      } else {
        sr += x;
        nr++;
      }
    }
    if (nl > 0 && nr > 0) midlineX = (sl / nl + sr / nr) / 2;
  }
  return { lungVolumeMl, lungCentreY, midlineX };
}

/**
 * The carina: the trachea is an air tube (block mean < -930 HU, inside the body) of 1-8 cm^2
 * within 30 mm of the midline and in front of the spine on the top slices (the largest such: an air-filled oesophagus is smaller); it is followed
 * down (the component whose centroid lies within 12 mm of the last) until it splits into a
 * left and a right main bronchus (two components of 0.3-6 cm^2 on either side of it, not
 * behind it: an air-filled oesophagus lies behind the trachea).
 * The carina is the last single section's centroid. Null when the trachea is not in the field
 * of view (gated scans) or is lost before it splits.
 */
export function findCarina(g: AnatomyGrid, labels: Uint8Array, spineXY: Float32Array, midlineX: number): Vec3 | null {
  const { nx, ny, nz, mean } = g;
  const n2 = nx * ny;
  const spineX = median(Array.from({ length: nz }, (_, c) => spineXY[2 * c]).filter(Number.isFinite));
  const spineYMedian = median(Array.from({ length: nz }, (_, c) => spineXY[2 * c + 1]).filter(Number.isFinite));
  const mid = Number.isFinite(spineX) ? spineX : midlineX;
  if (!Number.isFinite(mid)) return null;
  const up = nz > 1 && g.z[nz - 1] > g.z[0];
  const air = new Uint8Array(n2);
  const lab = new Int32Array(n2);
  const queue = new Int32Array(n2);
  const pixelCm2 = Math.abs(g.dx * g.dy) / 100;
  let prev: { x: number; y: number } | null = null;
  let last: Vec3 | null = null;
  for (let q = 0; q < nz; q++) {
    const c = up ? nz - 1 - q : q;
    const off = c * n2;
    for (let p = 0; p < n2; p++) air[p] = labels[off + p] !== LABEL_OUTSIDE && mean[off + p] < -930 ? 1 : 0;
    const sizes = components2d(air, 0, nx, ny, lab, queue);
    const sx = new Float64Array(sizes.length);
    const sy = new Float64Array(sizes.length);
    for (let p = 0; p < n2; p++) {
      const l = lab[p];
      if (!l) continue;
      const b = (p / nx) | 0;
      sx[l] += g.x0 + (p - b * nx) * g.dx;
      sy[l] += g.y0 + b * g.dy;
    }
    const parts: { x: number; y: number; area: number }[] = [];
    for (let l = 1; l < sizes.length; l++) parts.push({ x: sx[l] / sizes[l], y: sy[l] / sizes[l], area: sizes[l] * pixelCm2 });
    const spineY = Number.isFinite(spineXY[2 * c + 1]) ? spineXY[2 * c + 1] : spineYMedian;
    if (!prev) {
      // Not yet found: the topmost slice with a tracheal section.
      // The largest such section: an air-filled oesophagus lies behind the trachea and is smaller.
      const t = parts
        .filter((d) => d.area >= 1 && d.area <= 8 && Math.abs(d.x - mid) < 30 && (!Number.isFinite(spineY) || d.y < spineY - 10))
        .sort((x, y) => y.area - x.area)[0];
      if (t) {
        prev = t;
        last = [t.x, t.y, g.z[c]];
      }
      if (q > nz / 2 && !prev) return null;
      continue;
    }
    const p0: { x: number; y: number } = prev;
    // Sections near the last one, not behind it (the oesophagus).
    const near = parts.filter((d) => d.area >= 0.3 && d.area <= 6 && Math.hypot(d.x - p0.x, d.y - p0.y) < 30 && d.y < p0.y + 10);
    const single = parts.filter((d) => d.area >= 0.3 && d.area <= 10 && Math.hypot(d.x - p0.x, d.y - p0.y) < 12);
    const left = near.filter((d) => d.x > p0.x + 4);
    const right = near.filter((d) => d.x < p0.x - 4);
    const split = left.some((l) => right.some((r) => Math.abs(l.y - r.y) < 20));
    if (split) return last;
    if (single.length === 1) {
      prev = single[0];
      last = [single[0].x, single[0].y, g.z[c]];
      continue;
    }
    return null;
  }
  return null;
}
