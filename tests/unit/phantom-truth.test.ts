/**
 * The scoring engine against the phantom's truth. The expected scores are NOT taken from the
 * engine: a brute-force reference written here (docs/scoring.md §1.1: per slice, HU >= 130, 8-connected
 * flood fill, area >= 1 mm^2, weight from the component's peak HU, area x weight x increment / 3;
 * volume = voxels x pixel area x increment) assigns each 2D component to the truth plaque whose
 * ellipsoid it touches (a voxel standing for its slab of the slice thickness). Seeds are placed at the truth centres of the coronary plaques only, as a
 * reader would click them; distractors (aortic wall and valve, mitral annulus, metal, bone)
 * must not end up in any artery.
 */
import { describe, expect, it } from 'vitest';
import { scoreVolume } from '../../core/index';
import { ARTERIES, type Artery, type CtVolume, type Vec3 } from '../../core/types';
import { voxelToPatient } from '../../core/dicom/geometry';
import { DEMO_PLAQUES, generatePhantom, plaqueEllipsoid, randomPlaques, type PhantomOptions, type PhantomTruth, type PlaqueTruth } from '../../core/phantom/index';
import { insideEllipsoid } from '../../core/phantom/raster';

/**
 * Does the slab a voxel stands for (its centre, spread over the slice thickness along z) meet
 * the plaque's ellipsoid? With partial volume a plaque shows on a slice whose centre plane
 * misses it, so the centre point alone is not enough.
 */
function slabMeets(plaque: PlaqueTruth, p: Vec3, thicknessMm: number): boolean {
  const e = plaqueEllipsoid(plaque);
  for (let s = -3; s <= 3; s++) if (insideEllipsoid(e, [p[0], p[1], p[2] + (s / 6) * thicknessMm])) return true;
  return false;
}

/** Flat voxel index -> the plaques whose ellipsoid that voxel's slab meets (searched in each plaque's bounding box). */
function plaqueVoxelMap(volume: CtVolume, truth: PhantomTruth): Map<number, PlaqueTruth[]> {
  const map = new Map<number, PlaqueTruth[]>();
  const thickness = volume.facts.sliceThicknessMm ?? volume.sliceIncrementMm;
  for (const plaque of truth.plaques) {
    const reach = Math.max(...plaque.radiiMm) + thickness;
    const [ci, cj] = [plaque.centreMm[0] - volume.imagePositionsMm[0][0], plaque.centreMm[1] - volume.imagePositionsMm[0][1]];
    const i0 = Math.max(0, Math.floor((ci - reach) / volume.columnSpacingMm));
    const i1 = Math.min(volume.columns - 1, Math.ceil((ci + reach) / volume.columnSpacingMm));
    const j0 = Math.max(0, Math.floor((cj - reach) / volume.rowSpacingMm));
    const j1 = Math.min(volume.rows - 1, Math.ceil((cj + reach) / volume.rowSpacingMm));
    for (let k = 0; k < volume.slices; k++) {
      if (Math.abs(volume.imagePositionsMm[k][2] - plaque.centreMm[2]) > reach) continue;
      for (let j = j0; j <= j1; j++)
        for (let i = i0; i <= i1; i++) {
          if (!slabMeets(plaque, voxelToPatient(volume, i, j, k), thickness)) continue;
          const v = (k * volume.rows + j) * volume.columns + i;
          map.set(v, [...(map.get(v) ?? []), plaque]);
        }
    }
  }
  return map;
}

interface ReferenceTotals {
  agatston: number;
  volumeMm3: number;
  components: number;
}

