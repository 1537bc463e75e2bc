/**
 * Building blocks of the anatomy finder: a coarse working grid (block means and maxima of the
 * CT), 2D distance transforms, connected components and a nearest-point index. Typed arrays
 * only, no per-voxel allocation. Pure: no DOM, no I/O.
 */
import type { CtVolume, Vec3 } from '../types';

/**
 * The coarse grid the anatomy is found on (block means and dense flags): blocks of fx x fy source pixels (about 2.5 mm)
 * and fz source slices (about 2.5 mm, at least one slice), axial only. Grid voxel (a, b, c)
 * covers source columns [a*fx, a*fx+fx), rows [b*fy, b*fy+fy), slices [c*fz, c*fz+fz).
 * Its centre in patient coordinates (LPS, mm) is (x0 + a*dx, y0 + b*dy, z[c]); dx and dy
 * are signed (negative when columns run towards patient right).
 */
export interface AnatomyGrid {
  nx: number;
  ny: number;
  nz: number;
  fx: number;
  fy: number;
  fz: number;
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  /** Patient z of each grid slice (mean of its source slices). */
  z: Float64Array;
  /** Mean |z step| between grid slices (mm); the in-plane step is |dx|, |dy|. */
  dzMm: number;
  /** Block offsets of grid column 0 and row 0 (non-zero once the grid is cropped to the body). */
  a0: number;
  b0: number;
  /** Block mean HU. */
  mean: Int16Array;
  /** 1 where any source voxel of the block reaches DENSE_HU (bone cortex, calcium, metal). */
  dense: Uint8Array;
}

/** HU that marks a block as holding dense material (thin rib cortex is thinner than a block). */
export const DENSE_HU = 400;

export function gridIndex(g: AnatomyGrid, a: number, b: number, c: number): number {
  return (c * g.ny + b) * g.nx + a;
}

/** Grid voxel centre (a, b, c) in patient coordinates. */
export function gridToPatient(g: AnatomyGrid, a: number, b: number, c: number): Vec3 {
  return [g.x0 + a * g.dx, g.y0 + b * g.dy, g.z[Math.max(0, Math.min(g.nz - 1, c))]];
}

/** Continuous grid coordinates of a patient point (z interpolated between grid slices). */
export function patientToGrid(g: AnatomyGrid, p: Vec3): Vec3 {
  const a = (p[0] - g.x0) / g.dx;
  const b = (p[1] - g.y0) / g.dy;
  const z = g.z;
  const n = g.nz;
  let c = 0;
  if (n > 1) {
    const up = z[n - 1] > z[0];
    const s = up ? p[2] : -p[2];
    const first = up ? z[0] : -z[0];
    const last = up ? z[n - 1] : -z[n - 1];
    if (s <= first) c = (s - first) / Math.abs(z[1] - z[0]);
    else if (s >= last) c = n - 1 + (s - last) / Math.abs(z[n - 1] - z[n - 2]);
    else {
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if ((up ? z[mid] : -z[mid]) <= s) lo = mid;
        else hi = mid;
      }
      const zl = up ? z[lo] : -z[lo];
      const zh = up ? z[hi] : -z[hi];
      c = lo + (s - zl) / (zh - zl);
    }
  }
  return [a, b, c];
}

/** The grid voxel index containing a patient point, or -1 outside the grid. */
export function gridVoxelAt(g: AnatomyGrid, p: Vec3): number {
  const [a, b, c] = patientToGrid(g, p);
  const ia = Math.round(a);
  const ib = Math.round(b);
  const ic = Math.round(c);
  if (ia < 0 || ib < 0 || ic < 0 || ia >= g.nx || ib >= g.ny || ic >= g.nz) return -1;
  return gridIndex(g, ia, ib, ic);
}

/** Block factors so that grid steps are about `targetMm` (at least 1). */
export function blockFactors(v: CtVolume, targetMm: number): [number, number, number] {
  const f = (s: number) => Math.max(1, Math.round(targetMm / Math.max(1e-6, s)));
  return [f(v.columnSpacingMm), f(v.rowSpacingMm), f(Math.abs(v.sliceIncrementMm) || 1)];
}

