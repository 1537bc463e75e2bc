/**
 * A seedable digital phantom of a non-contrast chest CT with coronary calcium, and its truth.
 *
 * `generatePhantom` paints the anatomy of ./anatomy.ts slice by slice (air, body wall, lungs,
 * mediastinum, spine, ribs, sternum, heart with epicardial fat, aorta, coronary arteries), then
 * the calcifications asked for (coronary plaques and non-coronary distractors: aortic wall,
 * aortic valve, mitral annulus, optionally a sternal wire), then seeded Gaussian noise.
 * Same options and seed give the same voxels and the same UIDs.
 */
import type { Artery, CtVolume, SeriesFacts, SliceInstance, SourceContext, Vec3 } from '../types';
import { ARTERIES } from '../types';
import { hash128, uidFromSeed } from '../dicom/uid';
import {
  AIRWAYS,
  AIRWAY_WALL_MM,
  AORTIC_RADIUS_MM,
  AORTIC_ROOT,
  AORTIC_WALL_MM,
  BODY,
  CORONARY_PATHS,
  DESCENDING_AORTA_XY,
  EPICARDIAL_FAT_MM,
  HEART_CENTRE,
  LEFT_ABDOMEN,
  LIVER,
  LUNGS,
  MEDIASTINUM,
  PULMONARY_VESSELS,
  RIBS,
  SPINE,
  STERNAL_WIRE,
  STERNUM,
  SVC_PATH,
  SVC_RADIUS_MM,
  TISSUE_HU,
  VESSEL_RADIUS_MM,
  descendingAortaAt,
  buildCardiacAnatomy,
  heartEllipsoid,
  randomHeartVariation,
  REFERENCE_CARDIAC,
  REFERENCE_HEART,
  type CardiacAnatomy,
  mitralAnnulusPoint,
  heartSurface,
} from './anatomy';
import { fillEllipse, fillEllipsoid, paintProfileEllipsoid, paintTube, type Ellipsoid, type Grid } from './raster';
import { mulberry32, normalTable16 } from './prng';
import { add, completeFrame, cross, dist, normalize, pointAlong, scale } from './vec';
import type { CalciumSite, PhantomOptions, PhantomTruth, PlaqueSpec, PlaqueTruth, PhantomGeometryKind } from './types';
import { PHANTOM_CLASSES } from './types';

export type { PhantomOptions, PhantomTruth, PlaqueSpec, PlaqueTruth, CalciumSite, CalciumKind, PhantomGeometryKind, PhantomClass, Dominance } from './types';
export { PHANTOM_CLASSES } from './types';
export { CORONARY_PATHS, TISSUE_HU } from './anatomy';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/**
 * The demo calcifications: a few plaques in each coronary artery plus an aortic-wall
 * distractor; on the default gated geometry the coronary total is a moderate Agatston score
 * (CAC-DRS A2 territory), a case worth reviewing.
 */
export const DEMO_PLAQUES: PlaqueSpec[] = [
  { site: 'LM', at: 0.5, sizeMm: 3.5, widthMm: 3, peakHu: 320 },
  { site: 'LAD', at: 0.18, sizeMm: 6, widthMm: 3.6, peakHu: 520 },
  { site: 'LAD', at: 0.45, sizeMm: 4, widthMm: 3, peakHu: 260 },
  { site: 'LCX', at: 0.35, sizeMm: 4.5, widthMm: 3.2, peakHu: 380 },
  { site: 'RCA', at: 0.3, sizeMm: 6, widthMm: 3.6, peakHu: 650 },
  { site: 'RCA', at: 0.65, sizeMm: 3.5, widthMm: 3, peakHu: 210 },
  { site: 'aortic-wall', at: 0.5, sizeMm: 9, widthMm: 5, peakHu: 600 },
];

const GEOMETRY_DEFAULTS: Record<PhantomGeometryKind, { fovMm: number; centreXy: [number, number]; coverageMm: number; zCentre: number; slices: number | null; kernel: string }> = {
  // Cardiac reconstruction centred on the heart, base to apex plus margins.
  gated: { fovMm: 200, centreXy: [15, -22], coverageMm: 144, zCentre: HEART_CENTRE[2] + 10, slices: 48, kernel: 'B35f' },
  // Full chest: lung bases to above the aortic arch.
  nongated: { fovMm: 350, centreXy: [0, 0], coverageMm: 240, zCentre: HEART_CENTRE[2] + 40, slices: null, kernel: 'STANDARD' },
};

const NON_CORONARY_SITES: CalciumSite[] = ['aortic-wall', 'aortic-root', 'aorta', 'aortic-valve', 'mitral-annulus', 'costal-cartilage', 'stent', 'lead', 'noise'];

/** Reject impossible options with a message that says what to change. */
function checkOptions(o: PhantomOptions): void {
  const positive = (name: string, v: number | undefined, max: number) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0 && v <= max)) throw new RangeError(`phantom: ${name} must be a number in (0, ${max}], got ${v}`);
  };
  if (o.geometry !== undefined && o.geometry !== 'gated' && o.geometry !== 'nongated')
    throw new RangeError(`phantom: geometry must be 'gated' or 'nongated', got ${String(o.geometry)}`);
  if (o.size !== undefined && !(Number.isInteger(o.size) && o.size >= 16 && o.size <= 1024))
    throw new RangeError(`phantom: size must be an integer from 16 to 1024, got ${o.size}`);
  if (o.slices !== undefined && !(Number.isInteger(o.slices) && o.slices >= 1 && o.slices <= 2000))
    throw new RangeError(`phantom: slices must be an integer from 1 to 2000, got ${o.slices}`);
  positive('sliceThicknessMm', o.sliceThicknessMm, 10);
  positive('sliceIncrementMm', o.sliceIncrementMm, 10);
  positive('fovMm', o.fovMm, 600);
  if (o.noiseSdHu !== undefined && !(Number.isFinite(o.noiseSdHu) && o.noiseSdHu >= 0 && o.noiseSdHu <= 200))
    throw new RangeError(`phantom: noiseSdHu must be from 0 to 200, got ${o.noiseSdHu}`);
  if (o.blurMm !== undefined && !(Number.isFinite(o.blurMm) && o.blurMm >= 0 && o.blurMm <= 5)) throw new RangeError(`phantom: blurMm must be from 0 to 5, got ${o.blurMm}`);
  if (o.noiseGrain !== undefined && !(Number.isInteger(o.noiseGrain) && o.noiseGrain >= 1 && o.noiseGrain <= 6)) throw new RangeError(`phantom: noiseGrain must be an integer from 1 to 6, got ${o.noiseGrain}`);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new RangeError(`phantom: seed must be an integer, got ${o.seed}`);
  for (const [n, p] of (o.plaques ?? []).entries()) {
    const sites = [...ARTERIES, ...NON_CORONARY_SITES];
    if (!p || !sites.includes(p.site)) throw new RangeError(`phantom: plaque ${n + 1}: site must be one of ${sites.join(', ')}`);
    if (!(Number.isFinite(p.sizeMm) && p.sizeMm > 0 && p.sizeMm <= 40)) throw new RangeError(`phantom: plaque ${n + 1}: sizeMm must be in (0, 40]`);
    if (p.widthMm !== undefined && !(Number.isFinite(p.widthMm) && p.widthMm > 0 && p.widthMm <= 40))
      throw new RangeError(`phantom: plaque ${n + 1}: widthMm must be in (0, 40]`);
    if (!(Number.isFinite(p.peakHu) && p.peakHu >= -1000 && p.peakHu <= 3071)) throw new RangeError(`phantom: plaque ${n + 1}: peakHu must be from -1000 to 3071`);
    if (p.at !== undefined && !(Number.isFinite(p.at) && p.at >= 0 && p.at <= 1)) throw new RangeError(`phantom: plaque ${n + 1}: at must be a fraction from 0 to 1`);
  }
}

