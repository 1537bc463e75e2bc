/**
 * The phantom's anatomy in patient coordinates (DICOM LPS, mm: +x = patient left,
 * +y = posterior, +z = superior), for a supine adult chest. Numbers are round textbook
 * sizes, not measurements of anyone: a body 330 x 230 mm, a heart whose long axis points
 * left, anterior and inferior (apex), an aortic root at the base with the left main
 * from the left sinus and the right coronary from the right sinus, the LAD in the anterior
 * interventricular groove, the LCX in the left and the RCA in the right atrioventricular
 * groove. All structures are tubes, ellipses and ellipsoids, so painting stays cheap.
 */
import type { Artery, Vec3 } from '../types';
import type { Ellipsoid } from './raster';
import { add, cross, normalize, resample, scale, smoothPath, sub, dot } from './vec';

/** Nominal HU of each tissue (non-contrast CT at 120 kVp). */
export const TISSUE_HU = {
  air: -1000,
  lung: -850,
  fat: -100,
  muscle: 40,
  myocardium: 45,
  blood: 40,
  aorticWall: 50,
  vessel: 40,
  liver: 60,
  cancellousBone: 250,
  corticalBone: 750,
  disc: 80,
  csf: 10,
  metal: 3000,
} as const;

export const BODY = { centre: [0, 0] as [number, number], semiAxes: [165, 115] as [number, number], fatMm: 12, muscleMm: 10 };

/**
 * How one phantom's heart differs from the reference heart (all zero / one = the reference):
 * a shift of the whole heart, a tilt of its long axis, a scale, and small changes in where the
 * coronary arteries run. Drawn from the seed when `anatomyVariation` is asked for.
 */
export interface HeartVariation {
  shiftMm: Vec3;
  /** Rotation of the long axis about the patient's z axis and about the left-right axis (deg). */
  tiltDeg: [number, number];
  scale: number;
  /** Shifts (deg) of the LAD, LCX and RCA courses around the heart, and of the LM bifurcation. */
  courseDeg: { lad: number; lcx: number; rca: number; bifurcation: number };
  lmLengthMm: number;
  /**
   * Optional (absent = the reference tree, right-dominant, its own bifurcation and ostia):
   * which artery gives the PDA; the LAD-LCX angle at the LM bifurcation (deg); the RCA
   * ostium's azimuth round the root from the LM ostium (deg, towards the patient's right and
   * front) and its height above the LM ostium (mm).
   */
  dominance?: 'right' | 'left' | 'co';
  bifurcationDeg?: number;
  rcaAzimuthDeg?: number;
  rcaHeightMm?: number;
  /** Depth of the aortic valve below the root centre along the long axis (mm); reference 6. */
  valveDepthMm?: number;
}

export const REFERENCE_HEART: HeartVariation = {
  shiftMm: [0, 0, 0],
  tiltDeg: [0, 0],
  scale: 1,
  courseDeg: { lad: 0, lcx: 0, rca: 0, bifurcation: 0 },
  lmLengthMm: 11,
};

/** The heart, its great vessels' roots and the coronary arteries of one phantom. */
export interface CardiacAnatomy {
  heartCentre: Vec3;
  /** Long axis u (base -> apex), e2 (anterior), e3 = u x e2 (patient right, phi = +90 deg). */
  frame: [Vec3, Vec3, Vec3];
  /** Outer surface of the myocardium, semi-axes along the frame. */
  myocardiumRadii: Vec3;
  bloodPool: Ellipsoid;
  aorticRoot: Vec3;
  aorticValveCentre: Vec3;
  aortaPath: Vec3[];
  /** Coronary centrelines, origin first, sampled every 0.5 mm. */
  coronaryPaths: Record<Artery, Vec3[]>;
  variation: HeartVariation;
}

const REFERENCE_HEART_CENTRE: Vec3 = [20, -25, -120];
const REFERENCE_AXIS: Vec3 = [0.55, -0.45, -0.7];
const REFERENCE_RADII: Vec3 = [60, 46, 43];
export const EPICARDIAL_FAT_MM = 6;
export const VESSEL_RADIUS_MM = 1.6;
/** Coronary centrelines run this far outside the myocardium, inside the epicardial fat. */
const VESSEL_DEPTH_MM = 3;
const AV_GROOVE_T = -0.55;
export const AORTIC_RADIUS_MM = 14;
export const AORTIC_WALL_MM = 2;
export const DESCENDING_AORTA_XY: [number, number] = [26, 40];

