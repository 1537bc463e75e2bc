/**
 * Phantom scans that vary the way real patients and scanners do (docs/labelling.md §4), for
 * training and testing the automatic artery labeller: one seed gives one reproducible scan
 * recipe (PhantomOptions) whose heart, calcium, distractors and imaging are all drawn here.
 *
 * Cited frequencies: calcium per artery from where new CAC appears in MESA (LAD 44, RCA 12,
 * LCX 10, LM 6 %) [MESA-new]; non-coronary calcium from non-gated instance counts (thoracic
 * aorta 68.65 %, aortic valve 6.55 %, mitral valve 3.03 %) [CNG]; aortic valve calcium in
 * 13.4 % of people [MESA-AVC], mitral annulus in 9 % [MESA-MAC]. Everything else (how often a
 * table, stent, lead or cartilage shows, kVp and slice mix) is a design choice, marked [U].
 */
import type { Artery } from '../types';
import { hash128 } from '../dicom/uid';
import { randomPatientHeart } from './anatomy';
import { mulberry32 } from './prng';
import type { Dominance, PhantomOptions, PlaqueSpec } from './types';

export interface ScanRecipeOptions {
  /** Force a dominance (to hold out a whole family, e.g. left-dominant hearts). */
  dominance?: Dominance;
  /** Force gated or chest geometry. */
  geometry?: 'gated' | 'nongated';
  /** Matrix size (default 256: realistic mm spacing at a fraction of the voxels). */
  size?: number;
  /**
   * Training recipe: more coronary calcium per scan (4-18 lesions) with the arteries closer to
   * balanced (LAD 35, RCA 25, LCX 25, LM 15 %), so rare arteries are learnt; test scans keep
   * the registry shares.
   */
  training?: boolean;
}

const TRAINING_SHARES: [Artery, number][] = [
  ['LAD', 35],
  ['RCA', 25],
  ['LCX', 25],
  ['LM', 15],
];

/** Share of coronary lesions per artery [MESA-new], normalised. */
const ARTERY_SHARES: [Artery, number][] = [
  ['LAD', 44],
  ['RCA', 12],
  ['LCX', 10],
  ['LM', 6],
];