/** Generate a phantom volume and its truth. */
export function generatePhantom(opts: PhantomOptions = {}): { volume: CtVolume; truth: PhantomTruth; classes?: Uint8Array } {
  checkOptions(opts);
  const geometry = opts.geometry ?? 'gated';
  const defaults = GEOMETRY_DEFAULTS[geometry];
  const seed = opts.seed ?? 1;
  const size = opts.size ?? 512;
  const thickness = opts.sliceThicknessMm ?? 3;
  const increment = opts.sliceIncrementMm ?? thickness;
  const slices = opts.slices ?? defaults.slices ?? Math.max(1, Math.round(defaults.coverageMm / increment));
  const fov = opts.fovMm ?? defaults.fovMm;
  const noiseSd = opts.noiseSdHu ?? 12;
  const plaqueSpecs = opts.plaques ?? DEMO_PLAQUES;
  const kvp = opts.kvp ?? 120;

  // Ten significant digits: exactly what a DICOM DS can carry, so files and memory agree.
  const spacing = Number((fov / size).toPrecision(10));
  const z = new Float64Array(slices);
  const zStart = defaults.zCentre - ((slices - 1) * increment) / 2;
  // Round positions to 1/1000 mm so headers (DS) and memory agree exactly.
  for (let k = 0; k < slices; k++) z[k] = Math.round((zStart + k * increment) * 1000) / 1000;
  const centreXy = opts.centreXyMm ?? defaults.centreXy;
  const x0 = Math.round((centreXy[0] - fov / 2 + spacing / 2) * 1000) / 1000;
  const y0 = Math.round((centreXy[1] - fov / 2 + spacing / 2) * 1000) / 1000;
  const grid: Grid = { columns: size, rows: size, slices, x0, y0, dx: spacing, dy: spacing, z, hu: new Int16Array(size * size * slices) };
  if (opts.classMap) grid.cls = new Uint8Array(size * size * slices);

  const heart: CardiacAnatomy = opts.heart
    ? buildCardiacAnatomy({ ...REFERENCE_HEART, ...opts.heart, courseDeg: { ...REFERENCE_HEART.courseDeg, ...(opts.heart.courseDeg ?? {}) } })
    : opts.anatomyVariation
      ? buildCardiacAnatomy(randomHeartVariation(mulberry32(hash128(`heart:${seed}`)[0])))
      : REFERENCE_CARDIAC;
  // Where every calcification goes (on the output grid, so centres are voxel centres).
  const plaques: PlaqueTruth[] = [];
  for (const spec of plaqueSpecs) {
    try {
      plaques.push(placePlaque(grid, heart, spec, plaques.length + 1));
    } catch (e) {
      // Varied scans ask for calcium wherever anatomy has it; what the field of view misses is left out.
      if (!(opts.skipOutside && e instanceof RangeError)) throw e;
    }
  }
  if (opts.metal) {
    plaques.push({
      id: plaques.length + 1,
      artery: 'OTHER',
      kind: 'metal',
      centreMm: snapToVoxel(grid, STERNAL_WIRE.centre),
      radiiMm: [...STERNAL_WIRE.radii],
      axes: STERNAL_WIRE.axes.map((a) => [...a] as Vec3) as [Vec3, Vec3, Vec3],
      // Constant 3000 HU (background = peak), no streaks: the scorer must exclude it, not the painter.
      peakHu: TISSUE_HU.metal,
      backgroundHu: TISSUE_HU.metal,
      at: null,
    });
  }
  const paintCalcium = (target: Grid) => {
    for (const p of plaques) {
      const cls = classOfPlaque(p);
      paintProfileEllipsoid(target, plaqueEllipsoid(p), p.peakHu, p.backgroundHu, cls);
      for (const s of p.segments ?? []) paintProfileEllipsoid(target, { centre: s.centreMm, axes: s.axes, radii: s.radiiMm }, p.peakHu, p.backgroundHu, cls);
    }
  };
  const paintSlice = (target: Grid, k: number) => {
    paintAnatomy(target, heart, k);
    if (opts.table) paintTable(target, k);
    if (target.cls) markAnatomyClasses(target, k);
  };

  if (opts.partialVolume) {
    paintWithSliceProfile(grid, thickness, paintSlice, paintCalcium);
  } else {
    for (let k = 0; k < slices; k++) paintSlice(grid, k);
    paintCalcium(grid);
  }

  if (opts.kvpAffectsHu && kvp !== 120) scaleDenseHu(grid, Math.pow(120 / kvp, 0.75));
  if (opts.blurMm && opts.blurMm > 0) blurInPlane(grid, opts.blurMm);
  if (noiseSd > 0) addNoise(grid, noiseSd, seed, opts.noiseGrain ?? 1);

  const optionKey = optionsKey(opts, { geometry, size, slices, thickness, increment, fov, noiseSd, kvp });
  const volume = buildVolume(grid, {
    seed,
    uidSeed: opts.uidSeed,
    optionKey,
    geometry,
    thickness,
    increment,
    kvp,
    kernel: opts.convolutionKernel ?? defaults.kernel,
    massFactorPatient: opts.massFactorPatient ?? null,
  });
  const truth: PhantomTruth = {
    format: 'cacs-phantom-truth',
    version: 1,
    seed,
    geometry,
    noiseSdHu: noiseSd,
    // Copies: the truth belongs to the caller, the anatomy is shared.
    paths: Object.fromEntries(ARTERIES.map((a) => [a, heart.coronaryPaths[a].map((p) => [...p] as Vec3)])) as Record<Artery, Vec3[]>,
    vesselRadiusMm: VESSEL_RADIUS_MM,
    plaques,
    landmarks: {
      heartCentreMm: [...heart.heartCentre],
      bloodPoolMm: [...heart.bloodPool.centre],
      leftLungMm: [LUNGS.left.centre[0] + 20, LUNGS.left.centre[1] - 40, HEART_CENTRE[2] + 40],
      rightLungMm: [LUNGS.right.centre[0] + 8, LUNGS.right.centre[1] + 10, HEART_CENTRE[2] + 40],
      vertebralBodyMm: [SPINE.bodyCentre[0], SPINE.bodyCentre[1], vertebralCentreZ(HEART_CENTRE[2])],
      aorticRootMm: add(heart.aorticRoot, [0, 0, 10]),
      descendingAortaMm: descendingAortaAt(HEART_CENTRE[2]),
    },
    tissueHu: { ...TISSUE_HU },
  };
  if (opts.heart) {
    truth.dominance = heart.variation.dominance ?? 'right';
    truth.lmLengthMm = heart.variation.lmLengthMm;
    if (heart.variation.bifurcationDeg !== undefined) truth.bifurcationDeg = heart.variation.bifurcationDeg;
  }
  return grid.cls ? { volume, truth, classes: grid.cls } : { volume, truth };
}