function rotateZ(v: Vec3, deg: number): Vec3 {
  const a = (deg * Math.PI) / 180;
  return [v[0] * Math.cos(a) - v[1] * Math.sin(a), v[0] * Math.sin(a) + v[1] * Math.cos(a), v[2]];
}
function rotateX(v: Vec3, deg: number): Vec3 {
  const a = (deg * Math.PI) / 180;
  return [v[0], v[1] * Math.cos(a) - v[2] * Math.sin(a), v[1] * Math.sin(a) + v[2] * Math.cos(a)];
}

/** Build the heart and coronary tree for a variation (REFERENCE_HEART: the reference phantom). */
export function buildCardiacAnatomy(v: HeartVariation = REFERENCE_HEART): CardiacAnatomy {
  return buildWithArch(v, REFERENCE_ROOT_Z);
}

function buildWithArch(v: HeartVariation, referenceRootZ: number | null): CardiacAnatomy {
  const centre = add(REFERENCE_HEART_CENTRE, v.shiftMm);
  const u = normalize(rotateX(rotateZ(REFERENCE_AXIS, v.tiltDeg[0]), v.tiltDeg[1]));
  const anterior: Vec3 = [0, -1, 0];
  const e2 = normalize(sub(anterior, scale(u, dot(anterior, u))));
  const e3 = cross(u, e2);
  const radii = REFERENCE_RADII.map((r) => r * v.scale) as Vec3;
  const surface = (t: number, phiDeg: number, offsetMm: number): Vec3 => {
    const phi = (phiDeg * Math.PI) / 180;
    const s = Math.sqrt(Math.max(0, 1 - t * t));
    const [a, b, c] = radii.map((r) => r + offsetMm);
    return add(centre, add(scale(u, a * t), add(scale(e2, b * s * Math.cos(phi)), scale(e3, c * s * Math.sin(phi)))));
  };
  const ring = (t0: number, phi0: number, t1: number, phi1: number, n: number): Vec3[] => {
    const out: Vec3[] = [];
    for (let q = 0; q <= n; q++) out.push(surface(t0 + ((t1 - t0) * q) / n, phi0 + ((phi1 - phi0) * q) / n, VESSEL_DEPTH_MM));
    return out;
  };
  const cd = v.courseDeg;
  const { bifurcation, lmOstium, root } = coronaryOrigins(surface, v);
  let rcaOstium = add(add(root, scale(normalize([-0.6, -0.8, 0]), AORTIC_RADIUS_MM)), [0, 0, -4]);
  if (v.rcaAzimuthDeg !== undefined || v.rcaHeightMm !== undefined) {
    // Round the root from the LM ostium, turning towards the patient's right-anterior side.
    const lmAz = Math.atan2(lmOstium[1] - root[1], lmOstium[0] - root[0]);
    const az = lmAz + ((v.rcaAzimuthDeg ?? 135) * Math.PI) / 180;
    rcaOstium = [root[0] + AORTIC_RADIUS_MM * Math.cos(az), root[1] + AORTIC_RADIUS_MM * Math.sin(az), lmOstium[2] + (v.rcaHeightMm ?? 2.8)];
  }
  // The arch and descending aorta stay where the reference phantom has them.
  const rootZ = referenceRootZ ?? root[2];
  const aortaPath = smoothPath(
    [
      root,
      add(root, [-3, -5, 30]),
      add(root, [-4, -6, 55]),
      [root[0] + 8, root[1] + 8, rootZ + 76],
      // The arch passes left of the trachea on its way back to the spine.
      [24, -6, rootZ + 80],
      [34, 22, rootZ + 72],
      [DESCENDING_AORTA_XY[0], DESCENDING_AORTA_XY[1], rootZ + 45],
      [DESCENDING_AORTA_XY[0], DESCENDING_AORTA_XY[1], rootZ + 10],
      [DESCENDING_AORTA_XY[0], DESCENDING_AORTA_XY[1], -420],
    ],
    2,
  );
  const lm = v.lmLengthMm >= 0.5 ? resample([lmOstium, bifurcation], 0.5) : [bifurcation, bifurcation];
  // LAD and LCX leave the bifurcation at the asked angle (LM-LAD about half of it, [MOON18]).
  const branchStart = (towardApex: boolean): Vec3[] => {
    if (v.bifurcationDeg === undefined) return [];
    const lmDir = normalize(sub(bifurcation, lmOstium));
    const axis = normalize(cross(lmDir, u));
    const share = towardApex ? 0.49 : -0.51;
    const a = (share * v.bifurcationDeg * Math.PI) / 180;
    // Rodrigues rotation of lmDir about `axis`.
    const d = add(add(scale(lmDir, Math.cos(a)), scale(cross(axis, lmDir), Math.sin(a))), scale(axis, dot(axis, lmDir) * (1 - Math.cos(a))));
    return [add(bifurcation, scale(d, 4)), add(bifurcation, scale(d, 8))];
  };
  const dominance = v.dominance ?? 'right';
  const rcaPath =
    dominance === 'left'
      ? [rcaOstium, add(rcaOstium, [-4, -4, -8]), ...ring(AV_GROOVE_T, 35 + cd.rca, AV_GROOVE_T, 115 + cd.rca, 18)]
      : [rcaOstium, add(rcaOstium, [-4, -4, -8]), ...ring(AV_GROOVE_T, 35 + cd.rca, AV_GROOVE_T, 165 + cd.rca, 26), ...ring(AV_GROOVE_T + 0.1, 170 + cd.rca, -0.05, 175 + cd.rca, 8)];
  const lcxRing =
    dominance === 'left'
      ? [...ring(AV_GROOVE_T, -48 + cd.lcx, AV_GROOVE_T, -178 + cd.lcx, 28), ...ring(AV_GROOVE_T + 0.1, -182 + cd.lcx, -0.05, -185 + cd.lcx, 8)]
      : dominance === 'co'
        ? ring(AV_GROOVE_T, -48 + cd.lcx, AV_GROOVE_T + 0.02, -178 + cd.lcx, 28)
        : ring(AV_GROOVE_T, -48 + cd.lcx, AV_GROOVE_T + 0.05, -165 + cd.lcx, 24);
  const coronaryPaths: Record<Artery, Vec3[]> = {
    LM: lm,
    LAD: smoothPath([bifurcation, ...branchStart(true), ...ring(AV_GROOVE_T + 0.08, -25 + cd.lad, 0.92, -12 + cd.lad, 24)], 0.5),
    LCX: smoothPath([bifurcation, ...branchStart(false), ...lcxRing], 0.5),
    RCA: smoothPath(rcaPath, 0.5),
  };
  return {
    heartCentre: centre,
    frame: [u, e2, e3],
    myocardiumRadii: radii,
    // One cavity, shifted towards the base; blood and muscle are both ~40 HU without contrast.
    bloodPool: { centre: add(centre, scale(u, -6 * v.scale)), axes: [u, e2, e3], radii: [46 * v.scale, 35 * v.scale, 32 * v.scale] },
    aorticRoot: root,
    aorticValveCentre: add(root, scale(u, v.valveDepthMm ?? 6)),
    aortaPath,
    coronaryPaths,
    variation: v,
  };
}