/** One varied scan: PhantomOptions with a seeded heart, calcium, distractors and imaging. */
export function randomScanOptions(seed: number, opts: ScanRecipeOptions = {}): PhantomOptions {
  const rand = mulberry32(hash128(`scan:${seed}`)[0]);
  const pick = <T>(items: [T, number][]): T => {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = rand() * total;
    for (const [item, w] of items) {
      if (r < w) return item;
      r -= w;
    }
    return items[items.length - 1][0];
  };
  const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const round = (v: number, d = 2) => Number(v.toFixed(d));
  const heart = randomPatientHeart(rand, opts.dominance);
  const geometry = opts.geometry ?? (rand() < 0.5 ? 'gated' : 'nongated');
  const gated = geometry === 'gated';
  const size = opts.size ?? 256;

  // Imaging [U]: 0.5-5 mm slices, sometimes overlapping; 80-140 kVp with 120 most common.
  const thickness = pick<number>([
    [0.625, 1],
    [1, 1],
    [1.5, 1],
    [2.5, 2],
    [3, 5],
    [3.75, 1],
    [5, 1],
  ]);
  const increment = rand() < 0.3 ? round(thickness * between(0.5, 0.9), 3) : thickness;
  const kvp = pick<number>([
    [80, 1],
    [100, 3],
    [120, 6],
    [140, 1],
  ]);
  const fovMm = gated ? round(between(200, 250), 1) : round(between(320, 400), 1);
  // Cover the heart: gated ~ 130-160 mm, chest 220-280 mm.
  const coverage = gated ? between(130, 160) : between(220, 280);
  // At most 160 slices (thin slices cover the heart region only) to keep the set cheap to build.
  const slices = Math.max(8, Math.min(160, Math.round(coverage / increment)));
  const noiseSdHu = round(gated ? between(8, 30) : between(10, 40), 1);
  const iterative = rand() < 0.5;

  const plaques: PlaqueSpec[] = [];
  const peak = () => Math.round(150 * Math.pow(1100 / 150, Math.pow(rand(), 1.2))); // mostly low, up to ~1000 HU
  // Coronary calcium: 0-14 lesions, per-artery shares, proximal bias, spots to long deposits.
  const coronaryCount = opts.training ? 4 + Math.floor(rand() * 15) : rand() < 0.12 ? 0 : Math.min(14, 1 + Math.floor(-Math.log(1 - rand()) * 4));
  const shares = opts.training ? TRAINING_SHARES : ARTERY_SHARES;
  const lmUsable = heart.lmLengthMm >= 3;
  for (let n = 0; n < coronaryCount; n++) {
    let artery = pick(shares);
    if (artery === 'LM' && !lmUsable) artery = 'LAD';
    const at = round(artery === 'LM' ? between(0.1, 0.95) : Math.pow(rand(), 1.7) * 0.95 + 0.02, 3);
    const style = rand();
    // 25 % spots (one or two voxels), 55 % small plaques, 20 % long deposits along the vessel.
    const sizeMm = round(style < 0.25 ? between(0.6, 1.8) : style < 0.8 ? between(2, 6) : between(7, artery === 'LM' ? Math.max(7.5, Math.min(16, heart.lmLengthMm)) : 22), 1);
    const widthMm = round(Math.min(sizeMm, between(1, 4.2)), 1);
    plaques.push({ site: artery, at, sizeMm, widthMm, peakHu: peak() });
    // Bridging calcium over the LM bifurcation into a branch [U: 1 in 4 LM deposits].
    if (artery === 'LM' && rand() < 0.25) {
      plaques.push({ site: rand() < 0.6 ? 'LAD' : 'LCX', at: 0.01, sizeMm: round(between(3, 6), 1), widthMm, peakHu: peak() });
    }
  }
  // Aortic calcium: thoracic aorta dominates non-gated instance counts [CNG]; the root and
  // ascending aorta at the ostia are the classic trap.
  const aorticCount = Math.floor(-Math.log(1 - rand()) * (gated ? 1.5 : 3.5));
  for (let n = 0; n < aorticCount; n++) {
    const r = rand();
    const site = r < 0.35 ? 'aortic-root' : r < 0.7 && !gated ? 'aorta' : 'aortic-wall';
    const sizeMm = round(between(2, 14), 1);
    plaques.push({ site, at: round(between(0.02, 0.98), 3), sizeMm, widthMm: round(Math.min(sizeMm, between(1.5, 4)), 1), peakHu: peak() });
  }
  // Aortic valve in ~13 % [MESA-AVC] (more in calcium scans [U]: 20 %), mitral annulus 9-15 % [MESA-MAC].
  if (rand() < 0.2) {
    const count = 1 + Math.floor(rand() * 3);
    for (let n = 0; n < count; n++) {
      const sizeMm = round(between(2, 10), 1);
      plaques.push({ site: 'aortic-valve', at: round(rand(), 3), sizeMm, widthMm: round(Math.min(sizeMm, between(1.5, 4)), 1), peakHu: peak() });
    }
  }
  if (rand() < 0.15) {
    const count = 1 + Math.floor(rand() * 2);
    for (let n = 0; n < count; n++) {
      const sizeMm = round(between(3, 16), 1);
      plaques.push({ site: 'mitral-annulus', at: round(rand(), 3), sizeMm, widthMm: round(Math.min(sizeMm, between(2, 5)), 1), peakHu: peak() });
    }
  }
  // Costal cartilage calcification [U: 40 %], stents [U: 6 %], pacemaker leads [U: 4 %], specks.
  if (rand() < 0.4) {
    const count = 1 + Math.floor(rand() * 5);
    for (let n = 0; n < count; n++) plaques.push({ site: 'costal-cartilage', at: round(rand(), 3), sizeMm: round(between(2, 12), 1), widthMm: round(between(2, 5), 1), peakHu: Math.round(between(180, 700)) });
  }
  if (rand() < 0.06) {
    const artery = pick<Artery>([
      ['LAD', 3],
      ['RCA', 2],
      ['LCX', 1],
    ]);
    plaques.push({ site: 'stent', artery, at: round(between(0.05, 0.5), 3), sizeMm: round(between(8, 20), 1), widthMm: 3, peakHu: Math.round(between(1200, 3000)) });
  }
  if (rand() < 0.04) plaques.push({ site: 'lead', at: round(rand(), 3), sizeMm: 40, widthMm: 2, peakHu: 3000 });
  const specks = Math.floor(rand() * 4);
  for (let n = 0; n < specks; n++) plaques.push({ site: 'noise', at: round(rand(), 4), sizeMm: round(between(0.5, 1.4), 2), widthMm: round(between(0.5, 1.2), 2), peakHu: Math.round(between(140, 260)) });

  return {
    geometry,
    seed,
    size,
    slices,
    sliceThicknessMm: thickness,
    sliceIncrementMm: increment,
    fovMm,
    centreXyMm: gated ? [round(15 + heart.shiftMm[0] + between(-10, 10), 1), round(-22 + heart.shiftMm[1] + between(-10, 10), 1)] : [round(between(-8, 8), 1), round(between(-10, 10), 1)],
    noiseSdHu,
    noiseGrain: iterative ? 3 : 1,
    blurMm: round(between(0.3, 0.9), 2),
    partialVolume: true,
    heart,
    plaques,
    metal: rand() < 0.05,
    table: !gated && rand() < 0.85,
    skipOutside: true,
    classMap: true,
    kvp,
    kvpAffectsHu: true,
    convolutionKernel: gated ? 'B35f' : 'STANDARD',
  };
}
