/**
 * Where a 3D calcified lesion lies relative to the anatomy of core/anatomy: the measures the
 * rule labeller (./rules.ts) decides on, computed once per lesion from a sample of its voxels.
 * Pure: typed arrays in, numbers out.
 *
 * Frame: origin at the aortic root (sinus level), long axis towards the apex (the found one,
 * pulled to the textbook axis when they differ by more than 30 degrees: the apex is the least
 * sure landmark), anterior axis orthogonal to it towards the patient's front. The azimuth about
 * the long axis is 0 deg anterior, +90 deg to the patient's right, -90 deg to the left, +-180 deg
 * posterior.
 */
import {
  BONE_NONE,
  distanceToMm,
  gridVoxelAt,
  labelAt,
  LABEL_BONE,
  LABEL_HEART,
  LABEL_LUNG,
  LABEL_OUTSIDE,
  PRIOR_LONG_AXIS,
  signedHeartDistanceMm,
  type Anatomy,
  type AortaSection,
} from '../anatomy/index';
import { cross, dot, lerp, normalize, scale, sub } from '../math';
import type { LesionSet } from '../scoring/detect';
import type { CtVolume, Vec3 } from '../types';
import { voxelToPatient } from '../dicom/geometry';

export interface HeartAxes {
  origin: Vec3;
  long: Vec3;
  anterior: Vec3;
  right: Vec3;
}

/** The labeller's frame: see the file comment. */
export function heartAxes(anatomy: Anatomy): HeartAxes | null {
  const root = anatomy.aorticRootMm;
  if (!root) return null;
  let long: Vec3 = anatomy.frame ? anatomy.frame.long : PRIOR_LONG_AXIS;
  const angle = (Math.acos(Math.max(-1, Math.min(1, dot(long, PRIOR_LONG_AXIS)))) * 180) / Math.PI;
  // Pull the axis to 30 degrees from the textbook one.
  if (angle > 30) long = normalize(lerp(long, PRIOR_LONG_AXIS, 1 - 30 / angle));
  const front: Vec3 = [0, -1, 0];
  const anterior = normalize(sub(front, scale(long, dot(front, long))));
  // long x anterior points to the patient's right for a left-anterior-inferior long axis.
  const right = cross(long, anterior);
  return { origin: root, long, anterior, right };
}

/** Azimuth of a point about the long axis (deg; 0 anterior, +90 the patient's right, -90 left, +-180 posterior). */
export function azimuthDeg(axes: HeartAxes, p: Vec3): number {
  const v = sub(p, axes.origin);
  return (Math.atan2(dot(v, axes.right), dot(v, axes.anterior)) * 180) / Math.PI;
}

export interface LesionGeometry {
  lesionId: number;
  componentIds: number[];
  agatston: number;
  areaMm2: number;
  peakHu: number;
  slices: number;
  /** Area-weighted centroid (patient mm). */
  centroid: Vec3;
  /** The lesion voxel (of the sample) nearest the root centre, and its distance (mm). */
  proximal: Vec3;
  proximalRootMm: number;
  /** Centroid relative to the root in patient axes (mm; x to the left, y to the back, z up). */
  rel: Vec3;
  /** Centroid along the long axis from the root (mm; positive towards the apex). */
  along: number;
  /** Azimuth of the centroid about the long axis (deg; 0 anterior, +90 right, -90 left). */
  azimuth: number;
  /** Signed distance of the centroid to the heart contour (mm; negative inside). */
  heartMm: number;
  /** Distance from the aortic centreline minus the local radius (mm; negative inside the lumen): least and largest over the sample. */
  aortaWallMinMm: number;
  aortaWallMaxMm: number;
  /** The largest in-plane distance of a sampled voxel from the root centre (mm). */
  rootAxialMaxMm: number;
  /** Share of sampled voxels in bone (anatomy label), outside the body, in lung. */
  boneFrac: number;
  outsideFrac: number;
  lungFrac: number;
  /** How far inside the bony cage the centroid lies (mm; negative outside it; NaN when the slice has no cage around the heart). */
  cageInsideMm: number;
  /** Distance from the centroid to the nearest rib, costal cartilage or sternum surface (mm, capped at 60). */
  ribsMm: number;
}

const MAX_SAMPLE = 400;

/** Distance from p to the nearest tracked aorta section's centre minus its radius (mm). */
export function aortaWallDistance(sections: AortaSection[], p: Vec3): number {
  let best = Infinity;
  for (const s of sections) {
    const c = s.centreMm;
    // Sections are axial discs: in-plane distance, plus the height difference beyond half a slice.
    const dz = Math.max(0, Math.abs(p[2] - c[2]) - 2);
    const inPlane = Math.hypot(p[0] - c[0], p[1] - c[1]);
    const d = Math.hypot(inPlane - s.radiusMm, dz);
    const signed = inPlane < s.radiusMm && dz === 0 ? -d : d;
    if (signed < best) best = signed;
  }
  return best;
}