/** The PHANTOM_CLASSES index of a truth object. */
export function classOfPlaque(p: PlaqueTruth): number {
  const name = p.kind === 'coronary' ? p.artery : p.kind;
  const n = (PHANTOM_CLASSES as readonly string[]).indexOf(name);
  return n < 0 ? 0 : n;
}

const BONE_CLASS = PHANTOM_CLASSES.indexOf('bone');
const OUTSIDE_CLASS = PHANTOM_CLASSES.indexOf('outside');

/** After the anatomy of slice k is painted: dense anatomy is bone inside the body, the table outside it. */
function markAnatomyClasses(g: Grid, k: number): void {
  const cls = g.cls!;
  const [bx, by] = BODY.centre;
  const [ba, bb] = BODY.semiAxes;
  for (let j = 0; j < g.rows; j++) {
    const y = (g.y0 + j * g.dy - by) / bb;
    const base = (k * g.rows + j) * g.columns;
    for (let i = 0; i < g.columns; i++) {
      if (g.hu[base + i] < 130) {
        cls[base + i] = 0;
        continue;
      }
      const x = (g.x0 + i * g.dx - bx) / ba;
      cls[base + i] = x * x + y * y <= 1 ? BONE_CLASS : OUTSIDE_CLASS;
    }
  }
}

/** The CT table: a curved carbon-fibre shell under the patient's back with two dense rails. */
function paintTable(g: Grid, k: number): void {
  const top = BODY.centre[1] + BODY.semiAxes[1] + 8;
  for (let j = 0; j < g.rows; j++) {
    const y = g.y0 + j * g.dy;
    const base = (k * g.rows + j) * g.columns;
    for (let i = 0; i < g.columns; i++) {
      const x = g.x0 + i * g.dx;
      if (Math.abs(x) > 190) continue;
      const surface = top + (x * x) / 900; // the shell curves up at the sides
      const d = y - surface;
      if (d >= 0 && d <= 3) g.hu[base + i] = 420;
      else if (d > 3 && d <= 25 && Math.abs(Math.abs(x) - 150) < 6) g.hu[base + i] = 950;
    }
  }
}

/** Calcium, bone and metal get denser at low tube voltage: HU above soft tissue scale by `factor`. */
function scaleDenseHu(g: Grid, factor: number): void {
  const hu = g.hu;
  for (let p = 0; p < hu.length; p++) {
    const v = hu[p];
    if (v > 60) hu[p] = Math.min(3071, Math.round(60 + (v - 60) * factor));
  }
}

/** Separable in-plane Gaussian blur (the scanner's point spread function), sigma in mm. */
function blurInPlane(g: Grid, sigmaMm: number): void {
  const sigma = sigmaMm / g.dx;
  const radius = Math.max(1, Math.ceil(2.5 * sigma));
  const w = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let d = -radius; d <= radius; d++) sum += w[d + radius] = Math.exp(-(d * d) / (2 * sigma * sigma));
  for (let d = 0; d < w.length; d++) w[d] /= sum;
  const C = g.columns;
  const R = g.rows;
  const n = C * R;
  const tmp = new Float32Array(n);
  for (let k = 0; k < g.slices; k++) {
    const base = k * n;
    for (let j = 0; j < R; j++)
      for (let i = 0; i < C; i++) {
        let acc = 0;
        for (let d = -radius; d <= radius; d++) {
          const ii = i + d < 0 ? 0 : i + d >= C ? C - 1 : i + d;
          acc += w[d + radius] * g.hu[base + j * C + ii];
        }
        tmp[j * C + i] = acc;
      }
    for (let j = 0; j < R; j++)
      for (let i = 0; i < C; i++) {
        let acc = 0;
        for (let d = -radius; d <= radius; d++) {
          const jj = j + d < 0 ? 0 : j + d >= R ? R - 1 : j + d;
          acc += w[d + radius] * tmp[jj * C + i];
        }
        g.hu[base + j * C + i] = Math.round(acc);
      }
  }
}

export interface RandomPlaqueOptions {
  /** Number of coronary plaques (default 5). */
  coronary?: number;
  /** Number of non-coronary distractors: aortic wall, aortic valve, mitral annulus (default 2). */
  distractors?: number;
  /** Range of peak HU (default 150..900). */
  minPeakHu?: number;
  maxPeakHu?: number;
}

/**
 * A random but reproducible set of calcifications (same seed, same set): coronary plaques
 * spread over the arteries (LAD and RCA most often, LM least, as in CAC registries' lesion
 * counts) at least 8 mm apart along a path, plus distractors. For benchmarks and for testing
 * artery labelling on many cases.
 */