/**
 * Left main: from the left sinus to its bifurcation in the fat at the base, left of the
 * pulmonary trunk; the aortic root centre is placed so the ostium sits on its wall.
 */
function coronaryOrigins(surface: (t: number, phiDeg: number, offsetMm: number) => Vec3, v: HeartVariation): { bifurcation: Vec3; lmOstium: Vec3; root: Vec3 } {
  const bifurcation = surface(AV_GROOVE_T, -35 + v.courseDeg.bifurcation, VESSEL_DEPTH_MM);
  const lmDirection = normalize([0.8, -0.5, -0.1]);
  const lmOstium = sub(bifurcation, scale(lmDirection, v.lmLengthMm));
  const root = sub(lmOstium, scale(normalize([lmDirection[0], lmDirection[1], 0]), AORTIC_RADIUS_MM));
  return { bifurcation, lmOstium, root };
}

/** A seeded variation: shift up to 5 mm per axis, tilt up to 8 deg, scale 0.93-1.07, courses +-8 deg. */
export function randomHeartVariation(uniform: () => number): HeartVariation {
  const r = (half: number) => (2 * uniform() - 1) * half;
  return {
    shiftMm: [r(5), r(5), r(5)],
    tiltDeg: [r(8), r(8)],
    scale: 1 + r(0.07),
    courseDeg: { lad: r(6), lcx: r(8), rca: r(8), bifurcation: r(6) },
    lmLengthMm: 11 + r(3),
  };
}

