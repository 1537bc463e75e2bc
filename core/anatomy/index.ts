/**
 * Deterministic anatomy of a non-contrast chest or cardiac CT, without training: body, lungs,
 * bone (spine, sternum, ribs and costal cartilage), descending and ascending aorta, the aortic
 * root, the heart and a heart frame. Works on full chest CT and on gated heart-only fields of
 * view (200-250 mm, lungs touching the image border, sometimes no spine), 0.5-5 mm slices.
 *
 * Recipe (docs/labelling.md §2 and §5), on a coarse grid of about 2.5 mm:
 *  1. air outside the patient: grid voxels below -930 HU connected to the image border through
 *     such voxels, seeded only where the border is below -950 HU (so lungs that touch the
 *     border of a gated field of view stay inside, told apart by density, not by connection);
 *     the body is the largest 2D component of the rest on each slice (drops table, clothing);
 *  2. lungs: air (< -400 HU) inside the body, 3D components of at least 20 ml;
 *  3. bone: block mean >= 150 HU, or block maximum >= 400 HU over non-fat tissue (thin rib
 *     cortex), inside the body, in 3D components of at least 2 ml (small calcium is not bone); the spine is the bone column present on most slices behind the lungs' centre
 *     (per-slice positions far from the median are rejected, e.g. the scapula); the sternum
 *     the bone in front of the mediastinum near the midline; the rest are ribs/cartilage;
 *  3b. carina: the trachea (the largest air tube near the midline in front of the spine on the
 *     top slices) followed down to where it splits into two main bronchi side by side;
 *  4. aorta: round soft-tissue discs (2D distance transform maxima, radius >= 8.5 mm, a fat
 *     or lung rim); the descending aorta beside the spine, tracked along z; the ascending aorta
 *     by continuity with the arch: started just above the top of the descending track (the top
 *     slice on a gated field of view), radius >= 11 mm, in front of the descending aorta, at
 *     most 20 mm left of the midline (the pulmonary trunk lies further left), tracked down
 *     through slices where it touches a neighbour (bridged when it is round again within
 *     16 mm), its radius held to that of its first 25 mm, never stepping to the patient's right
 *     below the arch's curve (the right atrial appendage or a vena cava), until it merges into
 *     the heart: that point is the aortic root. A track shorter than 35 mm below an arch is not
 *     trusted (the vena cava, a hilar vessel), nor one longer than 200 mm;
 *  5. heart: soft tissue between the lungs (row by row; the image border counts as a bound
 *     where the body is cut), in front of the spine and the descending aorta, below the root,
 *     opened by 8 mm so vessels and the pericardial rim drop off, the 3D component next to the
 *     root, fenced to 85 mm around its centre (the liver dome);
 *  6. frame: origin at the root; long axis to the apex (the heart's extreme along the textbook
 *     left-anterior-inferior axis, within 50 degrees of it); anterior axis.
 *  7. plausibility gates (lungs, heart volume, root-apex length, axis direction, the root
 *     5-110 mm below the carina); when one fails, found = false with a warning, and the caller
 *     leaves every candidate to the reader.
 *
 * Label map codes (Anatomy.labels, one byte per grid voxel): LABEL_OUTSIDE 0 (air, table,
 * clothing), LABEL_BODY 1 (other tissue), LABEL_LUNG 2, LABEL_BONE 3, LABEL_HEART 4,
 * LABEL_AORTA 5. Bone is further split in Anatomy.boneKind (0 none, 1 spine, 2 sternum,
 * 3 rib/cartilage/other bone).
 */
import type { CtVolume, Vec3 } from '../types';
import { median } from '../math';
import {
  buildGrid,
  cropGrid,
  components2d,
  components3d,
  Edt2d,
  gridIndex,
  gridToPatient,
  gridVoxelAt,
  PointIndex,
  type AnatomyGrid,
} from './grid';

export { gridToPatient, patientToGrid, gridVoxelAt, type AnatomyGrid } from './grid';

export const LABEL_OUTSIDE = 0;
export const LABEL_BODY = 1;
export const LABEL_LUNG = 2;
export const LABEL_BONE = 3;
export const LABEL_HEART = 4;
export const LABEL_AORTA = 5;

export const BONE_NONE = 0;
export const BONE_SPINE = 1;
export const BONE_STERNUM = 2;
export const BONE_OTHER = 3;

/**
 * Exclusion zones (Anatomy.zones, a bit mask per grid voxel): calcium there is not coronary,
 * whatever its position in the heart frame says. Each keeps its reason as a non-coronary
 * subclass for the reader.
 */