/** Downsample the volume into block means and dense flags: one pass over the source voxels. */
export function buildGrid(v: CtVolume, targetMm: number): AnatomyGrid {
  const [fx, fy, fz] = blockFactors(v, targetMm);
  const { columns, rows, slices } = v;
  const nx = Math.ceil(columns / fx);
  const ny = Math.ceil(rows / fy);
  const nz = Math.ceil(slices / fz);
  const n2 = nx * ny;
  const mean = new Int16Array(n2 * nz);
  const dense = new Uint8Array(n2 * nz);
  const sum = new Int32Array(n2);
  const cnt = new Int32Array(n2);
  const mx = new Uint8Array(n2);
  const hu = v.hu;
  const sliceSize = columns * rows;
  const z = new Float64Array(nz);
  for (let c = 0; c < nz; c++) {
    sum.fill(0);
    cnt.fill(0);
    mx.fill(0);
    const k0 = c * fz;
    const k1 = Math.min(slices, k0 + fz);
    let zs = 0;
    for (let k = k0; k < k1; k++) {
      zs += v.imagePositionsMm[k][2];
      const base = k * sliceSize;
      for (let j = 0; j < rows; j++) {
        const src = base + j * columns;
        const rowOff = ((j / fy) | 0) * nx;
        // One sequential run over the row, flushing a block every fx columns.
        let a = 0;
        let inBlock = 0;
        let s = 0;
        let m = 0;
        for (let i = 0; i < columns; i++) {
          const h = hu[src + i];
          s += h;
          if (h >= DENSE_HU) m = 1;
          if (++inBlock === fx) {
            const q = rowOff + a;
            sum[q] += s;
            cnt[q] += fx;
            mx[q] |= m;
            a++;
            inBlock = 0;
            s = 0;
            m = 0;
          }
        }
        if (inBlock > 0) {
          const q = rowOff + a;
          sum[q] += s;
          cnt[q] += inBlock;
          mx[q] |= m;
        }
      }
    }
    z[c] = zs / (k1 - k0);
    const out = c * n2;
    for (let q = 0; q < n2; q++) {
      mean[out + q] = Math.round(sum[q] / cnt[q]);
      dense[out + q] = mx[q];
    }
  }
  const p0 = v.imagePositionsMm[0];
  const cs = v.columnSpacingMm;
  const rs = v.rowSpacingMm;
  // Axial slices: rowCosines ~ +-x, columnCosines ~ +-y (checked by the caller).
  const dx = v.rowCosines[0] * cs * fx;
  const dy = v.columnCosines[1] * rs * fy;
  const x0 = p0[0] + v.rowCosines[0] * cs * ((fx - 1) / 2);
  const y0 = p0[1] + v.columnCosines[1] * rs * ((fy - 1) / 2);
  const dzMm = nz > 1 ? Math.abs(z[nz - 1] - z[0]) / (nz - 1) : Math.abs(v.sliceIncrementMm) * fz;
  return { nx, ny, nz, fx, fy, fz, x0, y0, dx, dy, z, dzMm, a0: 0, b0: 0, mean, dense };
}

/** The grid restricted to block columns [a0, a1] and rows [b0, b1] (inclusive), with a label map cropped alike. */
export function cropGrid(g: AnatomyGrid, labels: Uint8Array, a0: number, a1: number, b0: number, b1: number): { grid: AnatomyGrid; labels: Uint8Array } {
  const nx = a1 - a0 + 1;
  const ny = b1 - b0 + 1;
  const n = nx * ny * g.nz;
  const mean = new Int16Array(n);
  const dense = new Uint8Array(n);
  const lab = new Uint8Array(n);
  for (let c = 0; c < g.nz; c++)
    for (let b = 0; b < ny; b++) {
      const src = (c * g.ny + b + b0) * g.nx + a0;
      const dst = (c * ny + b) * nx;
      mean.set(g.mean.subarray(src, src + nx), dst);
      dense.set(g.dense.subarray(src, src + nx), dst);
      lab.set(labels.subarray(src, src + nx), dst);
    }
  return {
    grid: { ...g, nx, ny, x0: g.x0 + a0 * g.dx, y0: g.y0 + b0 * g.dy, a0: g.a0 + a0, b0: g.b0 + b0, mean, dense },
    labels: lab,
  };
}

/** The grid voxel index of source voxel (i, j, k), or -1 outside the (cropped) grid. */
export function gridIndexOfSource(g: AnatomyGrid, i: number, j: number, k: number): number {
  const a = ((i / g.fx) | 0) - g.a0;
  const b = ((j / g.fy) | 0) - g.b0;
  const c = (k / g.fz) | 0;
  if (a < 0 || b < 0 || a >= g.nx || b >= g.ny || c >= g.nz) return -1;
  return (c * g.ny + b) * g.nx + a;
}

const INF = 1e20;

/**
 * Squared Euclidean distance transform of one 2D slice (Felzenszwalb-Huttenlocher), in mm^2:
 * out[p] = squared distance from p to the nearest pixel where `isFeature(p)` (0 there).
 * `f` and the scratch arrays are reused between calls (sized nx*ny and max(nx,ny)+1).
 */
export class Edt2d {
  readonly nx: number;
  readonly ny: number;
  readonly sx: number;
  readonly sy: number;
  readonly out: Float32Array;
  private readonly f: Float64Array;
  private readonly d: Float64Array;
  private readonly v: Int32Array;
  private readonly zb: Float64Array;

