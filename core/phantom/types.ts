import type { Artery, Vec3 } from '../types';

/**
 * Where a calcification sits: on a coronary path, or one of the non-coronary distractors:
 * 'aortic-wall' (descending aorta at a scanned height), 'aortic-root' (the root and ascending
 * aorta, around and above the coronary ostia), 'aorta' (anywhere along the thoracic aorta, arch
 * included), 'aortic-valve', 'mitral-annulus', 'costal-cartilage' (calcified cartilage beside
 * the sternum), 'stent' (metal on a coronary path, `artery` names it), 'lead' (a pacemaker lead
 * down the superior vena cava), 'noise' (a speck of one or two voxels in the heart region).
 */
export type CalciumSite =
  | Artery
  | 'aortic-wall'
  | 'aortic-root'
  | 'aorta'
  | 'aortic-valve'
  | 'mitral-annulus'
  | 'costal-cartilage'
  | 'stent'
  | 'lead'
  | 'noise';

/** Kinds of dense objects the phantom can hold; only 'coronary' ones count in the score. */
export type CalciumKind = 'coronary' | 'aortic-wall' | 'aortic-valve' | 'mitral-annulus' | 'metal' | 'bone' | 'outside' | 'noise';

/**
 * The truth class of every dense voxel when `classMap` is asked for (index = value in the map;
 * 0 = nothing dense was painted there, so a voxel above threshold with class 0 is image noise).
 * Anatomy above 130 HU is 'bone' inside the body and 'outside' (the CT table) outside it.
 */
export const PHANTOM_CLASSES = ['none', 'LM', 'LAD', 'LCX', 'RCA', 'aortic-wall', 'aortic-valve', 'mitral-annulus', 'bone', 'outside', 'metal', 'noise'] as const;
export type PhantomClass = (typeof PHANTOM_CLASSES)[number];

/** Coronary dominance: which artery gives the posterior descending artery (PDA). */
export type Dominance = 'right' | 'left' | 'co';

/**
 * One calcification to place (the JSON of `cacs phantom --plaques FILE.json` is an array of these).
 * The plaque is an ellipsoid whose HU falls smoothly from `peakHu` at its centre voxel to the
 * local background at its surface (profile 1 - rho^2), so the peak is exactly as asked when
 * noise is 0 and the area above 130 HU grows with both size and peak.
 */
export interface PlaqueSpec {
  site: CalciumSite;
  /**
   * Where along its site, 0..1 (default 0.5): coronaries, fraction of the path's length from its
   * origin (LM and RCA: the ostium; LAD and LCX: the LM bifurcation); aortic-wall, fraction of the
   * scanned height on the descending aorta; aortic-valve, position around the valve ring;
   * mitral-annulus, position along the posterior annulus.
   */
  at?: number;
  /** Outer diameter along the vessel (mm). */
  sizeMm: number;
  /** Outer diameter across the vessel (mm); default min(sizeMm, 4). */
  widthMm?: number;
  /** HU at the centre voxel (before noise). */
  peakHu: number;
  /** For 'stent': the coronary artery it sits in (default LAD). */
  artery?: Artery;
}

export type PhantomGeometryKind = 'gated' | 'nongated';