/** Brute-force Agatston and volume per artery, assigned by which truth ellipsoid a component touches. */
function referenceScores(volume: CtVolume, truth: PhantomTruth): { perArtery: Record<Artery, ReferenceTotals>; perPlaque: Map<number, ReferenceTotals> } {
  const inPlaque = plaqueVoxelMap(volume, truth);
  const { columns: C, rows: R } = volume;
  const pixelAreaMm2 = volume.columnSpacingMm * volume.rowSpacingMm;
  const perArtery = Object.fromEntries(ARTERIES.map((a) => [a, { agatston: 0, volumeMm3: 0, components: 0 }])) as Record<Artery, ReferenceTotals>;
  const perPlaque = new Map<number, ReferenceTotals>();
  const label = new Int32Array(C * R);
  for (let k = 0; k < volume.slices; k++) {
    label.fill(0);
    const offset = k * C * R;
    let next = 0;
    for (let start = 0; start < C * R; start++) {
      if (label[start] !== 0 || volume.hu[offset + start] < 130) continue;
      next++;
      const members: number[] = [];
      const stack = [start];
      label[start] = next;
      let peak = -Infinity;
      while (stack.length > 0) {
        const q = stack.pop()!;
        members.push(q);
        peak = Math.max(peak, volume.hu[offset + q]);
        const i = q % C;
        const j = (q - i) / C;
        for (let dj = -1; dj <= 1; dj++)
          for (let di = -1; di <= 1; di++) {
            const a = i + di;
            const b = j + dj;
            if (a < 0 || b < 0 || a >= C || b >= R) continue;
            const t = b * C + a;
            if (label[t] === 0 && volume.hu[offset + t] >= 130) {
              label[t] = next;
              stack.push(t);
            }
          }
      }
      const areaMm2 = members.length * pixelAreaMm2;
      if (areaMm2 < 1) continue;
      const weight = peak >= 400 ? 4 : peak >= 300 ? 3 : peak >= 200 ? 2 : 1;
      const owner = truth.plaques.find((p) => members.some((q) => inPlaque.get(offset + q)?.includes(p)));
      if (!owner) continue; // bone and anything else that is not a placed calcification
      const agatston = (areaMm2 * weight * volume.sliceIncrementMm) / 3;
      const volumeMm3 = members.length * pixelAreaMm2 * volume.sliceIncrementMm;
      const plaqueTotals = perPlaque.get(owner.id) ?? { agatston: 0, volumeMm3: 0, components: 0 };
      plaqueTotals.agatston += agatston;
      plaqueTotals.volumeMm3 += volumeMm3;
      plaqueTotals.components++;
      perPlaque.set(owner.id, plaqueTotals);
      if (owner.artery !== 'OTHER') {
        perArtery[owner.artery].agatston += agatston;
        perArtery[owner.artery].volumeMm3 += volumeMm3;
        perArtery[owner.artery].components++;
      }
    }
  }
  return { perArtery, perPlaque };
}

/** The truth plaques a set of flat voxel indices lies in. */
function plaquesTouched(inPlaque: Map<number, PlaqueTruth[]>, voxels: Iterable<number>): Set<PlaqueTruth> {
  const out = new Set<PlaqueTruth>();
  for (const v of voxels) for (const plaque of inPlaque.get(v) ?? []) out.add(plaque);
  return out;
}

function checkAgainstTruth(opts: PhantomOptions) {
  const { volume, truth } = generatePhantom(opts);
  const seeds = truth.plaques.filter((p) => p.kind === 'coronary').map((p) => ({ pointMm: p.centreMm, artery: p.artery as Artery }));
  const { result, lesionSet } = scoreVolume(volume, { seeds });
  const reference = referenceScores(volume, truth);
  const inPlaque = plaqueVoxelMap(volume, truth);

  // Per-artery Agatston and volume agree with the independent computation.
  for (const artery of ARTERIES) {
    expect(result.arteries[artery].agatston, `${artery} Agatston`).toBeCloseTo(reference.perArtery[artery].agatston, 6);
    expect(result.arteries[artery].volumeMm3, `${artery} volume`).toBeCloseTo(reference.perArtery[artery].volumeMm3, 6);
  }
  const referenceTotal = ARTERIES.reduce((s, a) => s + reference.perArtery[a].agatston, 0);
  expect(result.total.agatston).toBeCloseTo(referenceTotal, 6);

  // Every lesion the engine put in an artery lies in a truth plaque of that artery.
  const lesionVoxels = (componentIds: number[]) => componentIds.flatMap((id) => Array.from(lesionSet.componentVoxels[id - 1]));
  for (const lesion of result.lesions) {
    const touched = plaquesTouched(inPlaque, lesionVoxels(lesion.componentIds));
    const kinds = [...touched].map((p) => `${p.kind}:${p.artery}`);
    if ((ARTERIES as readonly string[]).includes(lesion.artery)) {
      expect(touched.size, `lesion ${lesion.id} (${lesion.artery}) touches ${kinds}`).toBe(1);
      expect([...touched][0].artery).toBe(lesion.artery);
    }
    // Distractors and bone are never scored.
    if ([...touched].some((p) => p.artery === 'OTHER')) expect(['UNASSIGNED', 'OTHER']).toContain(lesion.artery);
  }

  // Every coronary plaque that the reference scores was found and labelled with its artery.
  for (const plaque of truth.plaques.filter((p) => p.kind === 'coronary')) {
    const ref = reference.perPlaque.get(plaque.id);
    if (!ref) continue;
    const hits = result.lesions.filter((l) => [...plaquesTouched(inPlaque, lesionVoxels(l.componentIds))].includes(plaque));
    expect(hits.length, `plaque ${plaque.id} (${plaque.artery})`).toBeGreaterThan(0);
    expect(hits.every((l) => l.artery === plaque.artery)).toBe(true);
    expect(hits.reduce((s, l) => s + l.agatston, 0)).toBeCloseTo(ref.agatston, 6);
    if (opts.noiseSdHu === 0) expect(Math.max(...hits.map((l) => l.peakHU))).toBe(plaque.peakHu);
  }
  // Each non-coronary calcification is detected (it is dense) but stays out of every artery.
  for (const plaque of truth.plaques.filter((p) => p.artery === 'OTHER')) {
    expect(reference.perPlaque.get(plaque.id)?.agatston ?? 0, `${plaque.kind} is visible to the scorer`).toBeGreaterThan(0);
  }
  return { result, reference };
}

