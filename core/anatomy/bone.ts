/**
 * Bone of the anatomy finder (step 3 of the recipe in core/anatomy/index.ts), on the coarse
 * grid: dense blocks inside the body (mean >= 150 HU, or a thin cortex >= 400 HU over non-fat
 * tissue) in 3D components of at least 2 ml; the spine as the bone column behind the lungs'
 * centre near the midline present on most slices; the sternum as the bone in front of the
 * lungs near the midline; the rest ribs, costal cartilage and other bone. Pure.
 */
import { median } from '../math';
import { components2d, components3d, gridIndex, type AnatomyGrid } from './grid';
import { BONE_OTHER, BONE_SPINE, BONE_STERNUM, LABEL_BODY, LABEL_BONE } from './common';

/**
 * Bone: labels the bone voxels LABEL_BONE and their kind in boneKind (spine, sternum, other),
 * and returns the per-slice spine centre (see findSpine). ccLabels and ccQueue are the caller's
 * reused 3D component buffers.
 */
export function findBone(
  grid: AnatomyGrid,
  labels: Uint8Array,
  boneKind: Uint8Array,
  midlineX: number,
  lungCentreY: number,
  voxelMl: number,
  ccLabels: Int32Array,
  ccQueue: Int32Array,
): Float32Array {
  const { nx, ny, nz, mean } = grid;
  const n3 = nx * ny * nz;
  const boneCand = new Uint8Array(n3);
  // Block mean >= 150 HU, or a thin cortex: some voxel >= 400 HU in a block of non-fat tissue (ribs thinner than a block).
  const dense = grid.dense;
  for (let p = 0; p < n3; p++) boneCand[p] = labels[p] === LABEL_BODY && (mean[p] >= 150 || (dense[p] && mean[p] >= 0)) ? 1 : 0;
  {
    const { labels: cl, sizes } = components3d(boneCand, nx, ny, nz, ccLabels, ccQueue);
    const minVox = 2 / voxelMl;
    for (let p = 0; p < n3; p++) if (cl[p] && sizes[cl[p]] >= minVox) labels[p] = LABEL_BONE;
  }
  const spineXY = findSpine(grid, labels, midlineX, lungCentreY, boneKind);
  // Sternum: bone near the midline, in front of the lungs' centre by more than 30 mm; the rest is other bone.
  for (let c = 0; c < nz; c++)
    for (let b = 0; b < ny; b++) {
      const y = grid.y0 + b * grid.dy;
      for (let a = 0; a < nx; a++) {
        const p = gridIndex(grid, a, b, c);
        if (labels[p] !== LABEL_BONE || boneKind[p]) continue;
        const x = grid.x0 + a * grid.dx;
        boneKind[p] = Math.abs(x - midlineX) < 30 && y < lungCentreY - 30 ? BONE_STERNUM : BONE_OTHER;
      }
    }
  return spineXY;
}

/**
 * The spine: the bone column behind the lungs' centre present on the most slices near the
 * midline. Marks spine voxels in boneKind and returns the per-slice spine centre (x, y; NaN
 * where none), after rejecting slices whose centre is more than 20 mm from the median.
 */
function findSpine(g: AnatomyGrid, labels: Uint8Array, midlineX: number, lungCentreY: number, boneKind: Uint8Array): Float32Array {
  const { nx, ny, nz } = g;
  const n2 = nx * ny;
  const xy = new Float32Array(2 * nz).fill(NaN);
  if (!Number.isFinite(midlineX)) return xy;
  // Fraction of slices with bone at each (a, b), behind the lungs' centre and within 45 mm of the midline.
  const freq = new Float32Array(n2);
  for (let c = 0; c < nz; c++) {
    const off = c * n2;
    for (let p = 0; p < n2; p++) if (labels[off + p] === LABEL_BONE) freq[p]++;
  }
  const column = new Uint8Array(n2);
  for (let b = 0; b < ny; b++) {
    const y = g.y0 + b * g.dy;
    for (let a = 0; a < nx; a++) {
      const x = g.x0 + a * g.dx;
      const p = b * nx + a;
      column[p] = freq[p] / nz >= 0.3 && Math.abs(x - midlineX) < 45 && (y > lungCentreY || !Number.isFinite(lungCentreY)) ? 1 : 0;
    }
  }
  const lab = new Int32Array(n2);
  const queue = new Int32Array(n2);
  const sizes = components2d(column, 0, nx, ny, lab, queue);
  let best = 0;
  for (let l = 1; l < sizes.length; l++) if (sizes[l] > (sizes[best] ?? 0)) best = l;
  const pixelMm2 = Math.abs(g.dx * g.dy);
  if (best === 0 || sizes[best] * pixelMm2 < 150) return xy;
  // Grow the column by ~10 mm so every vertebra's outline is in.
  const grow = Math.max(1, Math.round(10 / Math.abs(g.dx)));
  const inColumn = new Uint8Array(n2);
  for (let p = 0; p < n2; p++) {
    if (lab[p] !== best) continue;
    const b = (p / nx) | 0;
    const a = p - b * nx;
    for (let db = -grow; db <= grow; db++)
      for (let da = -grow; da <= grow; da++) {
        const aa = a + da;
        const bb = b + db;
        if (aa >= 0 && bb >= 0 && aa < nx && bb < ny) inColumn[bb * nx + aa] = 1;
      }
  }
  const cx: number[] = [];
  const cy: number[] = [];
  for (let c = 0; c < nz; c++) {
    const off = c * n2;
    let s = 0;
    let sx = 0;
    let sy = 0;
    for (let p = 0; p < n2; p++) {
      if (!inColumn[p] || labels[off + p] !== LABEL_BONE) continue;
      const b = (p / nx) | 0;
      const a = p - b * nx;
      s++;
      sx += g.x0 + a * g.dx;
      sy += g.y0 + b * g.dy;
    }
    if (s * pixelMm2 >= 100) {
      xy[2 * c] = sx / s;
      xy[2 * c + 1] = sy / s;
      cx.push(sx / s);
      cy.push(sy / s);
    }
  }
  if (cx.length === 0) return xy;
  const mx = median(cx);
  const my = median(cy);
  for (let c = 0; c < nz; c++) {
    if (!Number.isFinite(xy[2 * c])) continue;
    if (Math.hypot(xy[2 * c] - mx, xy[2 * c + 1] - my) > 20) {
      xy[2 * c] = NaN;
      xy[2 * c + 1] = NaN;
      continue;
    }
    const off = c * n2;
    for (let p = 0; p < n2; p++) if (inColumn[p] && labels[off + p] === LABEL_BONE) boneKind[off + p] = BONE_SPINE;
  }
  return xy;
}
