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

/** Heart: centre, long axis u (base -> apex) and the short-axis frame (e2 anterior, e3 completes). */
export const HEART_CENTRE: Vec3 = [20, -25, -120];
const U = normalize([0.55, -0.45, -0.7]);
const ANTERIOR: Vec3 = [0, -1, 0];
const E2 = normalize(sub(ANTERIOR, scale(U, dot(ANTERIOR, U))));
/** e3 = u x e2 points to the patient's right and down: phi = +90 deg is the right (RV) side. */
const E3 = cross(U, E2);
export const HEART_FRAME: [Vec3, Vec3, Vec3] = [U, E2, E3];
/** Outer surface of the myocardium, semi-axes along (u, e2, e3). */
export const MYOCARDIUM_RADII: Vec3 = [60, 46, 43];
export const EPICARDIAL_FAT_MM = 6;
export const VESSEL_RADIUS_MM = 1.6;
/** Coronary centrelines run this far outside the myocardium, inside the epicardial fat. */
const VESSEL_DEPTH_MM = 3;
const AV_GROOVE_T = -0.55;

export const heartEllipsoid = (extraMm: number): Ellipsoid => ({
  centre: HEART_CENTRE,
  axes: HEART_FRAME,
  radii: [MYOCARDIUM_RADII[0] + extraMm, MYOCARDIUM_RADII[1] + extraMm, MYOCARDIUM_RADII[2] + extraMm],
});

/** The blood pool (one cavity, shifted towards the base; blood and muscle are both ~40 HU without contrast). */
export const BLOOD_POOL: Ellipsoid = {
  centre: add(HEART_CENTRE, scale(U, -6)),
  axes: HEART_FRAME,
  radii: [46, 35, 32],
};

/**
 * A point on the heart's surface: t in [-1, 1] along the long axis (-1 base, +1 apex), phi
 * around it (0 = anterior, +90 deg = right), offsetMm outside the myocardium.
 */
export function heartSurface(t: number, phiDeg: number, offsetMm: number): Vec3 {
  const phi = (phiDeg * Math.PI) / 180;
  const s = Math.sqrt(Math.max(0, 1 - t * t));
  const [a, b, c] = MYOCARDIUM_RADII.map((r) => r + offsetMm);
  return add(HEART_CENTRE, add(scale(U, a * t), add(scale(E2, b * s * Math.cos(phi)), scale(E3, c * s * Math.sin(phi)))));
}

function ringPath(t0: number, phi0: number, t1: number, phi1: number, n: number, offsetMm: number): Vec3[] {
  const out: Vec3[] = [];
  for (let q = 0; q <= n; q++) {
    const f = q / n;
    out.push(heartSurface(t0 + (t1 - t0) * f, phi0 + (phi1 - phi0) * f, offsetMm));
  }
  return out;
}

/** Left main bifurcation, in the fat at the base, left of the pulmonary trunk. */
const LM_BIFURCATION = heartSurface(AV_GROOVE_T, -35, VESSEL_DEPTH_MM);
const LM_DIRECTION = normalize([0.8, -0.5, -0.1]);
const LM_LENGTH_MM = 11;
const LM_OSTIUM = sub(LM_BIFURCATION, scale(LM_DIRECTION, LM_LENGTH_MM));
export const AORTIC_RADIUS_MM = 14;
export const AORTIC_WALL_MM = 2;
/** Aortic root centre: the left main ostium sits on its wall, towards the left and front. */
export const AORTIC_ROOT: Vec3 = sub(LM_OSTIUM, scale(normalize([LM_DIRECTION[0], LM_DIRECTION[1], 0]), AORTIC_RADIUS_MM));
const RCA_OSTIUM: Vec3 = add(add(AORTIC_ROOT, scale(normalize([-0.6, -0.8, 0]), AORTIC_RADIUS_MM)), [0, 0, -4]);

/** Aorta: root -> ascending -> arch -> descending beside the spine. */
export const DESCENDING_AORTA_XY: [number, number] = [26, 40];
export const AORTA_PATH: Vec3[] = smoothPath(
  [
    AORTIC_ROOT,
    add(AORTIC_ROOT, [-3, -5, 30]),
    add(AORTIC_ROOT, [-4, -6, 55]),
    add(AORTIC_ROOT, [8, 8, 76]),
    // The arch passes left of the trachea on its way back to the spine.
    [24, -6, AORTIC_ROOT[2] + 80],
    [34, 22, AORTIC_ROOT[2] + 72],
    [DESCENDING_AORTA_XY[0], DESCENDING_AORTA_XY[1], AORTIC_ROOT[2] + 45],
    [DESCENDING_AORTA_XY[0], DESCENDING_AORTA_XY[1], AORTIC_ROOT[2] + 10],
    [DESCENDING_AORTA_XY[0], DESCENDING_AORTA_XY[1], -420],
  ],
  2,
);
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

export const AORTIC_VALVE_CENTRE: Vec3 = add(AORTIC_ROOT, scale(U, 6));

/** Coronary centrelines, origin first, sampled every 0.5 mm. */
export const CORONARY_PATHS: Record<Artery, Vec3[]> = {
  LM: resample([LM_OSTIUM, LM_BIFURCATION], 0.5),
  LAD: smoothPath([LM_BIFURCATION, ...ringPath(AV_GROOVE_T + 0.08, -25, 0.92, -12, 24, VESSEL_DEPTH_MM)], 0.5),
  LCX: smoothPath([LM_BIFURCATION, ...ringPath(AV_GROOVE_T, -48, AV_GROOVE_T + 0.05, -165, 24, VESSEL_DEPTH_MM)], 0.5),
  RCA: smoothPath(
    [
      RCA_OSTIUM,
      add(RCA_OSTIUM, [-4, -4, -8]),
      ...ringPath(AV_GROOVE_T, 35, AV_GROOVE_T, 165, 26, VESSEL_DEPTH_MM),
      ...ringPath(AV_GROOVE_T + 0.1, 170, -0.05, 175, 8, VESSEL_DEPTH_MM),
    ],
    0.5,
  ),
};

/** Mitral annulus calcium sits in the left atrioventricular ring, deeper than the LCX. */
export function mitralAnnulusPoint(at: number): Vec3 {
  return heartSurface(AV_GROOVE_T - 0.1, -70 - 100 * at, -7);
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