/** Per grid slice: the convex hull of the bony cage (ribs, costal cartilage, sternum, spine) in patient x, y. */
export class CageHulls {
  private hulls = new Map<number, [number, number][] | null>();
  constructor(private anatomy: Anatomy) {}

  /** Signed distance (mm) of p inside the hull of its slice (negative outside); NaN without a hull. */
  insideMm(p: Vec3): number {
    const g = this.anatomy.grid;
    const q = gridVoxelAt(g, p);
    if (q < 0) return NaN;
    const c = Math.floor(q / (g.nx * g.ny));
    let hull = this.hulls.get(c);
    if (hull === undefined) {
      hull = this.build(c);
      this.hulls.set(c, hull);
    }
    if (!hull) return NaN;
    return signedInside(hull, p[0], p[1]);
  }

  private build(c: number): [number, number][] | null {
    const g = this.anatomy.grid;
    const n2 = g.nx * g.ny;
    const pts: [number, number][] = [];
    for (let p = c * n2; p < (c + 1) * n2; p++) {
      if (this.anatomy.boneKind[p] === BONE_NONE) continue;
      const r = p - c * n2;
      const b = Math.floor(r / g.nx);
      pts.push([g.x0 + (r - b * g.nx) * g.dx, g.y0 + b * g.dy]);
    }
    if (pts.length < 6) return null;
    const hull = convexHull(pts);
    // A hull that does not surround the heart (a slice with only the spine, or a gated field of
    // view that cuts the chest wall) is no cage.
    const centre = this.anatomy.heartCentreMm;
    if (!centre || signedInside(hull, centre[0], centre[1]) < 20) return null;
    // Bone all round the heart: no gap of more than 100 degrees between the bone points' directions.
    const angles = pts.map(([x, y]) => Math.atan2(y - centre[1], x - centre[0])).sort((a, b) => a - b);
    let gap = angles[0] + 2 * Math.PI - angles[angles.length - 1];
    for (let i = 1; i < angles.length; i++) gap = Math.max(gap, angles[i] - angles[i - 1]);
    return gap <= (100 * Math.PI) / 180 ? hull : null;
  }
}

/** Andrew's monotone chain (counter-clockwise, no collinear points). */
function convexHull(points: [number, number][]): [number, number][] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const crossZ = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of pts) {
    while (lower.length >= 2 && crossZ(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && crossZ(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** Distance from (x, y) to the polygon's boundary, positive inside a convex polygon. */
function signedInside(poly: [number, number][], x: number, y: number): number {
  let min = Infinity;
  let inside = true;
  // Orientation of the polygon (the hull is counter-clockwise in its own axes, which may be flipped).
  let area = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i];
    const [x2, y2] = poly[(i + 1) % poly.length];
    area += x1 * y2 - x2 * y1;
  }
  const sign = area >= 0 ? 1 : -1;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i];
    const [x2, y2] = poly[(i + 1) % poly.length];
    const ex = x2 - x1;
    const ey = y2 - y1;
    const len2 = ex * ex + ey * ey || 1;
    const t = Math.max(0, Math.min(1, ((x - x1) * ex + (y - y1) * ey) / len2));
    const d = Math.hypot(x - (x1 + t * ex), y - (y1 + t * ey));
    if (d < min) min = d;
    if (sign * (ex * (y - y1) - ey * (x - x1)) < 0) inside = false;
  }
  return inside ? min : -min;
}

/** What measuring needs once per scan: the anatomy, the frame, the cage hulls and the tracked aorta. */
export interface MeasureContext {
  anatomy: Anatomy;
  axes: HeartAxes;
  hulls: CageHulls;
  sections: AortaSection[];
}

export function measureContext(anatomy: Anatomy, axes: HeartAxes): MeasureContext {
  return { anatomy, axes, hulls: new CageHulls(anatomy), sections: [...anatomy.ascendingAorta, ...anatomy.descendingAorta] };
}

type LesionBase = Pick<LesionGeometry, 'lesionId' | 'componentIds' | 'agatston' | 'areaMm2' | 'peakHu' | 'slices'>;

/** The measures of a lesion from a sample of its voxels and its centroid. */
function measure(ctx: MeasureContext, base: LesionBase, sample: Vec3[], cen: Vec3): LesionGeometry {
  const { anatomy, axes, hulls, sections } = ctx;
  const root = axes.origin;
  let proximal = sample[0];
  let proxD = Infinity;
  let bone = 0;
  let outside = 0;
  let lung = 0;
  let wallMin = Infinity;
  let wallMax = -Infinity;
  let axialMax = 0;
  for (const p of sample) {
    axialMax = Math.max(axialMax, Math.hypot(p[0] - root[0], p[1] - root[1]));
    const d = Math.hypot(p[0] - root[0], p[1] - root[1], p[2] - root[2]);
    if (d < proxD) {
      proxD = d;
      proximal = p;
    }
    const l = labelAt(anatomy, p);
    if (l === LABEL_BONE) bone++;
    else if (l === LABEL_OUTSIDE) outside++;
    else if (l === LABEL_LUNG) lung++;
    if (sections.length > 0) {
      const w = aortaWallDistance(sections, p);
      if (w < wallMin) wallMin = w;
      if (w > wallMax) wallMax = w;
    }
  }
  const v = sub(cen, root);
  const n = sample.length || 1;
  return {
    ...base,
    centroid: cen,
    proximal,
    proximalRootMm: proxD,
    rel: v,
    along: dot(v, axes.long),
    azimuth: azimuthDeg(axes, cen),
    heartMm: signedHeartDistanceMm(anatomy, cen, 60),
    aortaWallMinMm: Number.isFinite(wallMin) ? wallMin : Infinity,
    aortaWallMaxMm: Number.isFinite(wallMax) ? wallMax : Infinity,
    rootAxialMaxMm: axialMax,
    boneFrac: bone / n,
    outsideFrac: outside / n,
    lungFrac: lung / n,
    cageInsideMm: hulls.insideMm(cen),
    ribsMm: Math.min(distanceToMm(anatomy, 'ribs', cen, 60), distanceToMm(anatomy, 'sternum', cen, 60)),
  };
}

