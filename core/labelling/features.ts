/**
 * Per-lesion features for the artery labeller: one row per 2D slice component (the unit the
 * model classifies, so a 3D lesion that runs from one artery into another is labelled per
 * slice), mixing the component's own measures with its parent 3D lesion's context.
 *
 * Every feature is meant to mean the same on the phantom and on real scans: positions are in
 * the heart frame of core/anatomy and divided by the heart radius, distances are in cm of
 * patient space, sizes in mm (log), HU in thousands; nothing depends on the matrix size or the
 * field of view, and only the lesion's z extent and volume depend (weakly) on slice thickness.
 *
 * When anatomy.found is false the frame-dependent features (position, root, aortic wall,
 * ostia, heart contour, share in the heart: FRAME_FEATURES) are 0 and `anatomyFound` is 0; the caller must not
 * auto-label then. Distances to a structure that was not found (e.g. no spine in a gated field
 * of view) are DISTANCE_CAP_CM. Body, bone, lung, size, HU, shape and fat features are always
 * computed.
 */
import type { Anatomy } from '../anatomy/index';
import {
  distanceToMm,
  LABEL_AORTA,
  LABEL_BONE,
  LABEL_HEART,
  LABEL_LUNG,
  LABEL_OUTSIDE,
  signedAortaDistanceMm,
  signedHeartDistanceMm,
} from '../anatomy/index';
import { gridIndexOfSource, gridVoxelAt } from '../anatomy/grid';
import type { LesionSet } from '../scoring/detect';
import { dist, dot } from '../math';
import type { CtVolume, Vec3 } from '../types';

/** Bump whenever the meaning, order or scaling of any feature changes (models check it). */
export const FEATURE_VERSION = 'h5-features-1';