export function randomPlaques(seed: number, opts: RandomPlaqueOptions = {}): PlaqueSpec[] {
  const coronary = opts.coronary ?? 5;
  const distractors = opts.distractors ?? 2;
  const minPeak = opts.minPeakHu ?? 150;
  const maxPeak = opts.maxPeakHu ?? 900;
  if (!(Number.isInteger(coronary) && coronary >= 0 && coronary <= 40)) throw new RangeError(`phantom: coronary plaque count must be an integer from 0 to 40, got ${coronary}`);
  if (!(Number.isInteger(distractors) && distractors >= 0 && distractors <= 10)) throw new RangeError(`phantom: distractor count must be an integer from 0 to 10, got ${distractors}`);
  if (!(minPeak >= 130 && maxPeak >= minPeak && maxPeak <= 3071)) throw new RangeError(`phantom: peak HU range must lie within 130..3071, got ${minPeak}..${maxPeak}`);
  const rand = mulberry32(hash128(`random-plaques:${seed}`)[0]);
  const weights: [Artery, number][] = [
    ['LM', 1],
    ['LAD', 3],
    ['LCX', 2],
    ['RCA', 3],
  ];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const out: PlaqueSpec[] = [];
  const centres: (Vec3 | null)[] = [];
  const peak = () => Math.round(minPeak * Math.pow(maxPeak / minPeak, rand())); // log-uniform: small plaques are common
  // Keep every pair apart (outer radii + 3 mm), so no two calcifications merge into one lesion.
  const fits = (spec: PlaqueSpec, centre: Vec3 | null) =>
    out.every((other, n) => {
      const c = centres[n];
      if (centre === null || c === null) return other.site !== spec.site || Math.abs((other.at ?? 0.5) - (spec.at ?? 0.5)) > 0.25;
      const reach = (Math.max(spec.sizeMm, spec.widthMm ?? 0) + Math.max(other.sizeMm, other.widthMm ?? 0)) / 2 + 3;
      return dist(centre, c) > reach;
    });
  const nominalCentre = (spec: PlaqueSpec): Vec3 | null => {
    const at = spec.at ?? 0.5;
    if (spec.site === 'LM' || spec.site === 'LAD' || spec.site === 'LCX' || spec.site === 'RCA') return pointAlong(CORONARY_PATHS[spec.site], at).point;
    if (spec.site === 'mitral-annulus') return mitralAnnulusPoint(REFERENCE_CARDIAC, at);
    if (spec.site === 'aortic-valve') return aorticValvePoint(REFERENCE_CARDIAC, at).point;
    return null; // aortic wall: its height depends on the scanned range; far from the heart
  };
  const tryAdd = (make: () => PlaqueSpec) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const spec = make();
      const centre = nominalCentre(spec);
      if (!fits(spec, centre)) continue;
      out.push(spec);
      centres.push(centre);
      return;
    }
  };
  const round = (v: number, decimals: number) => Number(v.toFixed(decimals));
  for (let n = 0; n < coronary; n++) {
    tryAdd(() => {
      let r = rand() * total;
      let artery: Artery = 'LAD';
      for (const [a, w] of weights) {
        if (r < w) {
          artery = a;
          break;
        }
        r -= w;
      }
      const at = round(artery === 'LM' ? 0.2 + 0.6 * rand() : 0.08 + 0.84 * rand(), 3);
      const sizeMm = round(2 + 5 * rand(), 1);
      return { site: artery, at, sizeMm, widthMm: round(Math.min(sizeMm, 2.5 + 1.5 * rand()), 1), peakHu: peak() };
    });
  }
  const kinds: CalciumSite[] = ['aortic-wall', 'aortic-valve', 'mitral-annulus'];
  for (let n = 0; n < distractors; n++) {
    tryAdd(() => {
      const site = kinds[Math.floor(rand() * 3)];
      const sizeMm = round(3 + 6 * rand(), 1);
      return { site, at: round(0.15 + 0.7 * rand(), 3), sizeMm, widthMm: round(Math.min(sizeMm, 3 + 2 * rand()), 1), peakHu: peak() };
    });
  }
  return out;
}

/** The viewer's demo study: a gated phantom with calcium in LM, LAD, LCX, RCA and an aortic-wall distractor. */
export function demoStudy(seed = 1): { volume: CtVolume; truth: PhantomTruth } {
  // Its own UIDs: `cacs phantom` with the same seed writes a study of its own, never into the demo's.
  return generatePhantom({ geometry: 'gated', seed, plaques: DEMO_PLAQUES, uidSeed: `demo-${seed}` });
}

/** The truth as pretty JSON (what `cacs phantom` writes as truth.json). */
export function truthToJson(truth: PhantomTruth): string {
  const round = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1e4) / 1e4 : value);
  // Points on one line each: [x, y, z] rather than one number per line.
  return JSON.stringify(truth, round, 2).replace(/\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]/g, '[$1, $2, $3]') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Anatomy, one slice at a time.

/**
 * Partial volume along z: each output slice is the mean of sub-planes spread evenly over its
 * thickness (a boxcar slice sensitivity profile, ~0.6 mm apart), so thin or small calcium loses
 * peak HU and area as on a real scanner and thicker slices blur more.
 */
function paintWithSliceProfile(g: Grid, thicknessMm: number, paintSlice: (target: Grid, k: number) => void, paintCalcium: (target: Grid) => void): void {
  const planes = Math.max(3, Math.ceil(thicknessMm / 0.6));
  const n = g.rows * g.columns;
  const sub: Grid = { ...g, slices: planes, z: new Float64Array(planes), hu: new Int16Array(n * planes), cls: g.cls ? new Uint8Array(n * planes) : undefined };
  const sum = new Float64Array(n);
  for (let k = 0; k < g.slices; k++) {
    for (let s = 0; s < planes; s++) sub.z[s] = g.z[k] - thicknessMm / 2 + ((s + 0.5) * thicknessMm) / planes;
    for (let s = 0; s < planes; s++) paintSlice(sub, s);
    paintCalcium(sub);
    sum.fill(0);
    for (let s = 0; s < planes; s++) for (let p = 0; p < n; p++) sum[p] += sub.hu[s * n + p];
    const base = k * n;
    for (let p = 0; p < n; p++) g.hu[base + p] = Math.round(sum[p] / planes);
    if (g.cls && sub.cls) {
      // The class of the densest sub-plane (what made the voxel dense).
      for (let p = 0; p < n; p++) {
        let best = 0;
        for (let s = 1; s < planes; s++) if (sub.hu[s * n + p] > sub.hu[best * n + p]) best = s;
        g.cls[base + p] = sub.cls[best * n + p];
      }
    }
  }
}

