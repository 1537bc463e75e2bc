/**
 * Painting primitives for the phantom: every shape is drawn slice by slice over its own
 * bounding box (row spans solved analytically), never by visiting every voxel for every
 * structure, so a 512 x 512 x 64 phantom takes well under a few seconds.
 *
 * Voxel values are point samples at voxel centres (no partial-volume blur), which keeps the
 * HU of every structure exactly as specified.
 */
import type { Vec3 } from '../types';
import { dot } from './vec';

/** The volume being painted: an axial grid (rows along +y, columns along +x, slices along +z). */
export interface Grid {
  columns: number;
  rows: number;
  slices: number;
  /** Patient x of column 0 and y of row 0 (mm). */
  x0: number;
  y0: number;
  /** Column spacing along x and row spacing along y (mm). */
  dx: number;
  dy: number;
  /** Patient z of each slice, ascending. */
  z: Float64Array;
  hu: Int16Array;
  /** Optional truth class per voxel (PHANTOM_CLASSES index), written by paintProfileEllipsoid. */
  cls?: Uint8Array;
}

export function columnOf(g: Grid, x: number): number {
  return (x - g.x0) / g.dx;
}
export function rowOf(g: Grid, y: number): number {
  return (y - g.y0) / g.dy;
}

/** Set hu over columns [iStart, iEnd] of row j, slice k (clamped to the grid). */
function fillSpan(g: Grid, k: number, j: number, xLo: number, xHi: number, hu: number): void {
  if (j < 0 || j >= g.rows) return;
  const iStart = Math.max(0, Math.ceil(columnOf(g, xLo)));
  const iEnd = Math.min(g.columns - 1, Math.floor(columnOf(g, xHi)));
  if (iEnd < iStart) return;
  const base = (k * g.rows + j) * g.columns;
  g.hu.fill(hu, base + iStart, base + iEnd + 1);
}

/** Fill an axis-aligned ellipse in slice k: the body outline, lungs, spine (prisms along z). */
export function fillEllipse(g: Grid, k: number, cx: number, cy: number, ax: number, ay: number, hu: number): void {
  const jStart = Math.max(0, Math.ceil(rowOf(g, cy - ay)));
  const jEnd = Math.min(g.rows - 1, Math.floor(rowOf(g, cy + ay)));
  for (let j = jStart; j <= jEnd; j++) {
    const v = (g.y0 + j * g.dy - cy) / ay;
    const h = 1 - v * v;
    if (h < 0) continue;
    const half = ax * Math.sqrt(h);
    fillSpan(g, k, j, cx - half, cx + half, hu);
  }
}

/** An ellipsoid with arbitrary orientation: centre, orthonormal axes, radii. */
export interface Ellipsoid {
  centre: Vec3;
  axes: [Vec3, Vec3, Vec3];
  radii: Vec3;
}

interface Quadric {
  m: Float64Array; // symmetric 3x3, row-major
  centre: Vec3;
  /** Half extents along x, y, z. */
  extent: Vec3;
}

function quadricOf(e: Ellipsoid): Quadric {
  const m = new Float64Array(9);
  for (let a = 0; a < 3; a++) {
    const u = e.axes[a];
    const w = 1 / (e.radii[a] * e.radii[a]);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[r * 3 + c] += w * u[r] * u[c];
  }
  const extent: Vec3 = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    let s = 0;
    for (let a = 0; a < 3; a++) s += (e.radii[a] * e.axes[a][d]) ** 2;
    extent[d] = Math.sqrt(s);
  }
  return { m, centre: e.centre, extent };
}

/** Fill the part of an oriented ellipsoid that lies in slice k. */
export function fillEllipsoid(g: Grid, k: number, e: Ellipsoid, hu: number): void {
  const q = quadricOf(e);
  const dz = g.z[k] - q.centre[2];
  if (Math.abs(dz) > q.extent[2]) return;
  const m = q.m;
  const jStart = Math.max(0, Math.ceil(rowOf(g, q.centre[1] - q.extent[1])));
  const jEnd = Math.min(g.rows - 1, Math.floor(rowOf(g, q.centre[1] + q.extent[1])));
  for (let j = jStart; j <= jEnd; j++) {
    const dy = g.y0 + j * g.dy - q.centre[1];
    // Q(dx) = A dx^2 + 2 B dx + C <= 0 on this row.
    const A = m[0];
    const B = m[1] * dy + m[2] * dz;
    const C = m[4] * dy * dy + 2 * m[5] * dy * dz + m[8] * dz * dz - 1;
    const disc = B * B - A * C;
    if (disc < 0) continue;
    const r = Math.sqrt(disc);
    fillSpan(g, k, j, q.centre[0] + (-B - r) / A, q.centre[0] + (-B + r) / A, hu);
  }
}

/**
 * A dense object with a smooth profile: inside the ellipsoid the value is
 * background + (peak - background) * (1 - rho^2), rho the normalised ellipsoidal radius,
 * and a voxel keeps its old value where that is higher (so calcium adds to tissue, never
 * carves it). The centre should be a voxel centre so the peak voxel exists.
 */