  constructor(nx: number, ny: number, sxMm: number, syMm: number) {
    this.nx = nx;
    this.ny = ny;
    this.sx = Math.abs(sxMm);
    this.sy = Math.abs(syMm);
    this.out = new Float32Array(nx * ny);
    const m = Math.max(nx, ny) + 1;
    this.f = new Float64Array(m);
    this.d = new Float64Array(m);
    this.v = new Int32Array(m);
    this.zb = new Float64Array(m + 1);
  }

  /** feature[p] != 0 marks feature pixels (distance 0). */
  run(feature: Uint8Array, offset = 0): Float32Array {
    const { nx, ny, out } = this;
    for (let p = 0; p < nx * ny; p++) out[p] = feature[offset + p] ? 0 : INF;
    // Along x (rows), then along y (columns).
    for (let b = 0; b < ny; b++) {
      const base = b * nx;
      for (let a = 0; a < nx; a++) this.f[a] = out[base + a];
      this.transform1d(nx, this.sx);
      for (let a = 0; a < nx; a++) out[base + a] = this.d[a];
    }
    for (let a = 0; a < nx; a++) {
      for (let b = 0; b < ny; b++) this.f[b] = out[b * nx + a];
      this.transform1d(ny, this.sy);
      for (let b = 0; b < ny; b++) out[b * nx + a] = this.d[b];
    }
    return out;
  }

  private transform1d(n: number, s: number): void {
    const { f, d, v, zb } = this;
    const s2 = s * s;
    let k = 0;
    v[0] = 0;
    zb[0] = -INF;
    zb[1] = INF;
    for (let q = 1; q < n; q++) {
      if (f[q] >= INF) continue;
      if (f[v[k]] >= INF) {
        v[k] = q;
        continue;
      }
      let sIntersect = (f[q] + s2 * q * q - (f[v[k]] + s2 * v[k] * v[k])) / (2 * s2 * (q - v[k]));
      while (sIntersect <= zb[k]) {
        k--;
        sIntersect = (f[q] + s2 * q * q - (f[v[k]] + s2 * v[k] * v[k])) / (2 * s2 * (q - v[k]));
      }
      k++;
      v[k] = q;
      zb[k] = sIntersect;
      zb[k + 1] = INF;
    }
    if (f[v[0]] >= INF) {
      for (let q = 0; q < n; q++) d[q] = INF;
      return;
    }
    k = 0;
    for (let q = 0; q < n; q++) {
      while (zb[k + 1] < q) k++;
      const t = q - v[k];
      d[q] = s2 * t * t + f[v[k]];
    }
  }
}

/**
 * 3D connected components (6-connected) of mask != 0. Returns labels (0 = background,
 * 1..n) and the voxel count of each label (sizes[label]). `out` and `queueBuffer` (length of
 * the mask) are reused when given.
 */
export function components3d(
  mask: Uint8Array,
  nx: number,
  ny: number,
  nz: number,
  out?: Int32Array,
  queueBuffer?: Int32Array,
): { labels: Int32Array; sizes: number[] } {
  const n2 = nx * ny;
  const labels = out ?? new Int32Array(mask.length);
  if (out) labels.fill(0);
  const queue = queueBuffer ?? new Int32Array(mask.length);
  const sizes: number[] = [0];
  let next = 0;
  for (let p0 = 0; p0 < mask.length; p0++) {
    if (!mask[p0] || labels[p0]) continue;
    next++;
    let head = 0;
    let tail = 0;
    queue[tail++] = p0;
    labels[p0] = next;
    while (head < tail) {
      const p = queue[head++];
      const c = (p / n2) | 0;
      const r = p - c * n2;
      const b = (r / nx) | 0;
      const a = r - b * nx;
      if (a > 0 && mask[p - 1] && !labels[p - 1]) { labels[p - 1] = next; queue[tail++] = p - 1; }
      if (a < nx - 1 && mask[p + 1] && !labels[p + 1]) { labels[p + 1] = next; queue[tail++] = p + 1; }
      if (b > 0 && mask[p - nx] && !labels[p - nx]) { labels[p - nx] = next; queue[tail++] = p - nx; }
      if (b < ny - 1 && mask[p + nx] && !labels[p + nx]) { labels[p + nx] = next; queue[tail++] = p + nx; }
      if (c > 0 && mask[p - n2] && !labels[p - n2]) { labels[p - n2] = next; queue[tail++] = p - n2; }
      if (c < nz - 1 && mask[p + n2] && !labels[p + n2]) { labels[p + n2] = next; queue[tail++] = p + n2; }
    }
    sizes.push(tail);
  }
  return { labels, sizes };
}