function vertebralCentreZ(z: number): number {
  // Middle of the vertebral level containing z (levels repeat every SPINE.levelMm).
  const level = Math.floor(z / SPINE.levelMm);
  return level * SPINE.levelMm + (SPINE.discMm + SPINE.levelMm) / 2;
}

function paintAnatomy(g: Grid, heart: CardiacAnatomy, k: number): void {
  const z = g.z[k];
  const sliceSize = g.rows * g.columns;
  g.hu.fill(TISSUE_HU.air, k * sliceSize, (k + 1) * sliceSize);
  const [bx, by] = BODY.centre;
  const [ba, bb] = BODY.semiAxes;
  fillEllipse(g, k, bx, by, ba, bb, TISSUE_HU.fat);
  fillEllipse(g, k, bx, by, ba - BODY.fatMm, bb - BODY.fatMm, TISSUE_HU.muscle);
  fillEllipse(g, k, LUNGS.left.centre[0], LUNGS.left.centre[1], LUNGS.left.semi[0], LUNGS.left.semi[1], TISSUE_HU.lung);
  fillEllipse(g, k, LUNGS.right.centre[0], LUNGS.right.centre[1], LUNGS.right.semi[0], LUNGS.right.semi[1], TISSUE_HU.lung);
  fillEllipse(g, k, MEDIASTINUM.centre[0], MEDIASTINUM.centre[1], MEDIASTINUM.semi[0], MEDIASTINUM.semi[1], TISSUE_HU.fat);
  fillEllipse(g, k, 0, 74, 38, 26, TISSUE_HU.muscle);
  fillEllipsoid(g, k, LIVER, TISSUE_HU.liver);
  fillEllipsoid(g, k, LEFT_ABDOMEN, TISSUE_HU.muscle);
  for (const v of PULMONARY_VESSELS) paintTube(g, k, v.path, [{ radiusMm: v.radiusMm, hu: TISSUE_HU.blood }]);
  for (const a of AIRWAYS)
    paintTube(g, k, a.path, [
      { radiusMm: a.radiusMm + AIRWAY_WALL_MM, hu: TISSUE_HU.muscle },
      { radiusMm: a.radiusMm, hu: TISSUE_HU.air },
    ]);
  paintRibs(g, k);
  paintSpine(g, k);
  if (z >= STERNUM.zRange[0] && z <= STERNUM.zRange[1]) {
    fillEllipse(g, k, STERNUM.centre[0], STERNUM.centre[1], STERNUM.semi[0], STERNUM.semi[1], TISSUE_HU.corticalBone);
    fillEllipse(g, k, STERNUM.centre[0], STERNUM.centre[1], STERNUM.semi[0] - 1.5, STERNUM.semi[1] - 1.5, TISSUE_HU.cancellousBone);
  }
  // Heart: epicardial fat shell, myocardium, blood pool (no contrast: blood ~ muscle).
  fillEllipsoid(g, k, heartEllipsoid(heart, EPICARDIAL_FAT_MM), TISSUE_HU.fat);
  fillEllipsoid(g, k, heartEllipsoid(heart, 0), TISSUE_HU.myocardium);
  fillEllipsoid(g, k, heart.bloodPool, TISSUE_HU.blood);
  paintTube(g, k, SVC_PATH, [{ radiusMm: SVC_RADIUS_MM, hu: TISSUE_HU.blood }]);
  paintTube(g, k, heart.aortaPath, [
    { radiusMm: AORTIC_RADIUS_MM, hu: TISSUE_HU.aorticWall },
    { radiusMm: AORTIC_RADIUS_MM - AORTIC_WALL_MM, hu: TISSUE_HU.blood },
  ]);
  for (const artery of ARTERIES) paintTube(g, k, heart.coronaryPaths[artery], [{ radiusMm: VESSEL_RADIUS_MM, hu: TISSUE_HU.vessel }]);
}

function paintSpine(g: Grid, k: number): void {
  const z = g.z[k];
  const s = SPINE;
  fillEllipse(g, k, s.canalCentre[0], s.canalCentre[1], s.archRadiusMm, s.archRadiusMm, 600);
  fillEllipse(g, k, s.spinousCentre[0], s.spinousCentre[1], s.spinousSemi[0], s.spinousSemi[1], 600);
  fillEllipse(g, k, s.canalCentre[0], s.canalCentre[1], s.canalRadiusMm, s.canalRadiusMm, TISSUE_HU.csf);
  const inLevel = z - Math.floor(z / s.levelMm) * s.levelMm;
  if (inLevel < s.discMm) {
    fillEllipse(g, k, s.bodyCentre[0], s.bodyCentre[1], s.bodySemi[0], s.bodySemi[1], TISSUE_HU.disc);
  } else {
    fillEllipse(g, k, s.bodyCentre[0], s.bodyCentre[1], s.bodySemi[0], s.bodySemi[1], TISSUE_HU.corticalBone);
    fillEllipse(g, k, s.bodyCentre[0], s.bodyCentre[1], s.bodySemi[0] - s.cortexMm, s.bodySemi[1] - s.cortexMm, TISSUE_HU.cancellousBone);
  }
}