export function paintProfileEllipsoid(g: Grid, e: Ellipsoid, peakHu: number, backgroundHu: number, cls = 0): void {
  const q = quadricOf(e);
  const m = q.m;
  const [cx, cy, cz] = q.centre;
  for (let k = 0; k < g.slices; k++) {
    const dz = g.z[k] - cz;
    if (Math.abs(dz) > q.extent[2]) continue;
    const jStart = Math.max(0, Math.ceil(rowOf(g, cy - q.extent[1])));
    const jEnd = Math.min(g.rows - 1, Math.floor(rowOf(g, cy + q.extent[1])));
    const iStart = Math.max(0, Math.ceil(columnOf(g, cx - q.extent[0])));
    const iEnd = Math.min(g.columns - 1, Math.floor(columnOf(g, cx + q.extent[0])));
    for (let j = jStart; j <= jEnd; j++) {
      const dy = g.y0 + j * g.dy - cy;
      const base = (k * g.rows + j) * g.columns;
      for (let i = iStart; i <= iEnd; i++) {
        const dx = g.x0 + i * g.dx - cx;
        const rho2 =
          m[0] * dx * dx + m[4] * dy * dy + m[8] * dz * dz + 2 * (m[1] * dx * dy + m[2] * dx * dz + m[5] * dy * dz);
        if (rho2 > 1) continue;
        const value = Math.round(backgroundHu + (peakHu - backgroundHu) * (1 - rho2));
        if (value > g.hu[base + i]) {
          g.hu[base + i] = value;
          if (g.cls && cls) g.cls[base + i] = cls;
        }
      }
    }
  }
}

/** True when a patient point lies inside (or on) an ellipsoid. */
export function insideEllipsoid(e: Ellipsoid, p: Vec3): boolean {
  let rho2 = 0;
  for (let a = 0; a < 3; a++) {
    const d = dot([p[0] - e.centre[0], p[1] - e.centre[1], p[2] - e.centre[2]], e.axes[a]) / e.radii[a];
    rho2 += d * d;
  }
  return rho2 <= 1;
}

/** One layer of a tube: everything within radiusMm of the centreline gets hu. */
export interface TubeLayer {
  radiusMm: number;
  hu: number;
}

/**
 * Paint a tube (union of capsules around the polyline's segments) into slice k, outer
 * layers first so inner layers (lumen) overwrite the wall.
 */
export function paintTube(g: Grid, k: number, path: Vec3[], layers: TubeLayer[]): void {
  const z = g.z[k];
  const sorted = [...layers].sort((a, b) => b.radiusMm - a.radiusMm);
  const rMax = sorted[0].radiusMm;
  for (const layer of sorted) {
    const r = layer.radiusMm;
    const r2 = r * r;
    for (let s = 0; s < path.length - 1; s++) {
      const a = path[s];
      const b = path[s + 1];
      if (Math.min(a[2], b[2]) - rMax > z || Math.max(a[2], b[2]) + rMax < z) continue;
      // Clip the segment to the part within r of this slice plane: its bounding box is the work.
      let t0 = 0;
      let t1 = 1;
      const dzab = b[2] - a[2];
      if (Math.abs(dzab) > 1e-9) {
        const ta = (z - r - a[2]) / dzab;
        const tb = (z + r - a[2]) / dzab;
        t0 = Math.max(0, Math.min(ta, tb));
        t1 = Math.min(1, Math.max(ta, tb));
        if (t1 < t0) continue;
      } else if (Math.abs(z - a[2]) > r) continue;
      const xs = [a[0] + (b[0] - a[0]) * t0, a[0] + (b[0] - a[0]) * t1];
      const ys = [a[1] + (b[1] - a[1]) * t0, a[1] + (b[1] - a[1]) * t1];
      const iStart = Math.max(0, Math.ceil(columnOf(g, Math.min(xs[0], xs[1]) - r)));
      const iEnd = Math.min(g.columns - 1, Math.floor(columnOf(g, Math.max(xs[0], xs[1]) + r)));
      const jStart = Math.max(0, Math.ceil(rowOf(g, Math.min(ys[0], ys[1]) - r)));
      const jEnd = Math.min(g.rows - 1, Math.floor(rowOf(g, Math.max(ys[0], ys[1]) + r)));
      const abx = b[0] - a[0];
      const aby = b[1] - a[1];
      const abz = dzab;
      const l2 = abx * abx + aby * aby + abz * abz;
      const pz = z - a[2];
      for (let j = jStart; j <= jEnd; j++) {
        const py = g.y0 + j * g.dy - a[1];
        const base = (k * g.rows + j) * g.columns;
        for (let i = iStart; i <= iEnd; i++) {
          const px = g.x0 + i * g.dx - a[0];
          let t = l2 > 0 ? (px * abx + py * aby + pz * abz) / l2 : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ex = px - t * abx;
          const ey = py - t * aby;
          const ez = pz - t * abz;
          if (ex * ex + ey * ey + ez * ez <= r2) g.hu[base + i] = layer.hu;
        }
      }
    }
  }
}
