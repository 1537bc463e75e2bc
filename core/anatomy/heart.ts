/**
 * Heart of the anatomy finder (steps 5 and 6 of the recipe in core/anatomy/index.ts), on the
 * coarse grid: the heart mask (soft tissue between the lungs, in front of the spine, below the
 * aortic root, opened by 8 mm, the 3D component next to the root, fenced against the liver),
 * its centroid, the apex (the mask's extreme along the textbook long axis) and the heart frame
 * built on the root and the apex. Pure.
 */
import type { Vec3 } from '../types';
import { add, cross, dot, median, normalizeOrZero, scale, sub } from '../math';
import { components3d, gridIndex, type AnatomyGrid, type Edt2d } from './grid';
import { LABEL_BODY, LABEL_HEART, LABEL_LUNG, LABEL_OUTSIDE } from './common';

/** Textbook long axis of the heart in LPS (towards the patient's left, front and feet). */
export const PRIOR_LONG_AXIS: Vec3 = normalizeOrZero([0.55, -0.45, -0.7]);
/** Directions (LPS, axial plane) from the root centre to the left and right coronary ostia. */
export const LEFT_OSTIUM_DIRECTION: Vec3 = normalizeOrZero([0.85, -0.4, 0]);
export const RIGHT_OSTIUM_DIRECTION: Vec3 = normalizeOrZero([-0.55, -0.83, 0]);

export interface HeartFrame {
  /** The aortic root (patient mm). */
  origin: Vec3;
  /** Unit vector root -> apex. */
  long: Vec3;
  /** Unit vector towards the patient's front, orthogonal to `long`. */
  anterior: Vec3;
  /** long x anterior (points roughly to the patient's right). */
  third: Vec3;
  /** Radius of a sphere with the heart mask's volume (mm). */
  heartRadiusMm: number;
}

/** The heart frame: origin at the root, long axis to the apex, anterior axis orthogonal to it, and the heart's radius. */
export function heartFrame(root: Vec3, apex: Vec3, heartVolumeMl: number): HeartFrame {
  const long = normalizeOrZero(sub(apex, root));
  const ant0: Vec3 = [0, -1, 0];
  const anterior = normalizeOrZero(sub(ant0, scale(long, dot(ant0, long))));
  const third = cross(long, anterior);
  const heartRadiusMm = Math.cbrt((3 * heartVolumeMl * 1000) / (4 * Math.PI));
  return { origin: root, long, anterior, third, heartRadiusMm };
}

/**
 * Heart mask: soft tissue (-40..300 HU) between the lungs row by row, in front of the spine,
 * not aorta or bone, from 20 mm above the root down; opened by 8 mm per slice; the 3D
 * component nearest the point 40 mm from the root along the prior axis; fenced to 85 mm
 * around its centroid. Labels the voxels LABEL_HEART and returns their count.
 */
