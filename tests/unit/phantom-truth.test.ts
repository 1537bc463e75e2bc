/**
 * The scoring engine against the phantom's truth. The expected scores are NOT taken from the
 * engine: a brute-force reference written here (SPEC.md 1.1: per slice, HU >= 130, 8-connected
 * flood fill, area >= 1 mm^2, weight from the component's peak HU, area x weight x increment / 3;
 * volume = voxels x pixel area x increment) assigns each 2D component to the truth plaque whose
 * ellipsoid it touches. Seeds are placed at the truth centres of the coronary plaques only, as a
 * reader would click them; distractors (aortic wall and valve, mitral annulus, metal, bone)
 * must not end up in any artery.
 */
import { describe, expect, it } from 'vitest';
import { scoreVolume } from '../../core/index';
import { ARTERIES, voxelToPatient, type Artery, type CtVolume, type Vec3 } from '../../core/types';
import { DEMO_PLAQUES, generatePhantom, plaqueEllipsoid, type PhantomOptions, type PhantomTruth, type PlaqueTruth } from '../../core/phantom/index';
import { insideEllipsoid } from '../../core/phantom/raster';

interface ReferenceTotals {
  agatston: number;
  volumeMm3: number;
  components: number;
}

/** Brute-force Agatston and volume per artery, assigned by which truth ellipsoid a component touches. */
function referenceScores(volume: CtVolume, truth: PhantomTruth): { perArtery: Record<Artery, ReferenceTotals>; perPlaque: Map<number, ReferenceTotals> } {
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
      const owner = truth.plaques.find((p) => members.some((q) => insideEllipsoid(plaqueEllipsoid(p), voxelToPatient(volume, q % C, Math.floor(q / C), k))));
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
function plaquesTouched(volume: CtVolume, truth: PhantomTruth, voxels: Iterable<number>): Set<PlaqueTruth> {
  const out = new Set<PlaqueTruth>();
  const { columns: C, rows: R } = volume;
  for (const v of voxels) {
    const i = v % C;
    const j = Math.floor(v / C) % R;
    const k = Math.floor(v / (C * R));
    const p: Vec3 = voxelToPatient(volume, i, j, k);
    for (const plaque of truth.plaques) if (insideEllipsoid(plaqueEllipsoid(plaque), p)) out.add(plaque);
  }
  return out;
}

function checkAgainstTruth(opts: PhantomOptions) {
  const { volume, truth } = generatePhantom(opts);
  const seeds = truth.plaques.filter((p) => p.kind === 'coronary').map((p) => ({ pointMm: p.centreMm, artery: p.artery as Artery }));
  const { result, lesionSet } = scoreVolume(volume, { seeds });
  const reference = referenceScores(volume, truth);

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
    const touched = plaquesTouched(volume, truth, lesionVoxels(lesion.componentIds));
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
    const hits = result.lesions.filter((l) => [...plaquesTouched(volume, truth, lesionVoxels(l.componentIds))].includes(plaque));
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