/**
 * A seeded heart drawn the way real patients vary: position +-12 mm, long axis +-20 deg, size
 * 0.85-1.2, courses +-12 deg; LM length 10.5+-5.3 mm clipped to 0-21 mm and bifurcation angle
 * 75+-23 deg [MG16]; dominance right 80 / left 10 / co 10 % (between [CONF], [EREN] and [TEH]);
 * RCA ostium 135+-15 deg round the root from the LM [TANG, XI23] and 2.8+-3 mm higher
 * [TOPS08]; valve 6-14 mm below the root centre. `dominance` forces one (held-out families).
 */
export function randomPatientHeart(uniform: () => number, dominance?: 'right' | 'left' | 'co'): HeartVariation {
  const r = (half: number) => (2 * uniform() - 1) * half;
  const normal = () => {
    // Sum of three uniforms, scaled to unit variance: light tails, never extreme.
    return (uniform() + uniform() + uniform() - 1.5) * 2;
  };
  const d = uniform();
  return {
    shiftMm: [r(12), r(12), r(12)],
    tiltDeg: [r(20), r(20)],
    scale: 0.85 + 0.35 * uniform(),
    courseDeg: { lad: r(12), lcx: r(12), rca: r(12), bifurcation: r(10) },
    lmLengthMm: Math.min(21, Math.max(0, 10.5 + 5.3 * normal())),
    bifurcationDeg: Math.min(140, Math.max(30, 75 + 23 * normal())),
    dominance: dominance ?? (d < 0.8 ? 'right' : d < 0.9 ? 'left' : 'co'),
    rcaAzimuthDeg: 135 + 15 * normal(),
    rcaHeightMm: 2.8 + 3 * normal(),
    valveDepthMm: 6 + 8 * uniform(),
  };
}

/** The reference heart; its aortic root height fixes the arch, carina and bronchi for every variation. */
export const REFERENCE_CARDIAC = buildWithArch(REFERENCE_HEART, null);
const REFERENCE_ROOT_Z = REFERENCE_CARDIAC.aorticRoot[2];
export const HEART_CENTRE: Vec3 = REFERENCE_CARDIAC.heartCentre;
export const HEART_FRAME = REFERENCE_CARDIAC.frame;
export const MYOCARDIUM_RADII = REFERENCE_CARDIAC.myocardiumRadii;
export const BLOOD_POOL = REFERENCE_CARDIAC.bloodPool;
export const AORTIC_ROOT = REFERENCE_CARDIAC.aorticRoot;
export const AORTA_PATH = REFERENCE_CARDIAC.aortaPath;
export const CORONARY_PATHS = REFERENCE_CARDIAC.coronaryPaths;

export const heartEllipsoid = (anatomy: CardiacAnatomy, extraMm: number): Ellipsoid => ({
  centre: anatomy.heartCentre,
  axes: anatomy.frame,
  radii: anatomy.myocardiumRadii.map((r) => r + extraMm) as Vec3,
});

/**
 * A point on the heart's surface: t in [-1, 1] along the long axis (-1 base, +1 apex), phi
 * around it (0 = anterior, +90 deg = right), offsetMm outside the myocardium.
 */
export function heartSurface(anatomy: CardiacAnatomy, t: number, phiDeg: number, offsetMm: number): Vec3 {
  const [u, e2, e3] = anatomy.frame;
  const phi = (phiDeg * Math.PI) / 180;
  const s = Math.sqrt(Math.max(0, 1 - t * t));
  const [a, b, c] = anatomy.myocardiumRadii.map((r) => r + offsetMm);
  return add(anatomy.heartCentre, add(scale(u, a * t), add(scale(e2, b * s * Math.cos(phi)), scale(e3, c * s * Math.sin(phi)))));
}

/** Superior vena cava: right of the ascending aorta, down into the right atrium. */
export const SVC_PATH: Vec3[] = resample([[-34, -16, 80], [-34, -18, AORTIC_ROOT[2] - 4]], 2);
export const SVC_RADIUS_MM = 9;