export const ZONE_CAGE = 1; // on the bony cage: within 12 mm of its hull (ribs, costal cartilage, sternum, spine)
export const ZONE_AORTA = 2; // the aortic wall, annulus to arch to descending aorta
export const ZONE_VALVE = 4; // the aortic valve zone inside the root
export const ZONE_MITRAL = 8; // the mitral annulus (left atrioventricular junction, inside the heart)
export const ZONE_HILUM = 16; // the hila and the posterior mediastinum (nodes, bronchi, oesophagus)
/** The non-coronary subclass named by each zone bit (the rule labeller's fineClass). */
export const ZONE_SUBCLASS: Readonly<Record<number, string>> = Object.freeze({
  [ZONE_CAGE]: 'bone',
  [ZONE_AORTA]: 'aortic-wall',
  [ZONE_VALVE]: 'aortic-valve',
  [ZONE_MITRAL]: 'mitral-annulus',
  [ZONE_HILUM]: 'hilum',
});

/** The structures whose surfaces distance queries can ask for. */
export type Structure = 'body' | 'lung' | 'heart' | 'aorta' | 'spine' | 'sternum' | 'ribs';

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

/** One tracked aorta cross-section. */
export interface AortaSection {
  centreMm: Vec3;
  radiusMm: number;
}

export interface Anatomy {
  /** True when a heart, aortic root and frame were found and passed the plausibility gates. */
  found: boolean;
  /** What could not be found or looks implausible; every one a full sentence for the reader. */
  warnings: string[];
  /** Milliseconds per step (grid, body, lungs, bone, aorta, heart, frame, surfaces, total). */
  timingsMs: Record<string, number>;
  /** The working grid (block means and maxima, ~2.5 mm). */
  grid: AnatomyGrid;
  /** One label per grid voxel (LABEL_* codes). When found is false, LABEL_HEART marks the rejected candidate (diagnostic only). */
  labels: Uint8Array;
  /** Per grid voxel, which bone (BONE_* codes; 0 where not bone). */
  boneKind: Uint8Array;
  /** The aortic root (patient mm); null unless found (as are frame, heartCentreMm, apexMm and the ostia). */
  aorticRootMm: Vec3 | null;
  /** Heart frame, or null when the heart or root was not found. */
  frame: HeartFrame | null;
  /** Heart mask centroid (patient mm), or null. */
  heartCentreMm: Vec3 | null;
  /** Apex estimate (patient mm), or null. */
  apexMm: Vec3 | null;
  heartVolumeMl: number;
  lungVolumeMl: number;
  /** Ascending aorta radius near the root (mm), or null. */
  aortaRadiusMm: number | null;
  /** Tracked sections: ascending (top to root) and descending aorta. */
  ascendingAorta: AortaSection[];
  descendingAorta: AortaSection[];
  /** Predicted ostia (patient mm) from the root and the aorta radius; null without a root. */
  leftOstiumMm: Vec3 | null;
  rightOstiumMm: Vec3 | null;
  /** Spine centre per grid slice (patient x, y; NaN where none) and the mid-sagittal x used. */
  spineXY: Float32Array;
  midlineXMm: number;
  /** Surface point sets for distance queries (see distanceToMm). */
  surfaces: Record<Structure, PointIndex>;
  /** Exclusion zones per grid voxel (ZONE_* bits; 0 = none). */
  zones: Uint8Array;
  /** The carina (tracheal bifurcation, patient mm), or null where the trachea was not followed to it. */
  carinaMm: Vec3 | null;
}

export interface AnatomyOptions {
  /** Working grid step (mm); default 2.5. */
  gridMm?: number;
}