const WITH_DISTRACTORS: PhantomOptions['plaques'] = [
  ...DEMO_PLAQUES,
  { site: 'aortic-valve', at: 0.4, sizeMm: 5, widthMm: 4, peakHu: 700 },
  { site: 'mitral-annulus', at: 0.5, sizeMm: 8, widthMm: 4, peakHu: 550 },
];

describe('scoring the phantom against its truth', () => {
  it('scores each artery of a noise-free gated phantom exactly as the brute-force reference, distractors and bone excluded', () => {
    const { result, reference } = checkAgainstTruth({ geometry: 'gated', size: 512, noiseSdHu: 0, plaques: WITH_DISTRACTORS, metal: true, seed: 2 });
    for (const artery of ARTERIES) expect(reference.perArtery[artery].agatston, `${artery} has calcium`).toBeGreaterThan(0);
    // The demo set is a moderate score: CAC-DRS A2 territory.
    expect(result.total.agatston).toBeGreaterThan(100);
    expect(result.total.agatston).toBeLessThan(400);
  });

  it('agrees with the reference on a noisy non-gated chest phantom with 2.5 mm slices (increment normalisation)', () => {
    checkAgainstTruth({ geometry: 'nongated', size: 384, sliceThicknessMm: 2.5, noiseSdHu: 15, plaques: WITH_DISTRACTORS, seed: 9 });
  });

  it('agrees with the reference on a 5 mm non-gated phantom with partial volume (peaks and areas below nominal)', () => {
    checkAgainstTruth({ geometry: 'nongated', size: 256, sliceThicknessMm: 5, partialVolume: true, noiseSdHu: 10, plaques: WITH_DISTRACTORS, seed: 12 });
  });

  it.each([3, 14, 27])('agrees with the reference on random plaque set %i (10 coronary plaques, 3 distractors)', (seed) => {
    checkAgainstTruth({ size: 256, seed, noiseSdHu: 12, plaques: randomPlaques(seed, { coronary: 10, distractors: 3 }) });
  });

  it.each([4, 8])('agrees with the reference on a varied heart (seed %i) with random plaques', (seed) => {
    checkAgainstTruth({ size: 256, seed, noiseSdHu: 12, anatomyVariation: true, plaques: randomPlaques(seed, { coronary: 8, distractors: 3 }) });
  });

  it('counts a plaque whose peak is exactly 130 HU (the threshold is inclusive)', () => {
    const { result, reference } = checkAgainstTruth({ size: 128, noiseSdHu: 0, plaques: [{ site: 'LAD', at: 0.4, sizeMm: 3, widthMm: 3, peakHu: 130 }] });
    // One 1.5625 mm pixel (2.44 mm^2) at 130 HU, weight 1, on one 3 mm slice.
    expect(reference.perArtery.LAD.agatston).toBeCloseTo(1.5625 ** 2, 9);
    expect(result.arteries.LAD.agatston).toBeCloseTo(1.5625 ** 2, 9);
  });

  it('finds nothing in the arteries when there is no coronary calcium, whatever the aorta and bones hold', () => {
    const { result } = checkAgainstTruth({
      size: 256,
      noiseSdHu: 12,
      seed: 5,
      plaques: [{ site: 'aortic-wall', at: 0.6, sizeMm: 10, widthMm: 5, peakHu: 800 }],
      metal: true,
    });
    expect(result.total.agatston).toBe(0);
    for (const artery of ARTERIES) expect(result.arteries[artery].lesionCount).toBe(0);
  });
});