export function findHeart(g: AnatomyGrid, labels: Uint8Array, boneKind: Uint8Array, spineXY: Float32Array, root: Vec3, edt: Edt2d): number {
  const { nx, ny, nz, mean } = g;
  const n2 = nx * ny;
  const n3 = n2 * nz;
  const cand = new Uint8Array(n3);
  const notCand = new Uint8Array(n2);
  const eroded = new Uint8Array(n2);
  const openR = 8;
  for (let c = 0; c < nz; c++) {
    if (g.z[c] > root[2] + 20 || g.z[c] < root[2] - 200) continue;
    const off = c * n2;
    const spineY = spineXY[2 * c + 1];
    for (let b = 0; b < ny; b++) {
      const row = off + b * nx;
      // Lateral bounds on this row: lung on the patient's left and right, or the body cut by the image border.
      let firstLung = -1;
      let lastLung = -1;
      for (let a = 0; a < nx; a++)
        if (labels[row + a] === LABEL_LUNG) {
          if (firstLung < 0) firstLung = a;
          lastLung = a;
        }
      const edgeLo = labels[row] !== LABEL_OUTSIDE;
      const edgeHi = labels[row + nx - 1] !== LABEL_OUTSIDE;
      const lo = firstLung >= 0 ? firstLung : edgeLo ? 0 : -1;
      const hi = lastLung >= 0 ? lastLung : edgeHi ? nx - 1 : -1;
      if (lo < 0 || hi < 0) continue;
      const y = g.y0 + b * g.dy;
      if (Number.isFinite(spineY) && y > spineY - 10) continue;
      for (let a = lo + 1; a < hi; a++) {
        const p = row + a;
        const h = mean[p];
        if (labels[p] === LABEL_BODY && h >= -40 && h < 300) cand[p] = 1;
      }
    }
    // Opening by openR mm: erode (distance to non-candidate > r), then dilate (distance to eroded <= r).
    for (let p = 0; p < n2; p++) notCand[p] = cand[off + p] ? 0 : 1;
    const d1 = edt.run(notCand);
    let any = false;
    for (let p = 0; p < n2; p++) {
      eroded[p] = d1[p] > openR * openR ? 1 : 0;
      if (eroded[p]) any = true;
    }
    if (!any) {
      cand.fill(0, off, off + n2);
      continue;
    }
    const d2 = edt.run(eroded);
    for (let p = 0; p < n2; p++) if (cand[off + p] && d2[p] > openR * openR) cand[off + p] = 0;
  }
  void boneKind;
  const { labels: cl, sizes } = components3d(cand, nx, ny, nz);
  if (sizes.length <= 1) return 0;
  // Component nearest the expected heart centre (40 mm from the root along the prior axis), weighted by size.
  const target = add(root, scale(PRIOR_LONG_AXIS, 40));
  const near = new Float64Array(sizes.length).fill(Infinity);
  for (let c = 0; c < nz; c++)
    for (let b = 0; b < ny; b++)
      for (let a = 0; a < nx; a++) {
        const p = gridIndex(g, a, b, c);
        const l = cl[p];
        if (!l) continue;
        const ex = g.x0 + a * g.dx - target[0];
        const ey = g.y0 + b * g.dy - target[1];
        const ez = g.z[c] - target[2];
        const d = Math.sqrt(ex * ex + ey * ey + ez * ez);
        if (d < near[l]) near[l] = d;
      }
  let best = 0;
  let bestScore = -Infinity;
  for (let l = 1; l < sizes.length; l++) {
    if (near[l] > 60) continue;
    // Size, discounted with distance from the expected centre (the liver is large but farther).
    const score = sizes[l] * Math.exp(-near[l] / 20);
    if (score > bestScore) {
      bestScore = score;
      best = l;
    }
  }
  if (best === 0) return 0;
  // Fence: 85 mm around the centroid of the component's part within 90 mm of the target.
  let sx = 0;
  let sy = 0;
  let sz = 0;
  let n = 0;
  for (let c = 0; c < nz; c++)
    for (let b = 0; b < ny; b++)
      for (let a = 0; a < nx; a++) {
        const p = gridIndex(g, a, b, c);
        if (cl[p] !== best) continue;
        const x = g.x0 + a * g.dx;
        const y = g.y0 + b * g.dy;
        const z = g.z[c];
        if ((x - target[0]) ** 2 + (y - target[1]) ** 2 + (z - target[2]) ** 2 > 90 * 90) continue;
        sx += x;
        sy += y;
        sz += z;
        n++;
      }
  if (n === 0) return 0;
  const centre: Vec3 = [sx / n, sy / n, sz / n];
  const keep = cand; // reused: 1 = heart so far
  keep.fill(0);
  const upperHu: number[] = [];
  for (let c = 0; c < nz; c++)
    for (let b = 0; b < ny; b++)
      for (let a = 0; a < nx; a++) {
        const p = gridIndex(g, a, b, c);
        if (cl[p] !== best) continue;
        const x = g.x0 + a * g.dx;
        const y = g.y0 + b * g.dy;
        if ((x - centre[0]) ** 2 + (y - centre[1]) ** 2 + (g.z[c] - centre[2]) ** 2 > 85 * 85) continue;
        keep[p] = 1;
        if (g.z[c] >= centre[2]) upperHu.push(mean[p]);
      }
  // Liver fence: below the centre, drop voxels whose 3 x 3 in-plane mean is well above the
  // heart's own median HU (unenhanced liver ~55-70 HU, blood and myocardium ~30-45 HU), then
  // keep the largest 3D component.
  if (upperHu.length > 0) {
    const ref = median(upperHu);
    for (let c = 0; c < nz; c++) {
      if (g.z[c] >= centre[2]) continue;
      const off = c * n2;
      for (let b = 1; b < ny - 1; b++)
        for (let a = 1; a < nx - 1; a++) {
          const p = off + b * nx + a;
          if (!keep[p]) continue;
          let s = 0;
          for (let db = -1; db <= 1; db++) for (let da = -1; da <= 1; da++) s += mean[p + db * nx + da];
          if (s / 9 > ref + 15) keep[p] = 2;
        }
    }
    for (let p = 0; p < n3; p++) if (keep[p] === 2) keep[p] = 0;
  }
  const { labels: cl2, sizes: sizes2 } = components3d(keep, nx, ny, nz);
  let big = 0;
  for (let l = 1; l < sizes2.length; l++) if (sizes2[l] > (sizes2[big] ?? 0)) big = l;
  if (big === 0) return 0;
  let count = 0;
  for (let p = 0; p < n3; p++)
    if (cl2[p] === big) {
      labels[p] = LABEL_HEART;
      count++;
    }
  return count;
}