// ---------------------------------------------------------------------------------------------
// Small vector helpers (local, so the pure core has no dependency on the phantom's).
const vsub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const vadd = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const vscale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const vdot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const vnorm = (a: Vec3): number => Math.sqrt(vdot(a, a));
const vunit = (a: Vec3): Vec3 => vscale(a, 1 / (vnorm(a) || 1));
const vcross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Textbook long axis of the heart in LPS (towards the patient's left, front and feet). */
export const PRIOR_LONG_AXIS: Vec3 = vunit([0.55, -0.45, -0.7]);
/** Directions (LPS, axial plane) from the root centre to the left and right coronary ostia. */
export const LEFT_OSTIUM_DIRECTION: Vec3 = vunit([0.85, -0.4, 0]);
export const RIGHT_OSTIUM_DIRECTION: Vec3 = vunit([-0.55, -0.83, 0]);

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Find the anatomy of a CT volume (see the file comment for the recipe). */
export function findAnatomy(volume: CtVolume, opts: AnatomyOptions = {}): Anatomy {
  const t0 = now();
  const timings: Record<string, number> = {};
  let tLast = t0;
  const lap = (name: string) => {
    const t = now();
    timings[name] = Math.round((t - tLast) * 10) / 10;
    tLast = t;
  };
  const warnings: string[] = [];
  const axial =
    Math.abs(volume.rowCosines[0]) > 0.95 && Math.abs(volume.columnCosines[1]) > 0.95 && Math.abs(volume.normal[2]) > 0.95;
  const fullGrid = buildGrid(volume, opts.gridMm ?? 2.5);
  lap('grid');
  const nz = fullGrid.nz;
  const fullLabels = new Uint8Array(fullGrid.nx * fullGrid.ny * nz);
  const emptyResult = (): Anatomy => ({
    found: false,
    warnings,
    timingsMs: timings,
    grid: fullGrid,
    labels: fullLabels,
    boneKind: new Uint8Array(fullLabels.length),
    aorticRootMm: null,
    frame: null,
    heartCentreMm: null,
    apexMm: null,
    heartVolumeMl: 0,
    lungVolumeMl: 0,
    aortaRadiusMm: null,
    ascendingAorta: [],
    descendingAorta: [],
    leftOstiumMm: null,
    rightOstiumMm: null,
    spineXY: new Float32Array(2 * nz).fill(NaN),
    midlineXMm: NaN,
    surfaces: emptySurfaces(),
    zones: new Uint8Array(fullLabels.length),
    carinaMm: null,
  });
  if (!axial) {
    warnings.push(
      'Anatomy not searched: the slices are not axial, so the heart, aortic root and frame were not found; every candidate is left for the reader to label.',
    );
    timings.total = Math.round((now() - t0) * 10) / 10;
    return emptyResult();
  }

  // ---- 1. Outside air and body; then crop the grid to the body's bounding box (+1 voxel).
  markBody(fullGrid, fullLabels);
  const box = bodyBox(fullGrid, fullLabels);
  if (!box) {
    warnings.push('Anatomy: no body was found in the image; every candidate is left for the reader to label.');
    timings.total = Math.round((now() - t0) * 10) / 10;
    return emptyResult();
  }
  const { grid, labels } = cropGrid(fullGrid, fullLabels, box[0], box[1], box[2], box[3]);
  const { nx, ny } = grid;
  const n2 = nx * ny;
  const n3 = n2 * nz;
  const boneKind = new Uint8Array(n3);
  const voxelMl = (Math.abs(grid.dx) * Math.abs(grid.dy) * grid.dzMm) / 1000;
  const mean = grid.mean;
  /** Reused 3D component buffers. */
  const ccLabels = new Int32Array(n3);
  const ccQueue = new Int32Array(n3);
  lap('body');

  // ---- 2. Lungs.
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
  lap('lungs');

  // ---- 3. Bone.
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
  const spineFound = countFinite(spineXY) > 0;
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
  lap('bone');

  const carina = findCarina(grid, labels, spineXY, midlineX);
  lap('carina');

  // ---- 4. Aorta.
  const edt = new Edt2d(nx, ny, grid.dx, grid.dy);
  const discs = findDiscs(grid, labels, edt);
  const descending = spineFound ? trackDescending(grid, discs, spineXY) : [];
  const ascending = trackAscending(grid, discs, descending, midlineX, lungCentreY);
  const aortaMask = new Uint8Array(n3);
  for (const s of descending) paintDisc(grid, aortaMask, s, 4);
  for (const s of ascending) paintDisc(grid, aortaMask, s, 2);
  let root: Vec3 | null = null;
  let aortaRadius: number | null = null;
  if (ascending.length >= 2) {
    const last = ascending[ascending.length - 1];
    root = [last.centreMm[0], last.centreMm[1], last.centreMm[2]];
    const tail = ascending.slice(-3);
    aortaRadius = tail.reduce((s, q) => s + q.radiusMm, 0) / tail.length;
  } else {
    warnings.push(
      'Anatomy: the ascending aorta was not found, so there is no aortic root and no heart frame; every candidate is left for the reader to label.',
    );
  }
  for (let p = 0; p < n3; p++) if (aortaMask[p] && labels[p] !== LABEL_LUNG) labels[p] = LABEL_AORTA;
  lap('aorta');

  // ---- 5. Heart.
  let heartVox = 0;
  let heartCentre: Vec3 | null = null;
  if (root) {
    heartVox = findHeart(grid, labels, boneKind, spineXY, root, edt);
    if (heartVox > 0) heartCentre = maskCentroid(grid, labels, LABEL_HEART);
  }
  const heartVolumeMl = heartVox * voxelMl;
  lap('heart');

  // ---- 6. Frame.
  let frame: HeartFrame | null = null;
  let apex: Vec3 | null = null;
  if (root && heartCentre && heartVox > 0) {
    apex = findApex(grid, labels, root, heartCentre);
    if (apex) {
      const long = vunit(vsub(apex, root));
      const ant0: Vec3 = [0, -1, 0];
      const anterior = vunit(vsub(ant0, vscale(long, vdot(ant0, long))));
      const third = vcross(long, anterior);
      const heartRadiusMm = Math.cbrt((3 * heartVolumeMl * 1000) / (4 * Math.PI));
      frame = { origin: root, long, anterior, third, heartRadiusMm };
    }
  }
  lap('frame');

  // ---- 7. Plausibility.
  let found = frame !== null;
  const fail = (why: string) => {
    found = false;
    warnings.push(`Anatomy: ${why}; the heart was not found plausibly, so every candidate is left for the reader to label.`);
  };
  if (lungVolumeMl < 100) fail(`only ${Math.round(lungVolumeMl)} ml of lung were found (at least 100 ml expected)`);
  if (root && heartVox === 0) fail('no heart was found below the aortic root');
  if (frame && apex && root && heartCentre) {
    if (heartVolumeMl < 150 || heartVolumeMl > 1800) fail(`the heart region measures ${Math.round(heartVolumeMl)} ml (150-1800 ml expected)`);
    const length = vnorm(vsub(apex, root));
    if (length < 50 || length > 180) fail(`the root-to-apex distance is ${Math.round(length)} mm (50-180 mm expected)`);
    const angle = (Math.acos(Math.max(-1, Math.min(1, vdot(frame.long, PRIOR_LONG_AXIS)))) * 180) / Math.PI;
    if (angle > 60) fail(`the long axis points ${Math.round(angle)} degrees away from the usual left-anterior-inferior direction`);
    if (heartCentre[2] > root[2]) fail('the heart centre lies above the aortic root');
    // The root lies a few centimetres below the tracheal bifurcation; far off, one of them is
    // another structure (a vena cava or hilar vessel tracked as the aorta).
    if (carina && (carina[2] - root[2] < 5 || carina[2] - root[2] > 110)) {
      fail(`the aortic root lies ${Math.round(carina[2] - root[2])} mm below the carina (5-110 mm expected)`);
    }
  } else if (root && heartVox > 0 && !apex) fail('no apex was found');
  if (!spineFound) warnings.push('Anatomy: no spine in the field of view; distances to the spine are not available.');

  // ---- Surfaces for distance queries.
  const surfaces = buildSurfaces(grid, labels, boneKind);
  lap('surfaces');
  timings.total = Math.round((now() - t0) * 10) / 10;
  const leftOstium = root && aortaRadius ? vadd(root, vscale(LEFT_OSTIUM_DIRECTION, aortaRadius)) : null;
  const rightOstium = root && aortaRadius ? vadd(root, vscale(RIGHT_OSTIUM_DIRECTION, aortaRadius)) : null;
  return {
    found,
    warnings,
    timingsMs: timings,
    grid,
    labels,
    boneKind,
    // Landmarks only when they passed the gates: nothing is guessed silently.
    aorticRootMm: found ? root : null,
    frame: found ? frame : null,
    heartCentreMm: found ? heartCentre : null,
    apexMm: found ? apex : null,
    heartVolumeMl,
    lungVolumeMl,
    aortaRadiusMm: aortaRadius,
    ascendingAorta: ascending,
    descendingAorta: descending,
    leftOstiumMm: found ? leftOstium : null,
    rightOstiumMm: found ? rightOstium : null,
    spineXY,
    midlineXMm: midlineX,
    surfaces,
    zones: new Uint8Array(n3),
    carinaMm: carina,
  };
}

// ---------------------------------------------------------------------------------------------
// Queries.

/** The label (LABEL_* code) of the grid voxel containing a patient point; LABEL_OUTSIDE beyond the grid. */
export function labelAt(anatomy: Anatomy, p: Vec3): number {
  const q = gridVoxelAt(anatomy.grid, p);
  return q < 0 ? LABEL_OUTSIDE : anatomy.labels[q];
}

/** Distance (mm) from a patient point to the surface of a structure, capped at capMm (default 150). */
export function distanceToMm(anatomy: Anatomy, structure: Structure, p: Vec3, capMm = 150): number {
  return anatomy.surfaces[structure].nearest(p, capMm);
}

/** Signed distance (mm) to the heart contour: negative inside the heart mask, positive outside. */
export function signedHeartDistanceMm(anatomy: Anatomy, p: Vec3, capMm = 150): number {
  const d = anatomy.surfaces.heart.nearest(p, capMm);
  return labelAt(anatomy, p) === LABEL_HEART ? -d : d;
}

/** Signed distance (mm) to the aortic wall: negative inside the aorta mask. */
export function signedAortaDistanceMm(anatomy: Anatomy, p: Vec3, capMm = 150): number {
  const d = anatomy.surfaces.aorta.nearest(p, capMm);
  return labelAt(anatomy, p) === LABEL_AORTA ? -d : d;
}

// ---------------------------------------------------------------------------------------------
// Steps.

function emptySurfaces(): Record<Structure, PointIndex> {
  const e = () => new PointIndex(new Float32Array(0));
  return { body: e(), lung: e(), heart: e(), aorta: e(), spine: e(), sternum: e(), ribs: e() };
}

function countFinite(a: Float32Array): number {
  let n = 0;
  for (let q = 0; q < a.length; q += 2) if (Number.isFinite(a[q])) n++;
  return n;
}

/** Inclusive block bounds [a0, a1, b0, b1] of the body over all slices, grown by one voxel; null when there is no body. */
function bodyBox(g: AnatomyGrid, labels: Uint8Array): [number, number, number, number] | null {
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
function markBody(g: AnatomyGrid, labels: Uint8Array): void {
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


/** A round soft-tissue disc on one grid slice: centre (patient mm), radius, and the share of its rim that is fat or lung. */
interface Disc {
  c: number;
  x: number;
  y: number;
  r: number;
  rim: number;
}

/** Squared in-plane distance (mm^2) to the nearest voxel that is not dense tissue (-40..300 HU inside the body, not bone), for slice c. */
function denseDistance(g: AnatomyGrid, labels: Uint8Array, edt: Edt2d, c: number, scratch: Uint8Array): Float32Array {
  const n2 = g.nx * g.ny;
  const off = c * n2;
  const mean = g.mean;
  for (let p = 0; p < n2; p++) {
    const h = mean[off + p];
    scratch[p] = labels[off + p] === LABEL_BODY && h >= -40 && h < 300 ? 0 : 1;
  }
  return edt.run(scratch);
}

const RING_N = 24;
const RING_COS = Float64Array.from({ length: RING_N }, (_, t) => Math.cos((2 * Math.PI * t) / RING_N));
const RING_SIN = Float64Array.from({ length: RING_N }, (_, t) => Math.sin((2 * Math.PI * t) / RING_N));

/** Share of a ring 1.5 grid steps outside a disc (grid centre a, b; radius r mm) on slice c that is fat or lung (< -40 HU); -1 when half the ring is outside the image. */
function rimFraction(g: AnatomyGrid, c: number, a: number, b: number, r: number): number {
  const step = Math.abs(g.dx);
  const rr = r + 1.5 * step;
  const off = c * g.nx * g.ny;
  let fat = 0;
  let total = 0;
  for (let t = 0; t < RING_N; t++) {
    const aa = Math.round(a + (rr * RING_COS[t]) / step);
    const bb = Math.round(b + (rr * RING_SIN[t]) / Math.abs(g.dy));
    if (aa < 0 || bb < 0 || aa >= g.nx || bb >= g.ny) continue;
    total++;
    if (g.mean[off + bb * g.nx + aa] < -40) fat++;
  }
  return total < RING_N / 2 ? -1 : fat / total;
}

/**
 * Candidate vessel cross-sections per slice: local maxima of the in-plane distance transform of
 * dense tissue with radius 8.5-24 mm, scored by the share of a ring just outside the disc that
 * is fat or lung.
 */
function findDiscs(g: AnatomyGrid, labels: Uint8Array, edt: Edt2d): Disc[][] {
  const { nx, ny, nz } = g;
  const n2 = nx * ny;
  const scratch = new Uint8Array(n2);
  const out: Disc[][] = [];
  // Only slices through the chest (some lung): the aorta below the diaphragm is not needed.
  const lungCount = new Int32Array(nz);
  for (let c = 0; c < nz; c++) for (let p = c * n2; p < (c + 1) * n2; p++) if (labels[p] === LABEL_LUNG) lungCount[c]++;
  let maxLung = 0;
  for (let c = 0; c < nz; c++) if (lungCount[c] > maxLung) maxLung = lungCount[c];
  for (let c = 0; c < nz; c++) {
    if (lungCount[c] < 0.05 * maxLung) {
      out.push([]);
      continue;
    }
    const d2 = denseDistance(g, labels, edt, c, scratch);
    const discs: Disc[] = [];
    for (let b = 1; b < ny - 1; b++)
      for (let a = 1; a < nx - 1; a++) {
        const p = b * nx + a;
        const v = d2[p];
        if (v < 8.5 * 8.5 || v > 24 * 24) continue;
        // Local maximum over the 8 neighbours (ties broken towards lower index).
        let isMax = true;
        for (let db = -1; db <= 1 && isMax; db++)
          for (let da = -1; da <= 1; da++) {
            if (!da && !db) continue;
            const q = p + db * nx + da;
            if (d2[q] > v || (d2[q] === v && q < p)) {
              isMax = false;
              break;
            }
          }
        if (!isMax) continue;
        const r = Math.sqrt(v);
        const rim = rimFraction(g, c, a, b, r);
        if (rim < 0) continue;
        discs.push({ c, x: g.x0 + a * g.dx, y: g.y0 + b * g.dy, r, rim });
      }
    out.push(discs);
  }
  return out;
}

/** The descending aorta: per slice, the best disc 10-70 mm left-front of the spine centre; outliers from the median dropped. */
function trackDescending(g: AnatomyGrid, discs: Disc[][], spineXY: Float32Array): AortaSection[] {
  const picks: (Disc | null)[] = [];
  let lastSpine: [number, number] | null = null;
  for (let c = 0; c < g.nz; c++) {
    if (Number.isFinite(spineXY[2 * c])) lastSpine = [spineXY[2 * c], spineXY[2 * c + 1]];
  }
  const spineAt = (c: number): [number, number] | null => {
    if (Number.isFinite(spineXY[2 * c])) return [spineXY[2 * c], spineXY[2 * c + 1]];
    // Nearest slice with a spine position.
    for (let d = 1; d < g.nz; d++) {
      for (const cc of [c - d, c + d])
        if (cc >= 0 && cc < g.nz && Number.isFinite(spineXY[2 * cc])) return [spineXY[2 * cc], spineXY[2 * cc + 1]];
    }
    return lastSpine;
  };
  for (let c = 0; c < g.nz; c++) {
    const s = spineAt(c);
    let best: Disc | null = null;
    let bestScore = 0;
    if (s)
      for (const d of discs[c]) {
        const dx = d.x - s[0];
        const dy = d.y - s[1];
        // Left of or at the spine's middle, in front of its centre, not far.
        if (dx < -15 || dx > 60 || dy > 5 || dy < -70) continue;
        if (d.r < 8.5 || d.r > 20 || d.rim < 0.3) continue;
        const score = d.r * d.rim;
        if (score > bestScore) {
          bestScore = score;
          best = d;
        }
      }
    picks.push(best);
  }
  const xs = picks.filter((d): d is Disc => d !== null);
  if (xs.length < 3) return [];
  const mx = median(xs.map((d) => d.x));
  const my = median(xs.map((d) => d.y));
  const kept: Disc[] = [];
  for (const d of picks) if (d && Math.hypot(d.x - mx, d.y - my) <= 20) kept.push(d);
  if (kept.length < 3) return [];
  // Fill gaps of up to 60 mm by linear interpolation, and continue 60 mm below the lowest
  // section (through the diaphragm), so the aorta never leaks into the heart mask.
  const rMed = median(kept.map((d) => d.r));
  const out: AortaSection[] = [];
  const at = (c: number): AortaSection | null => {
    let lo: Disc | null = null;
    let hi: Disc | null = null;
    for (const d of kept) {
      if (d.c <= c && (!lo || d.c > lo.c)) lo = d;
      if (d.c >= c && (!hi || d.c < hi.c)) hi = d;
    }
    if (lo && lo.c === c) return { centreMm: [lo.x, lo.y, g.z[c]], radiusMm: lo.r };
    if (lo && hi) {
      if (Math.abs(g.z[hi.c] - g.z[lo.c]) > 60) return null;
      const t = (c - lo.c) / (hi.c - lo.c);
      return { centreMm: [lo.x + t * (hi.x - lo.x), lo.y + t * (hi.y - lo.y), g.z[c]], radiusMm: rMed };
    }
    const end = lo ?? hi!;
    const below = g.z[c] < g.z[end.c];
    if (below && Math.abs(g.z[c] - g.z[end.c]) <= 60) return { centreMm: [end.x, end.y, g.z[c]], radiusMm: rMed };
    return null;
  };
  for (let c = 0; c < g.nz; c++) {
    const s = at(c);
    if (s) out.push(s);
  }
  return out;
}

/**
 * The ascending aorta, tracked from its start slice down to where it merges into the heart.
 * Start: 10 mm above the top of the descending track (where the arch joins it, when the track
 * ends below the top of the scan) or the topmost slice. Candidates: radius 11-24 mm, at least
 * 25 mm in front of the descending aorta (or the spine), within 60 mm right / 20 mm left of the
 * midline (the pulmonary trunk lies further left), fat or lung on at least 40% of the rim.
 */
/** Share of fat or lung the ascending aorta's rim keeps while tracked; below it the aorta has merged into the heart. */
const TRACK_RIM = 0.35;
function trackAscending(
  g: AnatomyGrid,
  discs: Disc[][],
  descending: AortaSection[],
  midlineX: number,
  lungCentreY: number,
): AortaSection[] {
  const up = g.nz > 1 && g.z[g.nz - 1] > g.z[0];
  // Slices from the top (superior) down.
  const order: number[] = [];
  for (let q = 0; q < g.nz; q++) order.push(up ? g.nz - 1 - q : q);
  let startZ = g.z[order[0]];
  let descY = NaN;
  if (descending.length > 0) {
    let topZ = -Infinity;
    for (const s of descending) if (s.centreMm[2] > topZ) topZ = s.centreMm[2];
    const scanTop = Math.max(g.z[0], g.z[g.nz - 1]);
    // Just above the top of the descending track (the arch joins there): the ascending aorta runs through that level.
    if (topZ < scanTop - 10) startZ = Math.min(scanTop, topZ + 10);
    descY = median(descending.map((s) => s.centreMm[1]));
  }
  const limitY = Number.isFinite(descY) ? descY - 25 : Number.isFinite(lungCentreY) ? lungCentreY + 10 : Infinity;
  const ok = (d: Disc) =>
    d.r >= 11 &&
    d.r <= 24 &&
    d.rim >= 0.4 &&
    d.y < limitY &&
    (!Number.isFinite(midlineX) || (d.x - midlineX > -60 && d.x - midlineX < 20));
  // Start candidates: the discs on the slices within 50 mm below startZ, scored larger, rounder
  // and more rightward (the pulmonary trunk lies to the left).
  const score = (d: Disc) => d.r * d.rim * (1 + Math.max(-0.5, Math.min(0.5, (midlineX - d.x) / 100)));
  const starts: Disc[] = [];
  for (const c of order) {
    const z = g.z[c];
    if (z > startZ + 1e-6) continue;
    if (startZ - z > 50) break;
    for (const d of discs[c]) if (ok(d)) starts.push(d);
  }
  starts.sort((x, y) => score(y) - score(x));
  // The best starts (distinct places) are tracked down in order of their score; the first valid
  // track wins. A track that runs to the bottom of the scan (a muscle pocket) or longer than
  // 200 mm is rejected, and so is a short one below an arch (the superior vena cava, a hilar
  // vessel or a merged blob give short round tracks): at least 35 mm. A gated field of view
  // starts a little above the root, so there the aorta may be seen over only a few slices,
  // but never over more than 100 mm (a long tube there is a chamber or the chest wall).
  const bottomZ = Math.min(g.z[0], g.z[g.nz - 1]);
  const scanTop = Math.max(g.z[0], g.z[g.nz - 1]);
  const gatedView = startZ >= scanTop - 1e-6;
  const minLength = gatedView ? 5 : 35;
  const maxLength = gatedView ? 100 : 200;
  const tried: Disc[] = [];
  let best: AortaSection[] = [];
  for (const start of starts) {
    if (tried.length >= 8) break;
    if (tried.some((t) => Math.hypot(t.x - start.x, t.y - start.y) < 8)) continue;
    tried.push(start);
    const track = followAorta(g, discs, order, start);
    if (track.length < 2) continue;
    const endZ = track[track.length - 1].centreMm[2];
    const length = track[0].centreMm[2] - endZ;
    if (endZ - bottomZ < 30 || length > maxLength || length < minLength) continue;
    best = track;
    break;
  }
  return best;
}

/**
 * Follows the ascending aorta down from a start disc until it merges into the heart. A slice
 * where the aorta touches a neighbour (the pulmonary trunk, the right atrial appendage) and
 * gives no separate disc is bridged when the aorta reappears within 16 mm below.
 */
function followAorta(g: AnatomyGrid, discs: Disc[][], order: number[], start: Disc): AortaSection[] {
  const track: AortaSection[] = [{ centreMm: [start.x, start.y, g.z[start.c]], radiusMm: start.r }];
  let prev: Disc = start;
  const from = order.indexOf(start.c);
  const match = (c: number, maxMove: number): Disc | null => {
    // The radius of the track's first 25 mm: below the root a smaller round chamber or the
    // right ventricular outflow can pass for the aorta, so the radius may not drift down.
    const rRef = median(track.filter((q) => track[0].centreMm[2] - q.centreMm[2] <= 25).map((q) => q.radiusMm));
    let next: Disc | null = null;
    let nextD = Infinity;
    for (const d of discs[c]) {
      // About the radius tracked so far (the sinus bulges a little; the heart's top does not stay round).
      if (d.r < 0.78 * rRef || d.r > 1.3 * rRef || d.rim < TRACK_RIM) continue;
      // Below the arch's curve (30 mm), the ascending aorta runs down towards the left
      // ventricle: a step to the patient's right (-x) of more than 3 mm plus 0.3 mm per mm of
      // descent is the right atrial appendage or the superior vena cava taking over.
      const descent = Math.abs(g.z[c] - g.z[prev.c]);
      if (track[0].centreMm[2] - g.z[c] > 30 && d.x - prev.x < -(3 + 0.3 * descent)) continue;
      const dd = Math.hypot(d.x - prev.x, d.y - prev.y);
      if (dd < maxMove && dd < nextD) {
        nextD = dd;
        next = d;
      }
    }
    return next;
  };
  for (let q = from + 1; q < order.length; q++) {
    const c = order[q];
    let next = match(c, 10);
    if (!next) {
      // Bridge: the first slice within 16 mm below where the aorta is a separate disc again.
      let bridged = -1;
      for (let q2 = q + 1; q2 < order.length && Math.abs(g.z[order[q2]] - g.z[c]) <= 16; q2++) {
        const d = match(order[q2], 12);
        if (d) {
          next = d;
          bridged = q2;
          break;
        }
      }
      if (next && bridged > 0) {
        const z0 = track[track.length - 1].centreMm[2];
        const z1 = g.z[next.c];
        for (let q3 = q; q3 < bridged; q3++) {
          const t = (g.z[order[q3]] - z0) / (z1 - z0);
          track.push({ centreMm: [prev.x + t * (next.x - prev.x), prev.y + t * (next.y - prev.y), g.z[order[q3]]], radiusMm: prev.r });
        }
        q = bridged;
      }
    }
    if (!next) break;
    prev = next;
    track.push({ centreMm: [next.x, next.y, g.z[next.c]], radiusMm: next.r });
  }
  return track;
}

function paintDisc(g: AnatomyGrid, mask: Uint8Array, s: AortaSection, extraMm: number): void {
  const c = nearestSlice(g, s.centreMm[2]);
  const a0 = (s.centreMm[0] - g.x0) / g.dx;
  const b0 = (s.centreMm[1] - g.y0) / g.dy;
  const r = s.radiusMm + extraMm;
  const ra = Math.ceil(r / Math.abs(g.dx));
  const rb = Math.ceil(r / Math.abs(g.dy));
  for (let b = Math.floor(b0 - rb); b <= Math.ceil(b0 + rb); b++)
    for (let a = Math.floor(a0 - ra); a <= Math.ceil(a0 + ra); a++) {
      if (a < 0 || b < 0 || a >= g.nx || b >= g.ny) continue;
      const ex = (a - a0) * g.dx;
      const ey = (b - b0) * g.dy;
      if (ex * ex + ey * ey <= r * r) mask[gridIndex(g, a, b, c)] = 1;
    }
}

function nearestSlice(g: AnatomyGrid, z: number): number {
  let best = 0;
  for (let c = 1; c < g.nz; c++) if (Math.abs(g.z[c] - z) < Math.abs(g.z[best] - z)) best = c;
  return best;
}

/**
 * Heart mask: soft tissue (-40..300 HU) between the lungs row by row, in front of the spine,
 * not aorta or bone, from 20 mm above the root down; opened by 8 mm per slice; the 3D
 * component nearest the point 40 mm from the root along the prior axis; fenced to 85 mm
 * around its centroid. Labels the voxels LABEL_HEART and returns their count.
 */
function findHeart(g: AnatomyGrid, labels: Uint8Array, boneKind: Uint8Array, spineXY: Float32Array, root: Vec3, edt: Edt2d): number {
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
  const target = vadd(root, vscale(PRIOR_LONG_AXIS, 40));
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

/**
 * The carina: the trachea is an air tube (block mean < -930 HU, inside the body) of 1-8 cm^2
 * within 30 mm of the midline and in front of the spine on the top slices (the largest such: an air-filled oesophagus is smaller); it is followed
 * down (the component whose centroid lies within 12 mm of the last) until it splits into a
 * left and a right main bronchus (two components of 0.3-6 cm^2 on either side of it, not
 * behind it: an air-filled oesophagus lies behind the trachea).
 * The carina is the last single section's centroid. Null when the trachea is not in the field
 * of view (gated scans) or is lost before it splits.
 */
function findCarina(g: AnatomyGrid, labels: Uint8Array, spineXY: Float32Array, midlineX: number): Vec3 | null {
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

function maskCentroid(g: AnatomyGrid, labels: Uint8Array, label: number): Vec3 | null {
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
function findApex(g: AnatomyGrid, labels: Uint8Array, root: Vec3, centre: Vec3): Vec3 | null {
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

/** Boundary voxels (a 6-neighbour outside the structure; in-plane only for the body) of each structure, as point indexes. One pass with a bit per structure. */
function buildSurfaces(g: AnatomyGrid, labels: Uint8Array, boneKind: Uint8Array): Record<Structure, PointIndex> {
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