/** Ribs: arcs in the chest wall, each sloping down from the spine to the front. */
function paintRibs(g: Grid, k: number): void {
  const z = g.z[k];
  const r = RIBS;
  const a = BODY.semiAxes[0] - BODY.fatMm - r.thicknessMm / 2 - 1;
  const b = BODY.semiAxes[1] - BODY.fatMm - r.thicknessMm / 2 - 1;
  const half = r.thicknessMm / 2;
  const drop = r.slopeMmPerDeg * (r.endDeg - r.startDeg);
  // Posterior heights z_n = n * levelMm of the ribs that can cross this slice.
  const nLo = Math.ceil((z - r.heightMm / 2) / r.levelMm);
  const nHi = Math.floor((z + drop + r.heightMm / 2) / r.levelMm);
  if (nHi < nLo) return;
  const jStart = Math.max(0, Math.ceil((BODY.centre[1] - b - half - g.y0) / g.dy));
  const jEnd = Math.min(g.rows - 1, Math.floor((BODY.centre[1] + b + half - g.y0) / g.dy));
  const iStart = Math.max(0, Math.ceil((BODY.centre[0] - a - half - g.x0) / g.dx));
  const iEnd = Math.min(g.columns - 1, Math.floor((BODY.centre[0] + a + half - g.x0) / g.dx));
  const meanRadius = (a + b) / 2;
  for (let j = jStart; j <= jEnd; j++) {
    const y = g.y0 + j * g.dy - BODY.centre[1];
    const base = (k * g.rows + j) * g.columns;
    for (let i = iStart; i <= iEnd; i++) {
      const x = g.x0 + i * g.dx - BODY.centre[0];
      const rho = Math.sqrt((x / a) ** 2 + (y / b) ** 2);
      const radial = (rho - 1) * meanRadius;
      if (Math.abs(radial) > half) continue;
      const deg = (Math.abs(Math.atan2(x / a, y / b)) * 180) / Math.PI; // 0 = posterior midline
      if (deg < r.startDeg || deg > r.endDeg) continue;
      for (let n = nLo; n <= nHi; n++) {
        const dz = z - (n * r.levelMm - r.slopeMmPerDeg * (deg - r.startDeg));
        if (Math.abs(dz) > r.heightMm / 2) continue;
        const core = Math.abs(radial) < half - 1.5 && Math.abs(dz) < r.heightMm / 2 - 1.5;
        g.hu[base + i] = core ? TISSUE_HU.cancellousBone : TISSUE_HU.corticalBone;
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Calcifications.

function snapToVoxel(g: Grid, p: Vec3): Vec3 {
  const i = Math.min(g.columns - 1, Math.max(0, Math.round((p[0] - g.x0) / g.dx)));
  const j = Math.min(g.rows - 1, Math.max(0, Math.round((p[1] - g.y0) / g.dy)));
  let k = 0;
  for (let q = 1; q < g.slices; q++) if (Math.abs(g.z[q] - p[2]) < Math.abs(g.z[k] - p[2])) k = q;
  return [g.x0 + i * g.dx, g.y0 + j * g.dy, g.z[k]];
}

function insideGrid(g: Grid, p: Vec3, marginMm: number): boolean {
  const x1 = g.x0 + (g.columns - 1) * g.dx;
  const y1 = g.y0 + (g.rows - 1) * g.dy;
  return (
    p[0] >= g.x0 + marginMm &&
    p[0] <= x1 - marginMm &&
    p[1] >= g.y0 + marginMm &&
    p[1] <= y1 - marginMm &&
    p[2] >= g.z[0] - 1e-6 &&
    p[2] <= g.z[g.slices - 1] + 1e-6
  );
}

/** A point on the aortic valve ring (7 mm from its centre) at fraction `at` of the way round, and the ring's tangent there. */
function aorticValvePoint(heart: CardiacAnatomy, at: number): { point: Vec3; tangent: Vec3 } {
  const angle = at * 2 * Math.PI;
  const [v, w] = completeFrame(heart.frame[0]);
  const radial = add(scale(v, Math.cos(angle)), scale(w, Math.sin(angle)));
  return { point: add(heart.aorticValveCentre, scale(radial, 7)), tangent: normalize(cross(heart.frame[0], radial)) };
}

/** Where a plaque goes: on its path at fraction `at`, moved to a voxel centre (preferring a point where the path crosses a slice). */
function placePlaque(g: Grid, heart: CardiacAnatomy, spec: PlaqueSpec, id: number): PlaqueTruth {
  const at = spec.at ?? 0.5;
  const lengthRadius = spec.sizeMm / 2;
  const widthRadius = (spec.widthMm ?? Math.min(spec.sizeMm, 4)) / 2;
  let centre: Vec3 = [0, 0, 0];
  let along: Vec3 = [0, 0, 1];
  let backgroundHu: number = TISSUE_HU.muscle;
  let artery: Artery | 'OTHER' = 'OTHER';
  let kind: PlaqueTruth['kind'] | null = null;
  let segments: PlaqueTruth['segments'];
  const isCoronary = spec.site === 'LM' || spec.site === 'LAD' || spec.site === 'LCX' || spec.site === 'RCA';
  if (isCoronary && lengthRadius > 3.5) {
    // A long deposit follows its curved vessel: a chain of short ellipsoids along the path.
    const path = heart.coronaryPaths[spec.site as Artery];
    const hit = pointAlong(path, at);
    const total = pathLengthOf(path);
    const half = lengthRadius - 1.5;
    segments = [];
    for (let d = -half; d <= half + 1e-9; d += 1.5) {
      const f = Math.min(1, Math.max(0, at + d / total));
      const q = pointAlong(path, f);
      const [v, w] = completeFrame(q.tangent);
      segments.push({ centreMm: q.point, radiiMm: [1.6, widthRadius, widthRadius], axes: [q.tangent, v, w] });
    }
    const [v, w] = completeFrame(hit.tangent);
    const snapped = snapToVoxel(g, hit.point);
    if (!insideGrid(g, hit.point, 0)) throw new RangeError(`phantom: plaque ${id} (${spec.site} at ${at}) lies outside the scanned volume; use more slices or another position`);
    return { id, artery: spec.site as Artery, kind: 'coronary', centreMm: snapped, radiiMm: [2, widthRadius, widthRadius], axes: [hit.tangent, v, w], peakHu: spec.peakHu, backgroundHu: TISSUE_HU.vessel, at, site: spec.site, segments };
  }
  if (spec.site === 'aortic-root' || spec.site === 'aorta') {
    // On the aortic wall: 'aortic-root' in the first 30 mm above the root (the ostia's level),
    // 'aorta' anywhere along the thoracic aorta; `at` picks the height, the azimuth comes from it too.
    const path = heart.aortaPath;
    const total = pathLengthOf(path);
    const f = spec.site === 'aortic-root' ? (at * 30) / total : at;
    const hit = pointAlong(path, Math.min(1, f));
    const [v, w] = completeFrame(hit.tangent);
    const angle = at * 97 * 2 * Math.PI; // quasi-random round the wall
    const radial = add(scale(v, Math.cos(angle)), scale(w, Math.sin(angle)));
    centre = add(hit.point, scale(radial, AORTIC_RADIUS_MM - AORTIC_WALL_MM / 2));
    along = normalize(cross(hit.tangent, radial));
    backgroundHu = TISSUE_HU.aorticWall;
    kind = 'aortic-wall';
  } else if (spec.site === 'costal-cartilage') {
    // Calcified costal cartilage beside the sternum, in the anterior chest wall.
    const side = at < 0.5 ? -1 : 1;
    const x = side * (22 + 90 * Math.abs(at - 0.5));
    const zc = STERNUM.zRange[0] + 20 + ((at * 7919) % 1) * (STERNUM.zRange[1] - STERNUM.zRange[0] - 40);
    const yWall = BODY.centre[1] - (BODY.semiAxes[1] - BODY.fatMm - 6) * Math.sqrt(Math.max(0, 1 - (x / (BODY.semiAxes[0] - BODY.fatMm - 6)) ** 2));
    centre = [x, yWall, zc];
    along = normalize([side, -0.2, -0.3]);
    backgroundHu = TISSUE_HU.muscle;
    kind = 'bone';
  } else if (spec.site === 'stent') {
    const a = spec.artery ?? 'LAD';
    const hit = pointAlong(heart.coronaryPaths[a], at);
    centre = hit.point;
    along = hit.tangent;
    backgroundHu = TISSUE_HU.vessel;
    kind = 'metal';
  } else if (spec.site === 'lead') {
    // A pacemaker lead down the superior vena cava into the right atrium.
    centre = [SVC_PATH[0][0] + 2, SVC_PATH[0][1], heart.aorticRoot[2] + 10 - 40 * at];
    along = normalize([0.05, 0, 1]);
    backgroundHu = TISSUE_HU.blood;
    kind = 'metal';
  } else if (spec.site === 'noise') {
    // A speck in the heart region (inside the epicardial fat shell or just outside it).
    const phi = at * 360 * 7;
    centre = heartSurface(heart, -0.6 + 1.2 * ((at * 13.7) % 1), phi, -20 + 30 * ((at * 31.3) % 1));
    along = [0, 0, 1];
    backgroundHu = TISSUE_HU.muscle;
    kind = 'noise';
  } else if (isCoronary) {
    artery = spec.site as Artery;
    const path = heart.coronaryPaths[artery];
    const hit = pointAlong(path, at);
    along = hit.tangent;
    // Prefer a nearby path sample that lies in a slice plane, so snapping moves the centre little.
    let best = hit.point;
    let bestDz = Infinity;
    for (let s = Math.max(0, hit.index - 6); s <= Math.min(path.length - 1, hit.index + 6); s++) {
      const p = path[s];
      let dz = Infinity;
      for (let q = 0; q < g.slices; q++) dz = Math.min(dz, Math.abs(g.z[q] - p[2]));
      if (dz < bestDz - 1e-9) {
        bestDz = dz;
        best = p;
      }
    }
    centre = best;
    backgroundHu = TISSUE_HU.vessel;
  }
  if (kind !== null || isCoronary) {
    // placed above
  } else if (spec.site === 'aortic-wall') {
    // On the posterolateral wall of the descending aorta, at fraction `at` of the scanned height.
    const zc = g.z[0] + at * (g.z[g.slices - 1] - g.z[0]);
    const outward = normalize([0.6, 0.8, 0]);
    centre = add([DESCENDING_AORTA_XY[0], DESCENDING_AORTA_XY[1], zc], scale(outward, AORTIC_RADIUS_MM - AORTIC_WALL_MM / 2));
    along = [0, 0, 1];
    backgroundHu = TISSUE_HU.aorticWall;
  } else if (spec.site === 'aortic-valve') {
    // On a cusp: off the valve centre, towards the non-coronary (posterior) side, away from both ostia.
    const valve = aorticValvePoint(heart, at);
    centre = valve.point;
    along = valve.tangent;
    backgroundHu = TISSUE_HU.blood;
  } else {
    centre = mitralAnnulusPoint(heart, at);
    const ahead = mitralAnnulusPoint(heart, Math.min(1, at + 0.01));
    const behind = mitralAnnulusPoint(heart, Math.max(0, at - 0.01));
    along = normalize([ahead[0] - behind[0], ahead[1] - behind[1], ahead[2] - behind[2]]);
    backgroundHu = TISSUE_HU.myocardium;
  }
  if (!insideGrid(g, centre, 0)) {
    throw new RangeError(
      `phantom: plaque ${id} (${spec.site} at ${at}) lies outside the scanned volume (z ${g.z[0]}..${g.z[g.slices - 1]} mm); use more slices or another position`,
    );
  }
  const snapped = snapToVoxel(g, centre);
  const [v, w] = completeFrame(along);
  return {
    id,
    artery,
    kind: kind ?? (artery === 'OTHER' ? (spec.site as PlaqueTruth['kind']) : 'coronary'),
    centreMm: snapped,
    radiiMm: [lengthRadius, widthRadius, widthRadius],
    axes: [along, v, w],
    peakHu: spec.peakHu,
    backgroundHu,
    at,
    ...(spec.site !== undefined && (kind !== null || segments) ? { site: spec.site } : {}),
  };
}

function pathLengthOf(path: Vec3[]): number {
  let total = 0;
  for (let n = 1; n < path.length; n++) total += dist(path[n - 1], path[n]);
  return Math.max(total, 1e-6);
}

/**
 * Seeded Gaussian noise with a short in-plane correlation (white noise smoothed by a separable
 * [1 2 1]/4 kernel, then rescaled to the requested standard deviation): CT noise has a grain of
 * a few pixels rather than independent pixels. Rounded and clamped to the 12-bit CT range.
 */
function addNoise(g: Grid, sdHu: number, seed: number, grain = 1): void {
  const table = normalTable16();
  const n = g.rows * g.columns;
  const white = new Float32Array(n);
  const smooth = new Float32Array(n);
  // Variance of [1 2 1]/4 smoothing in x and y: (6/16)^2, so the sd shrinks by 6/16.
  // Extra grain passes: the binomial kernel of m passes keeps sum w^2 = C(4m, 2m) / 16^m per axis.
  const perAxis = (m: number) => {
    let c = 1;
    for (let q = 1; q <= 2 * m; q++) c = (c * (2 * m + q)) / q;
    return c / Math.pow(16, m);
  };
  const gain = grain === 1 ? sdHu / (6 / 16) : sdHu / perAxis(grain);
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const C = g.columns;
  const R = g.rows;
  for (let k = 0; k < g.slices; k++) {
    for (let p = 0; p < n; p += 2) {
      // mulberry32, inlined: one 32-bit draw gives two 16-bit table indices.
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      t = (t ^ (t >>> 14)) >>> 0;
      white[p] = table[t >>> 16];
      if (p + 1 < n) white[p + 1] = table[t & 0xffff];
    }
    for (let pass = 1; pass < grain; pass++) {
      // Extra [1 2 1]/4 passes in x then y (white -> smooth -> white): a coarser grain.
      for (let j = 0; j < R; j++) {
        const row = j * C;
        for (let i = 0; i < C; i++) {
          const l = i > 0 ? i - 1 : i + 1;
          const r = i + 1 < C ? i + 1 : i - 1;
          smooth[row + i] = 0.25 * white[row + l] + 0.5 * white[row + i] + 0.25 * white[row + r];
        }
      }
      for (let j = 0; j < R; j++) {
        const up = (j > 0 ? j - 1 : j + 1) * C;
        const down = (j + 1 < R ? j + 1 : j - 1) * C;
        for (let i = 0; i < C; i++) white[j * C + i] = 0.25 * smooth[up + i] + 0.5 * smooth[j * C + i] + 0.25 * smooth[down + i];
      }
    }
    for (let j = 0; j < R; j++) {
      const row = j * C;
      for (let i = 0; i < C; i++) {
        const l = i > 0 ? i - 1 : i + 1 < C ? i + 1 : i;
        const r = i + 1 < C ? i + 1 : i > 0 ? i - 1 : i;
        smooth[row + i] = 0.25 * white[row + l] + 0.5 * white[row + i] + 0.25 * white[row + r];
      }
    }
    const base = k * n;
    for (let j = 0; j < R; j++) {
      const up = (j > 0 ? j - 1 : j + 1 < R ? j + 1 : j) * C;
      const down = (j + 1 < R ? j + 1 : j > 0 ? j - 1 : j) * C;
      const row = j * C;
      for (let i = 0; i < C; i++) {
        const v = Math.round(g.hu[base + row + i] + gain * (0.25 * smooth[up + i] + 0.5 * smooth[row + i] + 0.25 * smooth[down + i]));
        g.hu[base + row + i] = v < -1024 ? -1024 : v > 3071 ? 3071 : v;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Headers.

function optionsKey(opts: PhantomOptions, resolved: Record<string, unknown>): string {
  // Series and instance UIDs change with anything that changes the pixels.
  // Options added later enter the key only when set, so earlier phantoms keep their UIDs.
  const added = {
    ...(opts.partialVolume ? { partialVolume: true } : {}),
    ...(opts.anatomyVariation ? { anatomyVariation: true } : {}),
    ...(opts.heart ? { heart: opts.heart } : {}),
    ...(opts.table ? { table: true } : {}),
    ...(opts.skipOutside ? { skipOutside: true } : {}),
    ...(opts.centreXyMm ? { centreXyMm: opts.centreXyMm } : {}),
    ...(opts.kvpAffectsHu ? { kvpAffectsHu: true } : {}),
    ...(opts.blurMm ? { blurMm: opts.blurMm } : {}),
    ...(opts.noiseGrain && opts.noiseGrain !== 1 ? { noiseGrain: opts.noiseGrain } : {}),
  };
  const words = hash128(JSON.stringify({ ...resolved, plaques: opts.plaques ?? 'demo', metal: !!opts.metal, kernel: opts.convolutionKernel ?? null, mf: opts.massFactorPatient ?? null, ...added }));
  return words.map((w) => w.toString(16)).join('');
}

interface HeaderInputs {
  seed: number;
  uidSeed?: string;
  optionKey: string;
  geometry: PhantomGeometryKind;
  thickness: number;
  increment: number;
  kvp: number;
  kernel: string;
  massFactorPatient: number | null;
}

function buildVolume(g: Grid, h: HeaderInputs): CtVolume {
  const gated = h.geometry === 'gated';
  const facts: SeriesFacts = {
    modality: 'CT',
    manufacturer: 'CAC-Phantom',
    manufacturerModelName: 'Digital chest phantom',
    kvp: h.kvp,
    sliceThicknessMm: h.thickness,
    sliceIncrementMm: h.increment,
    pixelSpacingMm: [g.dy, g.dx],
    rows: g.rows,
    columns: g.columns,
    sliceCount: g.slices,
    convolutionKernel: h.kernel,
    gated,
    contrast: false,
    contrastAgent: null,
    gantryTiltDeg: 0,
    massFactorPatient: h.massFactorPatient,
    reconstruction: null,
  };
  const source: SourceContext = {
    patientName: 'PHANTOM^CALCIUM',
    patientId: `PHANTOM-${h.seed}`,
    patientBirthDate: '19610315',
    patientSex: 'M',
    patientAge: '064Y',
    studyInstanceUid: uidFromSeed(h.uidSeed ?? h.seed, 'study'),
    studyDate: '20250315',
    studyTime: '091500',
    studyId: '1',
    accessionNumber: `PH${h.seed}`,
    referringPhysicianName: null,
    studyDescription: 'Calcium score phantom',
    seriesInstanceUid: uidFromSeed(h.uidSeed ?? h.seed, h.optionKey, 'series'),
    seriesNumber: gated ? 2 : 3,
    seriesDescription: gated ? `Calcium Score ${h.thickness} ${h.kernel} (phantom)` : `Chest non-gated ${h.thickness} ${h.kernel} (phantom)`,
    frameOfReferenceUid: uidFromSeed(h.uidSeed ?? h.seed, 'frame-of-reference'),
  };
  const instances: SliceInstance[] = [];
  const imagePositionsMm: Vec3[] = [];
  for (let k = 0; k < g.slices; k++) {
    imagePositionsMm.push([g.x0, g.y0, g.z[k]]);
    // Scanners number from the head down: instance 1 is the most superior slice.
    instances.push({ sopInstanceUid: uidFromSeed(h.uidSeed ?? h.seed, h.optionKey, 'sop', k), sopClassUid: CT_IMAGE_STORAGE, instanceNumber: g.slices - k });
  }
  return {
    columns: g.columns,
    rows: g.rows,
    slices: g.slices,
    columnSpacingMm: g.dx,
    rowSpacingMm: g.dy,
    sliceIncrementMm: h.increment,
    imagePositionsMm,
    rowCosines: [1, 0, 0],
    columnCosines: [0, 1, 0],
    normal: [0, 0, 1],
    instances,
    facts,
    source,
    hu: g.hu,
  };
}

/** Every truth object's ellipsoid, for tests and tools that ask "which plaque is this voxel in". */
export function plaqueEllipsoid(p: PlaqueTruth): Ellipsoid {
  return { centre: p.centreMm, axes: p.axes, radii: p.radiiMm };
}