export interface PhantomOptions {
  /** 'gated': cardiac FOV ~200 mm, 3 mm slices; 'nongated': full chest FOV ~350 mm. Default 'gated'. */
  geometry?: PhantomGeometryKind;
  /** PRNG seed: same seed, same phantom (noise, UIDs). Default 1. */
  seed?: number;
  /** Seed of the UIDs when it should differ from `seed` (the demo study: never the UIDs of `cacs phantom`). */
  uidSeed?: string;
  /** Matrix size (rows = columns). Default 512; smaller (e.g. 128) keeps tests fast. */
  size?: number;
  /** Number of slices. Default: gated 48; nongated 240 mm of coverage / increment. */
  slices?: number;
  /** Reconstructed slice thickness (mm). Default 3. */
  sliceThicknessMm?: number;
  /** Distance between slice centres (mm). Default = thickness. */
  sliceIncrementMm?: number;
  /** Display field of view (mm). Default gated 200, nongated 350. */
  fovMm?: number;
  /** Standard deviation of the Gaussian image noise (HU); 0 = noise-free. Default 12. */
  noiseSdHu?: number;
  /** Calcifications to place; default: the demo set (`DEMO_PLAQUES`). */
  plaques?: PlaqueSpec[];
  /**
   * Average each slice over its thickness (boxcar slice profile) instead of sampling its centre
   * plane: small plaques then show lower peaks and areas, as on real scanners. Off by default,
   * so every plaque peaks exactly at its peakHu. Slower (one pass per ~0.6 mm sub-plane).
   */
  partialVolume?: boolean;
  /**
   * Vary the heart with the seed: position (+-5 mm), long-axis tilt (+-8 deg), size (+-7 %),
   * coronary courses (+-8 deg) and left main length, so labelling can be tested on many
   * different hearts. Off by default: every phantom has the reference heart.
   */
  anatomyVariation?: boolean;
  /** Add a sternal wire (~3000 HU, without streaks). */
  metal?: boolean;
  /** Tube voltage written in the header (HU values are not changed). Default 120. */
  kvp?: number;
  /**
   * An explicit heart (overrides anatomyVariation): any field of HeartVariation in
   * ./anatomy.ts (shift, tilt, scale, courses, LM length, bifurcation angle, dominance, ostia).
   */
  heart?: Partial<import('./anatomy').HeartVariation>;
  /** Paint a CT table under the patient (outside the body; ~300-900 HU). Default false. */
  table?: boolean;
  /** Reconstruction centre (x, y) in patient mm; default the geometry's (gated: on the heart). */
  centreXyMm?: [number, number];
  /**
   * Let the tube voltage change calcium and bone HU (denser at low kVp: x (120/kVp)^0.75 above
   * soft tissue), as on real scanners. Off by default: HU stay as specified whatever `kvp` says.
   */
  kvpAffectsHu?: boolean;
  /** In-plane Gaussian blur (sigma, mm) of the image before noise: the scanner's resolution. Default 0. */
  blurMm?: number;
  /**
   * Noise grain: passes of [1 2 1] smoothing of the white noise (default 1); 3-4 look like
   * iterative reconstruction's coarser, blotchier noise at the same standard deviation.
   */
  noiseGrain?: number;
  /** Leave out calcifications that fall outside the scanned volume instead of refusing them. */
  skipOutside?: boolean;
  /** Also return a per-voxel truth class map (PHANTOM_CLASSES indices). Default false. */
  classMap?: boolean;
  /** (0018,9351) Calcium Scoring Mass Factor Patient to write in the header; default none. */
  massFactorPatient?: number | null;
  /** Convolution kernel written in the header; default "B35f" (gated) or "STANDARD" (nongated). */
  convolutionKernel?: string;
}

/** One dense object in the phantom, in patient coordinates (LPS, mm). */
export interface PlaqueTruth {
  id: number;
  /** The artery that owns it, or OTHER for distractors (non-coronary; must not be scored). */
  artery: Artery | 'OTHER';
  kind: CalciumKind;
  /** Centre (patient mm); always the centre of a voxel, so the peak voxel exists. */
  centreMm: Vec3;
  /** Outer radii (mm) along `axes` (first axis along the vessel). */
  radiiMm: Vec3;
  /** Unit vectors of the ellipsoid's axes (patient coordinates). */
  axes: [Vec3, Vec3, Vec3];
  /** Nominal HU at the centre voxel (before noise). */
  peakHu: number;
  /** HU the profile falls to at the surface (inside: background + (peak - background)(1 - rho^2)). */
  backgroundHu: number;
  /** Position along its path (fraction), when placed on one. */
  at: number | null;
  /** The site it was asked for (PlaqueSpec.site). */
  site?: CalciumSite;
  /** Further ellipsoids of the same object (a long deposit following a curved vessel, a stent, a lead). */
  segments?: { centreMm: Vec3; radiiMm: Vec3; axes: [Vec3, Vec3, Vec3] }[];
}

/** Everything a test needs to judge a scorer on this phantom (JSON-serialisable). */
export interface PhantomTruth {
  format: 'cacs-phantom-truth';
  version: 1;
  seed: number;
  geometry: PhantomGeometryKind;
  noiseSdHu: number;
  /** Coronary centrelines (patient mm), sampled every ~0.5 mm, origin first. */
  paths: Record<Artery, Vec3[]>;
  /** Vessel radius (mm) of the coronary tubes. */
  vesselRadiusMm: number;
  plaques: PlaqueTruth[];
  /** Points with known tissue (patient mm) for sanity checks of readers and viewers. */
  landmarks: {
    heartCentreMm: Vec3;
    bloodPoolMm: Vec3;
    leftLungMm: Vec3;
    rightLungMm: Vec3;
    vertebralBodyMm: Vec3;
    aorticRootMm: Vec3;
    descendingAortaMm: Vec3;
  };
  /** Nominal HU of the tissues, for the same checks. */
  tissueHu: Record<string, number>;
  /** Coronary dominance of this heart. */
  dominance?: Dominance;
  /** Left main length (mm) and LAD-LCX bifurcation angle (deg) of this heart. */
  lmLengthMm?: number;
  bifurcationDeg?: number;
}