/**
 * The measures of a lesion the size of a point at p (a few slices, well above threshold, so no
 * speck rule applies): what the check images draw as exclusion zones.
 */
export function pointGeometry(ctx: MeasureContext, p: Vec3): LesionGeometry {
  return measure(ctx, { lesionId: 0, componentIds: [], agatston: 0, areaMm2: 10, peakHu: 400, slices: 3 }, [p], p);
}

/** The geometry of every 3D lesion of the set (anatomy found). */
export function lesionGeometries(set: LesionSet, anatomy: Anatomy, axes: HeartAxes): LesionGeometry[] {
  const g = set.geometry;
  const ctx = measureContext(anatomy, axes);
  const out: LesionGeometry[] = [];
  for (const lesion of set.lesions) {
    let area = 0;
    let agatston = 0;
    let peak = -Infinity;
    const cen: Vec3 = [0, 0, 0];
    const slices = new Set<number>();
    let voxels = 0;
    for (const id of lesion.componentIds) {
      const c = set.components[id - 1];
      area += c.areaMm2;
      agatston += c.agatston;
      if (c.peakHu > peak) peak = c.peakHu;
      for (let k = 0; k < 3; k++) cen[k] += c.centroidMm[k] * c.areaMm2;
      slices.add(c.slice);
      voxels += set.componentVoxels[id - 1].length;
    }
    for (let k = 0; k < 3; k++) cen[k] /= area || 1;
    // A sample of the lesion's voxels (every stride-th of each component, at least one each).
    const stride = Math.max(1, Math.ceil(voxels / MAX_SAMPLE));
    const sample: Vec3[] = [];
    const at = (v: number): Vec3 => voxelToPatient(g, v % g.columns, Math.floor(v / g.columns) % g.rows, Math.floor(v / (g.columns * g.rows)));
    for (const id of lesion.componentIds) {
      const vox = set.componentVoxels[id - 1];
      for (let q = 0; q < vox.length; q += stride) sample.push(at(vox[q]));
    }
    out.push(measure(ctx, { lesionId: lesion.id, componentIds: lesion.componentIds, agatston, areaMm2: area, peakHu: peak, slices: slices.size }, sample, cen));
  }
  return out;
}

/**
 * The image noise (HU standard deviation) of the blood pool and myocardium: the robust spread
 * (1.4826 x median absolute deviation) of the voxels in grid blocks deep inside the heart mask
 * (all six neighbours heart), in 10-250 HU so that calcium and fat do not widen it. NaN when
 * fewer than 500 voxels qualify. A single-slice speck whose peak lies within two of these of
 * the threshold is what noise alone makes.
 */
export function bloodNoiseSd(volume: CtVolume, anatomy: Anatomy): number {
  const g = anatomy.grid;
  const { nx, ny, nz } = g;
  const n2 = nx * ny;
  const values: number[] = [];
  const isHeart = (p: number) => anatomy.labels[p] === LABEL_HEART;
  for (let c = 1; c < nz - 1 && values.length < 40000; c++)
    for (let b = 1; b < ny - 1; b++)
      for (let a = 1; a < nx - 1; a++) {
        const p = c * n2 + b * nx + a;
        if (!isHeart(p) || !isHeart(p - 1) || !isHeart(p + 1) || !isHeart(p - nx) || !isHeart(p + nx) || !isHeart(p - n2) || !isHeart(p + n2)) continue;
        // One source voxel per block (its first), in source index space.
        const i = (a + g.a0) * g.fx;
        const j = (b + g.b0) * g.fy;
        const k = c * g.fz;
        if (i >= volume.columns || j >= volume.rows || k >= volume.slices) continue;
        const hu = volume.hu[(k * volume.rows + j) * volume.columns + i];
        if (hu >= 10 && hu <= 250) values.push(hu);
      }
  if (values.length < 500) return NaN;
  values.sort((x, y) => x - y);
  const med = values[values.length >> 1];
  const dev = values.map((v) => Math.abs(v - med)).sort((x, y) => x - y);
  return 1.4826 * dev[dev.length >> 1];
}