/**
 * 2D connected components (4-connected) of one slice of mask != 0, written into `labels`
 * (reused, length nx*ny); returns the pixel count of each label (sizes[label]).
 */
export function components2d(mask: Uint8Array, offset: number, nx: number, ny: number, labels: Int32Array, queue: Int32Array): number[] {
  const n2 = nx * ny;
  labels.fill(0, 0, n2);
  const sizes: number[] = [0];
  let next = 0;
  for (let p0 = 0; p0 < n2; p0++) {
    if (!mask[offset + p0] || labels[p0]) continue;
    next++;
    let head = 0;
    let tail = 0;
    queue[tail++] = p0;
    labels[p0] = next;
    while (head < tail) {
      const p = queue[head++];
      const b = (p / nx) | 0;
      const a = p - b * nx;
      if (a > 0 && mask[offset + p - 1] && !labels[p - 1]) { labels[p - 1] = next; queue[tail++] = p - 1; }
      if (a < nx - 1 && mask[offset + p + 1] && !labels[p + 1]) { labels[p + 1] = next; queue[tail++] = p + 1; }
      if (b > 0 && mask[offset + p - nx] && !labels[p - nx]) { labels[p - nx] = next; queue[tail++] = p - nx; }
      if (b < ny - 1 && mask[offset + p + nx] && !labels[p + nx]) { labels[p + nx] = next; queue[tail++] = p + nx; }
    }
    sizes.push(tail);
  }
  return sizes;
}

/**
 * Nearest-point queries over a fixed set of points (patient mm): a static k-d tree (median
 * splits over an index permutation, leaves of up to 8 points), queried by branch and bound.
 * Used for distances to surfaces; a query costs O(log n) for points near the surface.
 */
export class PointIndex {
  readonly count: number;
  private readonly pts: Float32Array;
  /** Permutation of point indices; each node covers a contiguous range of it. */
  private readonly idx: Int32Array;

  constructor(points: Float32Array) {
    this.pts = points;
    this.count = Math.floor(points.length / 3);
    this.idx = new Int32Array(this.count);
    for (let n = 0; n < this.count; n++) this.idx[n] = n;
    if (this.count > 0) this.build(0, this.count, 0);
  }

  /** Orders idx[lo, hi) so the median along `axis` (depth % 3) is at the middle, recursively. */
  private build(lo: number, hi: number, depth: number): void {
    if (hi - lo <= 8) return;
    const axis = depth % 3;
    const mid = (lo + hi) >> 1;
    this.select(lo, hi - 1, mid, axis);
    this.build(lo, mid, depth + 1);
    this.build(mid + 1, hi, depth + 1);
  }

  /** Quickselect on idx[lo..hi] by coordinate `axis`, so idx[k] is the k-th smallest. */
  private select(lo: number, hi: number, k: number, axis: number): void {
    const { idx, pts } = this;
    while (hi > lo) {
      const pivot = pts[3 * idx[(lo + hi) >> 1] + axis];
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (pts[3 * idx[i] + axis] < pivot) i++;
        while (pts[3 * idx[j] + axis] > pivot) j--;
        if (i <= j) {
          const t = idx[i];
          idx[i] = idx[j];
          idx[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else return;
    }
  }

  /** Distance (mm) from p to the nearest point, or `capMm` when none is nearer than that. */
  nearest(p: Vec3, capMm: number): number {
    if (this.count === 0) return capMm;
    const best = { d2: capMm * capMm };
    this.search(0, this.count, 0, p[0], p[1], p[2], best);
    return Math.min(capMm, Math.sqrt(best.d2));
  }

  private search(lo: number, hi: number, depth: number, x: number, y: number, z: number, best: { d2: number }): void {
    const { idx, pts } = this;
    if (hi - lo <= 8) {
      for (let o = lo; o < hi; o++) {
        const n = 3 * idx[o];
        const dx = pts[n] - x;
        const dy = pts[n + 1] - y;
        const dz = pts[n + 2] - z;
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 < best.d2) best.d2 = d2;
      }
      return;
    }
    const axis = depth % 3;
    const mid = (lo + hi) >> 1;
    const m = 3 * idx[mid];
    const dx = pts[m] - x;
    const dy = pts[m + 1] - y;
    const dz = pts[m + 2] - z;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 < best.d2) best.d2 = d2;
    const diff = (axis === 0 ? x : axis === 1 ? y : z) - pts[m + axis];
    if (diff < 0) {
      this.search(lo, mid, depth + 1, x, y, z, best);
      if (diff * diff < best.d2) this.search(mid + 1, hi, depth + 1, x, y, z, best);
    } else {
      this.search(mid + 1, hi, depth + 1, x, y, z, best);
      if (diff * diff < best.d2) this.search(lo, mid, depth + 1, x, y, z, best);
    }
  }
}