/** Trachea down to the carina, then the main bronchi (air inside a soft-tissue wall). */
const CARINA: Vec3 = [0, 12, AORTIC_ROOT[2] + 24];
export const AIRWAYS: { path: Vec3[]; radiusMm: number }[] = [
  { path: resample([[0, 6, 120], CARINA], 2), radiusMm: 9 },
  { path: smoothPath([CARINA, [-20, 14, CARINA[2] - 10], [-42, 18, CARINA[2] - 24]], 1), radiusMm: 6 },
  { path: smoothPath([CARINA, [20, 14, CARINA[2] - 10], [44, 20, CARINA[2] - 26]], 1), radiusMm: 5.5 },
];
export const AIRWAY_WALL_MM = 2;

/** Pulmonary vessels: a few branches fanning out from each hilum (soft tissue in the lung). */
function fan(hilum: Vec3, tips: Vec3[], radiusMm: number): { path: Vec3[]; radiusMm: number }[] {
  return tips.map((tip) => ({ path: resample([hilum, tip], 2), radiusMm }));
}
export const PULMONARY_VESSELS: { path: Vec3[]; radiusMm: number }[] = [
  ...fan([46, 14, HEART_CENTRE[2] + 40], [[105, 45, HEART_CENTRE[2] + 70], [120, 30, HEART_CENTRE[2] - 10], [95, 55, HEART_CENTRE[2] - 45], [70, 5, HEART_CENTRE[2] + 110]], 2.6),
  ...fan([-46, 14, HEART_CENTRE[2] + 40], [[-110, 45, HEART_CENTRE[2] + 70], [-120, 25, HEART_CENTRE[2] - 5], [-95, 50, HEART_CENTRE[2] - 50], [-75, 0, HEART_CENTRE[2] + 110]], 2.6),
];

/** Mitral annulus calcium sits in the left atrioventricular ring, deeper than the LCX. */
export function mitralAnnulusPoint(anatomy: CardiacAnatomy, at: number): Vec3 {
  return heartSurface(anatomy, AV_GROOVE_T - 0.1, -70 - 100 * at, -7);
}

/** The descending aorta's centre at height z. */
export function descendingAortaAt(z: number): Vec3 {
  return [DESCENDING_AORTA_XY[0], DESCENDING_AORTA_XY[1], z];
}

export const SPINE = {
  bodyCentre: [0, 62] as [number, number],
  bodySemi: [20, 16] as [number, number],
  cortexMm: 2,
  canalCentre: [0, 88] as [number, number],
  canalRadiusMm: 8,
  archRadiusMm: 13,
  spinousCentre: [0, 104] as [number, number],
  spinousSemi: [4, 9] as [number, number],
  /** Vertebral level height and disc height (mm); discs are ~80 HU, not bone. */
  levelMm: 28,
  discMm: 6,
};

export const STERNUM = {
  centre: [0, -96] as [number, number],
  semi: [14, 6] as [number, number],
  zRange: [HEART_CENTRE[2] - 75, HEART_CENTRE[2] + 95] as [number, number],
};

/** Lungs: two ellipses filling the thoracic cavity above the diaphragm. */
export const LUNGS = {
  left: { centre: [78, -2] as [number, number], semi: [68, 88] as [number, number] },
  right: { centre: [-78, -2] as [number, number], semi: [72, 88] as [number, number] },
};

/** Liver dome (right) and upper abdomen (left) under the diaphragm. */
export const LIVER: Ellipsoid = {
  centre: [-45, 0, HEART_CENTRE[2] - 115],
  axes: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  radii: [115, 95, 75],
};
export const LEFT_ABDOMEN: Ellipsoid = {
  centre: [55, 5, HEART_CENTRE[2] - 130],
  axes: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  radii: [105, 95, 65],
};

/** Mediastinal fat around the great vessels and in front of the heart. */
export const MEDIASTINUM = { centre: [0, -30] as [number, number], semi: [42, 62] as [number, number] };

/** Ribs: paired arcs descending from back to front, one every `levelMm`. */
export const RIBS = { levelMm: 26, heightMm: 9, thicknessMm: 8, slopeMmPerDeg: 0.45, startDeg: 18, endDeg: 150 };

/** Where the sternal wire goes when metal is asked for. */
export const STERNAL_WIRE: Ellipsoid = {
  centre: [0, -96, HEART_CENTRE[2] + 30],
  axes: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  radii: [9, 1.2, 1.2],
};
