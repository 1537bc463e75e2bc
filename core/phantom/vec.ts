import type { Vec3 } from '../types';

// The 3-vector arithmetic lives in core/math.ts (one copy for the core); the path helpers below build on it.
export { add, sub, scale, dot, cross, norm, normalize, dist, lerp } from '../math';
import { add, cross, dist, dot, lerp, normalize, scale, sub } from '../math';

/** Two unit vectors completing `u` (unit) to a right-handed orthonormal frame. */
export function completeFrame(u: Vec3): [Vec3, Vec3] {
  const helper: Vec3 = Math.abs(u[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const v = normalize(cross(helper, u));
  const w = cross(u, v);
  return [v, w];
}

/** Centripetal-free uniform Catmull-Rom through control points, then resampled every `stepMm`. */
export function smoothPath(control: Vec3[], stepMm: number): Vec3[] {
  const dense: Vec3[] = [];
  const n = control.length;
  if (n < 2) return control.slice();
  for (let s = 0; s < n - 1; s++) {
    const p0 = control[Math.max(0, s - 1)];
    const p1 = control[s];
    const p2 = control[s + 1];
    const p3 = control[Math.min(n - 1, s + 2)];
    const pieces = 20;
    for (let q = 0; q < pieces; q++) {
      const t = q / pieces;
      const t2 = t * t;
      const t3 = t2 * t;
      const c = (a: number, b: number, cc: number, d: number) =>
        0.5 * (2 * b + (-a + cc) * t + (2 * a - 5 * b + 4 * cc - d) * t2 + (-a + 3 * b - 3 * cc + d) * t3);
      dense.push([c(p0[0], p1[0], p2[0], p3[0]), c(p0[1], p1[1], p2[1], p3[1]), c(p0[2], p1[2], p2[2], p3[2])]);
    }
  }
  dense.push(control[n - 1]);
  return resample(dense, stepMm);
}

/** Points every `stepMm` of arc length along a polyline (first and last kept). */
export function resample(points: Vec3[], stepMm: number): Vec3[] {
  const out: Vec3[] = [points[0]];
  let carried = 0;
  for (let s = 0; s < points.length - 1; s++) {
    const a = points[s];
    const b = points[s + 1];
    const len = dist(a, b);
    let pos = stepMm - carried;
    while (pos <= len) {
      out.push(lerp(a, b, pos / len));
      pos += stepMm;
    }
    carried = len - (pos - stepMm);
  }
  const last = points[points.length - 1];
  if (dist(out[out.length - 1], last) > 1e-6) out.push(last);
  return out;
}

/** Total length (mm) of a polyline. */
export function pathLength(points: Vec3[]): number {
  let total = 0;
  for (let s = 0; s < points.length - 1; s++) total += dist(points[s], points[s + 1]);
  return total;
}

/** The point at `fraction` of a polyline's length, with its unit tangent and sample index. */
export function pointAlong(points: Vec3[], fraction: number): { point: Vec3; tangent: Vec3; index: number } {
  const target = Math.min(1, Math.max(0, fraction)) * pathLength(points);
  let run = 0;
  for (let s = 0; s < points.length - 1; s++) {
    const len = dist(points[s], points[s + 1]);
    if (run + len >= target || s === points.length - 2) {
      const t = len > 0 ? Math.min(1, (target - run) / len) : 0;
      return { point: lerp(points[s], points[s + 1], t), tangent: normalize(sub(points[s + 1], points[s])), index: s };
    }
    run += len;
  }
  return { point: points[0], tangent: [0, 0, 1], index: 0 };
}

/** Distance (mm) from a point to a polyline. */
export function distanceToPath(p: Vec3, points: Vec3[]): number {
  let best = Infinity;
  for (let s = 0; s < points.length - 1; s++) best = Math.min(best, distanceToSegment(p, points[s], points[s + 1]));
  return best;
}

export function distanceToSegment(p: Vec3, a: Vec3, b: Vec3): number {
  const ab = sub(b, a);
  const l2 = dot(ab, ab);
  const t = l2 > 0 ? Math.min(1, Math.max(0, dot(sub(p, a), ab) / l2)) : 0;
  return dist(p, add(a, scale(ab, t)));
}