export const FEATURE_NAMES = [
  /** 1 when the heart, root and frame were found plausibly, else 0 (frame features are then 0). */
  'anatomyFound',
  /** Centroid - root along the long axis (root -> apex), / heart radius: height above the base. */
  'frameLong',
  /** ... along the anterior axis, / heart radius. */
  'frameAnterior',
  /** ... along long x anterior (patient right), / heart radius. */
  'frameThird',
  /** Cylindrical radius about the long axis through the root, / heart radius. */
  'cylRadius',
  /** sin and cos of the azimuth about the long axis (0 = anterior, +90 deg = patient right). */
  'cylAzimuthSin',
  'cylAzimuthCos',
  /** Distance to the root, / heart radius. */
  'distRoot',
  /** Signed distance to the aortic wall (cm; negative inside the aorta mask), capped. */
  'distAortaWallCm',
  /** Distances to the predicted left (LM) and right (RCA) coronary ostia (cm). */
  'distLeftOstiumCm',
  'distRightOstiumCm',
  /** Signed distance to the heart contour (cm; negative inside: valves; just outside: coronary fat). */
  'heartSignedCm',
  /** Distances to the spine, sternum and other bone (ribs, costal cartilage) surfaces (cm), capped. */
  'distSpineCm',
  'distSternumCm',
  'distRibsCm',
  /** Depth below the body surface (cm; negative outside the body: table, clothing). */
  'bodyDepthCm',
  /** Fractions of the component's voxels in the anatomy's outside / bone / lung / heart / aorta labels. */
  'fracOutside',
  'fracBone',
  'fracLung',
  'fracHeart',
  'fracAorta',
  /** ln(1 + area in mm^2) of the 2D component. */
  'logAreaMm2',
  /** Peak and mean HU / 1000. */
  'peakHuK',
  'meanHuK',
  /** Share of fat (-190..-30 HU) among the non-calcium pixels within 5 mm of the component, in its slice. */
  'fatFraction5mm',
  /** In-plane shape: 1 - sqrt(minor/major variance); |cos| between the major axis and the direction from the heart centre. */
  'elongation2d',
  'axisRadialCos2d',
  /** Parent 3D lesion: ln(1 + volume mm^3), length sqrt(12 * largest variance) in cm, linearity and planarity of its voxels. */
  'lesionLogVolumeMm3',
  'lesionLengthCm',
  'lesionLinearity',
  'lesionPlanarity',
  /** Parent lesion's extent along z (cm, from slice centres). */
  'lesionZExtentCm',
  /** Rank of the parent lesion by volume in the scan: 0 = largest, 1 = smallest. */
  'lesionRankFrac',
  /** Tube voltage / 120 (1 when unknown): HU of calcium changes with kVp. */
  'kvpRel',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Features set to 0 when anatomy.found is false (the heart, root and frame are then not trusted). */
export const FRAME_FEATURES: readonly FeatureName[] = [
  'frameLong',
  'frameAnterior',
  'frameThird',
  'cylRadius',
  'cylAzimuthSin',
  'cylAzimuthCos',
  'distRoot',
  'distAortaWallCm',
  'distLeftOstiumCm',
  'distRightOstiumCm',
  'heartSignedCm',
  'axisRadialCos2d',
  'fracHeart',
];

/** Distances are capped at this many cm (and take this value when the structure is absent). */
export const DISTANCE_CAP_CM = 15;

const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;

/** Largest number of voxels sampled per component for label fractions. */
const LABEL_SAMPLES = 64;
const FAT_LO = -190;
const FAT_HI = -30;
const FAT_RADIUS_MM = 5;

/** Row-major matrix: set.components.length rows x FEATURE_NAMES.length columns. */
export function componentFeatures(volume: CtVolume, set: LesionSet, anatomy: Anatomy): Float32Array {
  const nf = FEATURE_NAMES.length;
  const comps = set.components;
  const out = new Float32Array(comps.length * nf);
  if (comps.length === 0) return out;
  const { columns, rows } = volume;
  const sliceSize = columns * rows;
  const cs = volume.columnSpacingMm;
  const rs = volume.rowSpacingMm;
  const rc = volume.rowCosines;
  const cc = volume.columnCosines;
  const pos = volume.imagePositionsMm;
  const capMm = DISTANCE_CAP_CM * 10;
  const found = anatomy.found && anatomy.frame !== null;
  const frame = anatomy.frame;
  const kvp = volume.facts.kvp && volume.facts.kvp > 0 ? volume.facts.kvp / 120 : 1;
  const thicknessMm = volume.facts.sliceThicknessMm && volume.facts.sliceThicknessMm > 0 ? volume.facts.sliceThicknessMm : Math.abs(volume.sliceIncrementMm) || 1;

  // ---- Parent lesion context: volume, PCA, z extent, rank.
  const nl = set.lesions.length;
  const lesionVol = new Float64Array(nl);
  const lesionLen = new Float32Array(nl);
  const lesionLin = new Float32Array(nl);
  const lesionPlan = new Float32Array(nl);
  const lesionZExt = new Float32Array(nl);
  const voxelMm3 = cs * rs * Math.abs(volume.sliceIncrementMm);
  const m = new Float64Array(9);
  for (let l = 0; l < nl; l++) {
    const ids = set.lesions[l].componentIds;
    // Moments in patient mm (x, y from column/row spacing, z from the slice position).
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let sxx = 0;
    let syy = 0;
    let szz = 0;
    let sxy = 0;
    let sxz = 0;
    let syz = 0;
    let zMin = Infinity;
    let zMax = -Infinity;
    for (const id of ids) {
      const vox = set.componentVoxels[id - 1];
      const k = set.components[id - 1].slice;
      const z = pos[k][2];
      if (z < zMin) zMin = z;
      if (z > zMax) zMax = z;
      const base = k * sliceSize;
      for (let q = 0; q < vox.length; q++) {
        const r = vox[q] - base;
        const j = (r / columns) | 0;
        const i = r - j * columns;
        const x = i * cs;
        const y = j * rs;
        n++;
        sx += x;
        sy += y;
        sz += z;
        sxx += x * x;
        syy += y * y;
        szz += z * z;
        sxy += x * y;
        sxz += x * z;
        syz += y * z;
      }
    }
    lesionVol[l] = n * voxelMm3;
    lesionZExt[l] = (zMax - zMin) / 10;
    const mx = sx / n;
    const my = sy / n;
    const mz = sz / n;
    // Covariance plus each voxel's own extent (uniform box: spacing^2 / 12), so one voxel is isotropic-ish and resolution matters less.
    m[0] = sxx / n - mx * mx + (cs * cs) / 12;
    m[4] = syy / n - my * my + (rs * rs) / 12;
    m[8] = szz / n - mz * mz + (thicknessMm * thicknessMm) / 12;
    m[1] = m[3] = sxy / n - mx * my;
    m[2] = m[6] = sxz / n - mx * mz;
    m[5] = m[7] = syz / n - my * mz;
    const [l1, l2, l3] = eigenvaluesSym3(m);
    lesionLen[l] = Math.sqrt(12 * Math.max(0, l1)) / 10;
    lesionLin[l] = l1 > 0 ? (l1 - l2) / l1 : 0;
    lesionPlan[l] = l1 > 0 ? (l2 - l3) / l1 : 0;
  }
  const byVolume = Array.from({ length: nl }, (_, l) => l).sort((a, b) => lesionVol[b] - lesionVol[a] || a - b);
  const rankFrac = new Float32Array(nl);
  byVolume.forEach((l, r) => (rankFrac[l] = nl > 1 ? r / (nl - 1) : 0));

  const grid = anatomy.grid;
  const hu = volume.hu;
  const heartCentre = anatomy.heartCentreMm;
  const has = {
    spine: anatomy.surfaces.spine.count > 0,
    sternum: anatomy.surfaces.sternum.count > 0,
    ribs: anatomy.surfaces.ribs.count > 0,
    body: anatomy.surfaces.body.count > 0,
  };
  const fatR = FAT_RADIUS_MM;

  for (let n = 0; n < comps.length; n++) {
    const comp = comps[n];
    const row = n * nf;
    const vox = set.componentVoxels[n];
    const k = comp.slice;
    const base = k * sliceSize;
    const c: Vec3 = comp.centroidMm;

    // ---- Label fractions over up to LABEL_SAMPLES voxels; in-plane moments; bounding box.
    let nOut = 0;
    let nBone = 0;
    let nLung = 0;
    let nHeart = 0;
    let nAorta = 0;
    let nS = 0;
    const step = Math.max(1, Math.floor(vox.length / LABEL_SAMPLES));
    let si = 0;
    let sj = 0;
    let sii = 0;
    let sjj = 0;
    let sij = 0;
    let iMin = columns;
    let iMax = -1;
    let jMin = rows;
    let jMax = -1;
    for (let q = 0; q < vox.length; q++) {
      const r = vox[q] - base;
      const j = (r / columns) | 0;
      const i = r - j * columns;
      si += i;
      sj += j;
      sii += i * i;
      sjj += j * j;
      sij += i * j;
      if (i < iMin) iMin = i;
      if (i > iMax) iMax = i;
      if (j < jMin) jMin = j;
      if (j > jMax) jMax = j;
      if (q % step === 0) {
        const g = gridIndexOfSource(grid, i, j, k);
        const lab = g < 0 ? LABEL_OUTSIDE : anatomy.labels[g];
        nS++;
        if (lab === LABEL_OUTSIDE) nOut++;
        else if (lab === LABEL_BONE) nBone++;
        else if (lab === LABEL_LUNG) nLung++;
        else if (lab === LABEL_HEART) nHeart++;
        else if (lab === LABEL_AORTA) nAorta++;
      }
    }
    const np = vox.length;
    out[row + F.fracOutside] = nOut / nS;
    out[row + F.fracBone] = nBone / nS;
    out[row + F.fracLung] = nLung / nS;
    out[row + F.fracHeart] = nHeart / nS;
    out[row + F.fracAorta] = nAorta / nS;

    // In-plane covariance in mm (i along rowCosines, j along columnCosines).
    const mi = si / np;
    const mj = sj / np;
    const cii = (sii / np - mi * mi) * cs * cs + (cs * cs) / 12;
    const cjj = (sjj / np - mj * mj) * rs * rs + (rs * rs) / 12;
    const cij = (sij / np - mi * mj) * cs * rs;
    const tr = cii + cjj;
    const det = cii * cjj - cij * cij;
    const disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
    const e1 = tr / 2 + disc;
    const e2 = Math.max(0, tr / 2 - disc);
    out[row + F.elongation2d] = e1 > 0 ? 1 - Math.sqrt(e2 / e1) : 0;
    // Major axis direction in patient space.
    let ax = 1;
    let ay = 0;
    if (Math.abs(cij) > 1e-12 || Math.abs(cii - cjj) > 1e-12) {
      const theta = 0.5 * Math.atan2(2 * cij, cii - cjj);
      ax = Math.cos(theta);
      ay = Math.sin(theta);
    }
    const major: Vec3 = [ax * rc[0] + ay * cc[0], ax * rc[1] + ay * cc[1], ax * rc[2] + ay * cc[2]];

    // ---- Sizes and HU.
    out[row + F.logAreaMm2] = Math.log1p(comp.areaMm2);
    out[row + F.peakHuK] = comp.peakHu / 1000;
    out[row + F.meanHuK] = set.componentMeanHu[n] / 1000;

    // ---- Fat within 5 mm (in-plane), over the bounding box grown by 5 mm, skipping calcium.
    {
      const gi = Math.ceil(fatR / cs);
      const gj = Math.ceil(fatR / rs);
      const i0 = Math.max(0, iMin - gi);
      const i1 = Math.min(columns - 1, iMax + gi);
      const j0 = Math.max(0, jMin - gj);
      const j1 = Math.min(rows - 1, jMax + gj);
      const area = (i1 - i0 + 1) * (j1 - j0 + 1);
      const stride = area > 40000 ? Math.ceil(Math.sqrt(area / 40000)) : 1;
      const thr = set.settings.thresholdHu;
      let fat = 0;
      let total = 0;
      for (let j = j0; j <= j1; j += stride) {
        const rowBase = base + j * columns;
        for (let i = i0; i <= i1; i += stride) {
          const h = hu[rowBase + i];
          if (h >= thr) continue;
          total++;
          if (h >= FAT_LO && h <= FAT_HI) fat++;
        }
      }
      out[row + F.fatFraction5mm] = total > 0 ? fat / total : 0;
    }

    // ---- Parent lesion.
    const l = comp.lesionId - 1;
    out[row + F.lesionLogVolumeMm3] = Math.log1p(lesionVol[l]);
    out[row + F.lesionLengthCm] = lesionLen[l];
    out[row + F.lesionLinearity] = lesionLin[l];
    out[row + F.lesionPlanarity] = lesionPlan[l];
    out[row + F.lesionZExtentCm] = lesionZExt[l];
    out[row + F.lesionRankFrac] = rankFrac[l];
    out[row + F.kvpRel] = kvp;

    // ---- Bone and body distances (no heart needed).
    out[row + F.distSpineCm] = has.spine ? distanceToMm(anatomy, 'spine', c, capMm) / 10 : DISTANCE_CAP_CM;
    out[row + F.distSternumCm] = has.sternum ? distanceToMm(anatomy, 'sternum', c, capMm) / 10 : DISTANCE_CAP_CM;
    out[row + F.distRibsCm] = has.ribs ? distanceToMm(anatomy, 'ribs', c, capMm) / 10 : DISTANCE_CAP_CM;
    if (has.body) {
      const g = gridVoxelAt(grid, c);
      const inside = g >= 0 && anatomy.labels[g] !== LABEL_OUTSIDE;
      const d = distanceToMm(anatomy, 'body', c, capMm) / 10;
      out[row + F.bodyDepthCm] = inside ? d : -d;
    } else out[row + F.bodyDepthCm] = 0;

    // ---- Frame features.
    if (!found || !frame) {
      out[row + F.anatomyFound] = 0;
      for (const name of FRAME_FEATURES) out[row + F[name]] = 0;
      continue;
    }
    out[row + F.anatomyFound] = 1;
    const R = frame.heartRadiusMm;
    const d: Vec3 = [c[0] - frame.origin[0], c[1] - frame.origin[1], c[2] - frame.origin[2]];
    const u = dot(d, frame.long);
    const a = dot(d, frame.anterior);
    const t = dot(d, frame.third);
    const rad = Math.hypot(a, t);
    out[row + F.frameLong] = u / R;
    out[row + F.frameAnterior] = a / R;
    out[row + F.frameThird] = t / R;
    out[row + F.cylRadius] = rad / R;
    out[row + F.cylAzimuthSin] = rad > 1e-6 ? t / rad : 0;
    out[row + F.cylAzimuthCos] = rad > 1e-6 ? a / rad : 1;
    out[row + F.distRoot] = Math.hypot(d[0], d[1], d[2]) / R;
    out[row + F.distAortaWallCm] = anatomy.surfaces.aorta.count > 0 ? signedAortaDistanceMm(anatomy, c, capMm) / 10 : DISTANCE_CAP_CM;
    out[row + F.distLeftOstiumCm] = anatomy.leftOstiumMm ? Math.min(capMm, dist(c, anatomy.leftOstiumMm)) / 10 : DISTANCE_CAP_CM;
    out[row + F.distRightOstiumCm] = anatomy.rightOstiumMm ? Math.min(capMm, dist(c, anatomy.rightOstiumMm)) / 10 : DISTANCE_CAP_CM;
    out[row + F.heartSignedCm] = signedHeartDistanceMm(anatomy, c, capMm) / 10;
    if (heartCentre) {
      // Direction from the heart centre, in the slice plane.
      const rx = c[0] - heartCentre[0];
      const ry = c[1] - heartCentre[1];
      const rz = c[2] - heartCentre[2];
      const nrm = volume.normal;
      const along = rx * nrm[0] + ry * nrm[1] + rz * nrm[2];
      const px = rx - along * nrm[0];
      const py = ry - along * nrm[1];
      const pz = rz - along * nrm[2];
      const pl = Math.hypot(px, py, pz);
      out[row + F.axisRadialCos2d] = pl > 1e-6 ? Math.abs(px * major[0] + py * major[1] + pz * major[2]) / pl : 0;
    }
  }
  return out;
}

/** Eigenvalues (descending) of a symmetric 3x3 matrix given row-major in m (analytic, trigonometric form). */
export function eigenvaluesSym3(m: Float64Array | number[]): [number, number, number] {
  const a = m[0];
  const b = m[4];
  const c = m[8];
  const d = m[1];
  const e = m[5];
  const f = m[2];
  const p1 = d * d + e * e + f * f;
  if (p1 < 1e-18) {
    const s = [a, b, c].sort((x, y) => y - x);
    return [s[0], s[1], s[2]];
  }
  const q = (a + b + c) / 3;
  const p2 = (a - q) ** 2 + (b - q) ** 2 + (c - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  // B = (A - qI) / p; r = det(B) / 2
  const ba = (a - q) / p;
  const bb = (b - q) / p;
  const bc = (c - q) / p;
  const bd = d / p;
  const be = e / p;
  const bf = f / p;
  const det = ba * (bb * bc - be * be) - bd * (bd * bc - be * bf) + bf * (bd * be - bb * bf);
  const r = Math.max(-1, Math.min(1, det / 2));
  const phi = Math.acos(r) / 3;
  const e1 = q + 2 * p * Math.cos(phi);
  const e3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  const e2 = 3 * q - e1 - e3;
  return [e1, e2, e3];
}