export function maskCentroid(g: AnatomyGrid, labels: Uint8Array, label: number): Vec3 | null {
  let sx = 0;
  let sy = 0;
  let sz = 0;
  let n = 0;
  for (let c = 0; c < g.nz; c++)
    for (let b = 0; b < g.ny; b++)
      for (let a = 0; a < g.nx; a++) {
        if (labels[gridIndex(g, a, b, c)] !== label) continue;
        sx += g.x0 + a * g.dx;
        sy += g.y0 + b * g.dy;
        sz += g.z[c];
        n++;
      }
  return n > 0 ? [sx / n, sy / n, sz / n] : null;
}

/**
 * Apex: mean of the 20 heart voxels that reach farthest from the root along the prior long axis,
 * within 50 degrees of it and not behind the heart's centroid (the apex is anterior; what is
 * left of the oesophagus or inferior vena cava under the heart is posterior).
 */
export function findApex(g: AnatomyGrid, labels: Uint8Array, root: Vec3, centre: Vec3): Vec3 | null {
  const cosMax = Math.cos((50 * Math.PI) / 180);
  const [ux, uy, uz] = PRIOR_LONG_AXIS;
  // Distances of the candidates, then the 20 largest.
  let n = 0;
  let dist = new Float64Array(4096);
  let where = new Int32Array(4096);
  for (let c = 0; c < g.nz; c++) {
    const vz = g.z[c] - root[2];
    for (let b = 0; b < g.ny; b++) {
      const y = g.y0 + b * g.dy;
      if (y > centre[1]) continue;
      const vy = y - root[1];
      const row = (c * g.ny + b) * g.nx;
      for (let a = 0; a < g.nx; a++) {
        if (labels[row + a] !== LABEL_HEART) continue;
        const vx = g.x0 + a * g.dx - root[0];
        const r = Math.sqrt(vx * vx + vy * vy + vz * vz);
        if (r < 1e-6 || (vx * ux + vy * uy + vz * uz) / r < cosMax) continue;
        // How far the voxel reaches along the textbook axis: the apex is the heart's extreme
        // towards the left, front and feet. (The farthest voxel from the root in any direction of
        // the cone went to what the heart mask takes in under the diaphragm.)
        const d = vx * ux + vy * uy + vz * uz;
        if (n === dist.length) {
          const d2 = new Float64Array(n * 2);
          d2.set(dist);
          dist = d2;
          const w2 = new Int32Array(n * 2);
          w2.set(where);
          where = w2;
        }
        dist[n] = d;
        where[n] = row + a;
        n++;
      }
    }
  }
  if (n === 0) return null;
  const sorted = dist.slice(0, n).sort();
  const cut = sorted[Math.max(0, n - 20)];
  let sx = 0;
  let sy = 0;
  let sz = 0;
  let m = 0;
  for (let q = 0; q < n && m < 20; q++) {
    if (dist[q] < cut) continue;
    const p = where[q];
    const c = Math.floor(p / (g.nx * g.ny));
    const r = p - c * g.nx * g.ny;
    const b = Math.floor(r / g.nx);
    const a = r - b * g.nx;
    sx += g.x0 + a * g.dx;
    sy += g.y0 + b * g.dy;
    sz += g.z[c];
    m++;
  }
  return [sx / m, sy / m, sz / m];
}
