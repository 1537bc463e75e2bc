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
 *
 * The steps live by structure: body-lungs.ts (body, lungs, carina), bone.ts (bone, spine,
 * sternum), aorta.ts (discs, descending and ascending aorta, root), heart.ts (heart mask, apex,
 * frame) and surfaces.ts (surfaces for distance queries), on the grid of grid.ts, with the
 * label codes of common.ts. This file runs them in order, applies the plausibility gates and
 * answers the queries; every name callers import from core/anatomy is exported here.
 */
import type { CtVolume, Vec3 } from '../types';
import { add, dot, norm, scale, sub } from '../math';
import { buildGrid, cropGrid, Edt2d, gridVoxelAt, type AnatomyGrid, type PointIndex } from './grid';
import { LABEL_AORTA, LABEL_HEART, LABEL_LUNG, LABEL_OUTSIDE } from './common';
import { bodyBox, findCarina, findLungs, markBody } from './body-lungs';
import { findBone } from './bone';
import { findDiscs, paintDisc, trackAscending, trackDescending, type AortaSection } from './aorta';
import {
  findApex,
  findHeart,
  heartFrame,
  LEFT_OSTIUM_DIRECTION,
  maskCentroid,
  PRIOR_LONG_AXIS,
  RIGHT_OSTIUM_DIRECTION,
  type HeartFrame,
} from './heart';
import { buildSurfaces, emptySurfaces, type Structure } from './surfaces';

export { gridToPatient, patientToGrid, gridVoxelAt, type AnatomyGrid } from './grid';
export {
  LABEL_OUTSIDE,
  LABEL_BODY,
  LABEL_LUNG,
  LABEL_BONE,
  LABEL_HEART,
  LABEL_AORTA,
  BONE_NONE,
  BONE_SPINE,
  BONE_STERNUM,
  BONE_OTHER,
} from './common';
export { PRIOR_LONG_AXIS, LEFT_OSTIUM_DIRECTION, RIGHT_OSTIUM_DIRECTION, type HeartFrame } from './heart';
export type { AortaSection } from './aorta';
export type { Structure } from './surfaces';

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
  /** Reused 3D component buffers. */
  const ccLabels = new Int32Array(n3);
  const ccQueue = new Int32Array(n3);
  lap('body');

  // ---- 2. Lungs.
  const { lungVolumeMl, lungCentreY, midlineX } = findLungs(grid, labels, voxelMl, ccLabels, ccQueue);
  lap('lungs');

  // ---- 3. Bone.
  const spineXY = findBone(grid, labels, boneKind, midlineX, lungCentreY, voxelMl, ccLabels, ccQueue);
  const spineFound = countFinite(spineXY) > 0;
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
    if (apex) frame = heartFrame(root, apex, heartVolumeMl);
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
    const length = norm(sub(apex, root));
    if (length < 50 || length > 180) fail(`the root-to-apex distance is ${Math.round(length)} mm (50-180 mm expected)`);
    const angle = (Math.acos(Math.max(-1, Math.min(1, dot(frame.long, PRIOR_LONG_AXIS)))) * 180) / Math.PI;
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
  const leftOstium = root && aortaRadius ? add(root, scale(LEFT_OSTIUM_DIRECTION, aortaRadius)) : null;
  const rightOstium = root && aortaRadius ? add(root, scale(RIGHT_OSTIUM_DIRECTION, aortaRadius)) : null;
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

/** The number of slices with a spine centre in spineXY (x, y per slice; NaN where none). */
function countFinite(a: Float32Array): number {
  let n = 0;
  for (let q = 0; q < a.length; q += 2) if (Number.isFinite(a[q])) n++;
  return n;
}
