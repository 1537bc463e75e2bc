/**
 * Surfaces of the found structures for distance queries (distanceToMm and the signed distances
 * in core/anatomy/index.ts): the boundary voxels of the body, lungs, heart, aorta, spine,
 * sternum and the other bone, from the label map and the bone kinds in one pass, each held in a
 * nearest-point index. Pure.
 */
import { PointIndex, type AnatomyGrid } from './grid';
import { BONE_OTHER, BONE_SPINE, BONE_STERNUM, LABEL_AORTA, LABEL_HEART, LABEL_LUNG, LABEL_OUTSIDE } from './common';

/** The structures whose surfaces distance queries can ask for. */
export type Structure = 'body' | 'lung' | 'heart' | 'aorta' | 'spine' | 'sternum' | 'ribs';

export function emptySurfaces(): Record<Structure, PointIndex> {
  const e = () => new PointIndex(new Float32Array(0));
  return { body: e(), lung: e(), heart: e(), aorta: e(), spine: e(), sternum: e(), ribs: e() };
}

/** Boundary voxels (a 6-neighbour outside the structure; in-plane only for the body) of each structure, as point indexes. One pass with a bit per structure. */
export function buildSurfaces(g: AnatomyGrid, labels: Uint8Array, boneKind: Uint8Array): Record<Structure, PointIndex> {
  const { nx, ny, nz } = g;
  const n2 = nx * ny;
  const n3 = n2 * nz;
  const names: Structure[] = ['body', 'lung', 'heart', 'aorta', 'spine', 'sternum', 'ribs'];
  const bits = new Uint8Array(n3);
  for (let p = 0; p < n3; p++) {
    const l = labels[p];
    if (l === LABEL_OUTSIDE) continue;
    const k = boneKind[p];
    bits[p] =
      1 |
      (l === LABEL_LUNG ? 2 : 0) |
      (l === LABEL_HEART ? 4 : 0) |
      (l === LABEL_AORTA ? 8 : 0) |
      (k === BONE_SPINE ? 16 : 0) |
      (k === BONE_STERNUM ? 32 : 0) |
      (k === BONE_OTHER ? 64 : 0);
  }
  const bufs: Float32Array[] = names.map(() => new Float32Array(3 * 1024));
  const counts = new Int32Array(names.length);
  for (let c = 0; c < nz; c++) {
    const z = g.z[c];
    for (let b = 0; b < ny; b++) {
      const row = (c * ny + b) * nx;
      for (let a = 0; a < nx; a++) {
        const p = row + a;
        const own = bits[p];
        if (!own) continue;
        // Bits present here and all in-plane neighbours (the image edge counts as present).
        let inPlane = own;
        if (a > 0) inPlane &= bits[p - 1];
        if (a < nx - 1) inPlane &= bits[p + 1];
        if (b > 0) inPlane &= bits[p - nx];
        if (b < ny - 1) inPlane &= bits[p + nx];
        let all = inPlane;
        if (c > 0) all &= bits[p - n2];
        if (c < nz - 1) all &= bits[p + n2];
        // The body's surface is in-plane only (its top and bottom slices are not a surface).
        const edge = (own & ~all & ~1) | (own & ~inPlane & 1);
        if (!edge) continue;
        for (let s = 0; s < names.length; s++) {
          if (!(edge & (1 << s))) continue;
          let buf = bufs[s];
          const n = counts[s];
          if (3 * n + 3 > buf.length) {
            const grown = new Float32Array(buf.length * 2);
            grown.set(buf);
            bufs[s] = buf = grown;
          }
          buf[3 * n] = g.x0 + a * g.dx;
          buf[3 * n + 1] = g.y0 + b * g.dy;
          buf[3 * n + 2] = z;
          counts[s] = n + 1;
        }
      }
    }
  }
  const out = {} as Record<Structure, PointIndex>;
  names.forEach((name, s) => (out[name] = new PointIndex(bufs[s].slice(0, 3 * counts[s]))));
  return out;
}
