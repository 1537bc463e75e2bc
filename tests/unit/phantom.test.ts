import { describe, expect, it } from 'vitest';
import { ARTERIES, type CtVolume, type Vec3 } from '../../core/types';
import { patientToVoxel } from '../../core/dicom/geometry';
import { DEMO_PLAQUES, demoStudy, generatePhantom, plaqueEllipsoid, randomPlaques, truthToJson, type PhantomTruth } from '../../core/phantom/index';
import { AORTIC_RADIUS_MM, CORONARY_PATHS, HEART_CENTRE } from '../../core/phantom/anatomy';
import { insideEllipsoid } from '../../core/phantom/raster';
import { add, distanceToPath } from '../../core/phantom/vec';

/** HU of the voxel nearest to a patient point (mm). */
function huAt(volume: CtVolume, p: Vec3): number {
  const [i, j, k] = patientToVoxel(volume, p).map(Math.round);
  expect(i >= 0 && i < volume.columns && j >= 0 && j < volume.rows && k >= 0 && k < volume.slices, `point ${p} is outside the volume`).toBe(true);
  return volume.hu[(k * volume.rows + j) * volume.columns + i];
}


/** The coronary tree runs as in a real heart (shared by the reference and the varied hearts). */
function expectCoronaryAnatomy(truth: PhantomTruth): void {
  const { LM, LAD, LCX, RCA } = truth.paths;
  const root = add(truth.landmarks.aorticRootMm, [0, 0, -10]);
  const heart = truth.landmarks.heartCentreMm;
  // Ostia on the aortic wall.
  expect(Math.hypot(LM[0][0] - root[0], LM[0][1] - root[1])).toBeCloseTo(AORTIC_RADIUS_MM, 0);
  expect(Math.hypot(RCA[0][0] - root[0], RCA[0][1] - root[1])).toBeCloseTo(AORTIC_RADIUS_MM, 0);
  expect(LM[0][0]).toBeGreaterThan(root[0]); // left sinus: patient left (+x)
  expect(RCA[0][0]).toBeLessThan(root[0]); // right sinus: patient right (-x)
  // LM is short and splits into LAD and LCX.
  expect(LM.length * 0.5).toBeLessThan(20);
  expect(LAD[0]).toEqual(LM.at(-1));
  expect(LCX[0]).toEqual(LM.at(-1));
  // LAD runs down the anterior wall to the apex: inferior, anterior and left of the heart centre.
  const ladEnd = LAD.at(-1)!;
  expect(ladEnd[2]).toBeLessThan(heart[2] - 25);
  expect(ladEnd[1]).toBeLessThan(heart[1] - 20);
  expect(ladEnd[0]).toBeGreaterThan(heart[0]);
  // LCX wraps the left side towards the back; RCA the right side towards the back (crux).
  expect(LCX.at(-1)![1]).toBeGreaterThan(LM.at(-1)![1] + 30);
  expect(Math.max(...LCX.map((p) => p[0]))).toBeGreaterThan(heart[0] + 10);
  expect(Math.min(...RCA.map((p) => p[0]))).toBeLessThan(heart[0] - 40);
  expect(RCA.at(-1)![1]).toBeGreaterThan(RCA[0][1] + 30);
}

const small = (seed: number, extra: Parameters<typeof generatePhantom>[0] = {}) => generatePhantom({ size: 96, seed, ...extra });

describe('phantom generator', () => {
  it('gives the same voxels, truth and UIDs for the same seed, and different noise for another seed', () => {
    const a = small(7);
    const b = small(7);
    const c = small(8);
    expect(Buffer.from(a.volume.hu.buffer).equals(Buffer.from(b.volume.hu.buffer))).toBe(true);
    expect(a.volume.instances).toEqual(b.volume.instances);
    expect(a.volume.source).toEqual(b.volume.source);
    expect(truthToJson(a.truth)).toBe(truthToJson(b.truth));
    expect(Buffer.from(a.volume.hu.buffer).equals(Buffer.from(c.volume.hu.buffer))).toBe(false);
    expect(c.volume.source.studyInstanceUid).not.toBe(a.volume.source.studyInstanceUid);
    expect(c.volume.instances[0].sopInstanceUid).not.toBe(a.volume.instances[0].sopInstanceUid);
  });

  it('gives a different series UID when the pixels differ (other size or plaques), the same study for the same seed', () => {
    const a = small(3);
    const b = generatePhantom({ size: 64, seed: 3 });
    expect(b.volume.source.studyInstanceUid).toBe(a.volume.source.studyInstanceUid);
    expect(b.volume.source.seriesInstanceUid).not.toBe(a.volume.source.seriesInstanceUid);
    expect(b.volume.instances[0].sopInstanceUid).not.toBe(a.volume.instances[0].sopInstanceUid);
  });

  it('shows each tissue at its CT number: blood ~40, lung ~-850, fat -100, vertebral bone > 130, air -1000', () => {
    const { volume, truth } = generatePhantom({ size: 256, noiseSdHu: 0 });
    const L = truth.landmarks;
    expect(huAt(volume, L.bloodPoolMm)).toBe(40);
    expect(huAt(volume, L.aorticRootMm)).toBe(40);
    expect(huAt(volume, L.descendingAortaMm)).toBe(40);
    expect(huAt(volume, L.leftLungMm)).toBe(-850);
    expect(huAt(volume, L.rightLungMm)).toBe(-850);
    expect(huAt(volume, L.vertebralBodyMm)).toBeGreaterThan(130);
    expect(volume.hu[0]).toBe(-1000); // corner of the field of view: air
    // Epicardial fat: just outside the myocardium on the anterior wall, 3 mm off the LAD.
    expect(huAt(volume, [HEART_CENTRE[0], HEART_CENTRE[1] - 46 - 3, HEART_CENTRE[2]])).toBe(-100);
  });

  it('adds noise of about the requested standard deviation (seeded), centred on the tissue value', () => {
    const { volume, truth } = generatePhantom({ size: 256, noiseSdHu: 15, seed: 11 });
    // A 15 x 15 x 3 block in the left lung.
    const [ci, cj, ck] = patientToVoxel(volume, truth.landmarks.leftLungMm).map(Math.round);
    const values: number[] = [];
    for (let k = ck - 1; k <= ck + 1; k++)
      for (let j = cj - 7; j <= cj + 7; j++) for (let i = ci - 7; i <= ci + 7; i++) values.push(volume.hu[(k * volume.rows + j) * volume.columns + i]);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    expect(mean).toBeGreaterThan(-853);
    expect(mean).toBeLessThan(-847);
    expect(sd).toBeGreaterThan(13);
    expect(sd).toBeLessThan(17);
  });

  it('puts each calcification peak at the HU asked for, at its centre voxel', () => {
    const plaques = [
      { site: 'LAD' as const, at: 0.3, sizeMm: 5, peakHu: 455 },
      { site: 'RCA' as const, at: 0.5, sizeMm: 4, peakHu: 180 },
      { site: 'LCX' as const, at: 0.4, sizeMm: 3, peakHu: 1200 },
      { site: 'mitral-annulus' as const, at: 0.5, sizeMm: 6, peakHu: 700 },
      { site: 'aortic-valve' as const, at: 0.25, sizeMm: 5, peakHu: 350 },
    ];
    const { volume, truth } = generatePhantom({ size: 256, noiseSdHu: 0, plaques, metal: true });
    for (const p of truth.plaques) {
      expect(huAt(volume, p.centreMm), `plaque ${p.id} (${p.kind})`).toBe(p.peakHu);
    }
    expect(truth.plaques.map((p) => p.peakHu)).toEqual([455, 180, 1200, 700, 350, 3000]);
    expect(truth.plaques.at(-1)!.kind).toBe('metal');
  });

  it('keeps every voxel of a plaque at or below its peak (a smooth profile, highest at the centre)', () => {
    const { volume, truth } = generatePhantom({ size: 256, noiseSdHu: 0 });
    for (const p of truth.plaques) {
      const e = plaqueEllipsoid(p);
      const [ci, cj, ck] = patientToVoxel(volume, p.centreMm).map(Math.round);
      let max = -Infinity;
      for (let k = Math.max(0, ck - 3); k <= Math.min(volume.slices - 1, ck + 3); k++)
        for (let j = cj - 12; j <= cj + 12; j++)
          for (let i = ci - 12; i <= ci + 12; i++) {
            const q: Vec3 = [volume.imagePositionsMm[k][0] + i * volume.columnSpacingMm, volume.imagePositionsMm[k][1] + j * volume.rowSpacingMm, volume.imagePositionsMm[k][2]];
            if (insideEllipsoid(e, q)) max = Math.max(max, volume.hu[(k * volume.rows + j) * volume.columns + i]);
          }
      expect(max).toBe(p.peakHu);
    }
  });

  it('places coronary plaques on their artery paths and distractors well away from all of them', () => {
    const { truth, volume } = generatePhantom({
      size: 512,
      noiseSdHu: 0,
      plaques: [...DEMO_PLAQUES, { site: 'mitral-annulus', at: 0.5, sizeMm: 5, peakHu: 500 }, { site: 'aortic-valve', at: 0.5, sizeMm: 5, peakHu: 500 }],
    });
    // Centres move to the nearest voxel centre where the path crosses a slice: well inside the 1.6 mm vessel.
    const onPathMm = 0.5 * Math.hypot(volume.columnSpacingMm, volume.rowSpacingMm) + 0.5;
    for (const p of truth.plaques) {
      if (p.kind === 'coronary') {
        const artery = p.artery as (typeof ARTERIES)[number];
        expect(distanceToPath(p.centreMm, truth.paths[artery]), `plaque ${p.id} on ${artery}`).toBeLessThanOrEqual(onPathMm);
      } else {
        for (const artery of ARTERIES) expect(distanceToPath(p.centreMm, truth.paths[artery]), `${p.kind} vs ${artery}`).toBeGreaterThan(6);
      }
    }
  });

  it('follows coronary anatomy: LM from the left of the aortic root, RCA from its right, LAD to the apex, LCX to the left and back', () => {
    const { truth } = small(1);
    expect(truth.paths).toEqual(CORONARY_PATHS);
    expectCoronaryAnatomy(truth);
  });

  it('varies the heart with the seed when asked, keeping coronary anatomy, tissue values and plaques on the paths', () => {
    const centres = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { volume, truth } = generatePhantom({ size: 128, seed, noiseSdHu: 0, anatomyVariation: true });
      centres.add(truth.landmarks.heartCentreMm.map((v) => v.toFixed(2)).join());
      expect(Math.hypot(...truth.landmarks.heartCentreMm.map((v, d) => v - HEART_CENTRE[d]))).toBeLessThanOrEqual(Math.sqrt(3) * 5);
      expectCoronaryAnatomy(truth);
      expect(huAt(volume, truth.landmarks.bloodPoolMm)).toBe(40);
      expect(huAt(volume, truth.landmarks.aorticRootMm)).toBe(40);
      for (const p of truth.plaques.filter((q) => q.kind === 'coronary'))
        expect(distanceToPath(p.centreMm, truth.paths[p.artery as (typeof ARTERIES)[number]])).toBeLessThan(1.6);
    }
    expect(centres.size).toBe(6);
    const a = generatePhantom({ size: 64, seed: 9, anatomyVariation: true });
    const b = generatePhantom({ size: 64, seed: 9, anatomyVariation: true });
    expect(a.truth.paths).toEqual(b.truth.paths);
    expect(Buffer.from(a.volume.hu.buffer).equals(Buffer.from(b.volume.hu.buffer))).toBe(true);
    expect(a.volume.source.seriesInstanceUid).not.toBe(generatePhantom({ size: 64, seed: 9 }).volume.source.seriesInstanceUid);
  });

  it('makes the demo study a gated 512 x 512 series of 3 mm slices with calcium in all four arteries and an aortic-wall distractor', () => {
    const { volume, truth } = demoStudy();
    expect(volume.columns).toBe(512);
    expect(volume.rows).toBe(512);
    expect(volume.slices).toBeGreaterThanOrEqual(40);
    expect(volume.slices).toBeLessThanOrEqual(64);
    expect(volume.facts).toMatchObject({ modality: 'CT', kvp: 120, sliceThicknessMm: 3, sliceIncrementMm: 3, gated: true, contrast: false, manufacturer: 'CAC-Phantom', convolutionKernel: 'B35f' });
    expect(volume.columns * volume.columnSpacingMm).toBeCloseTo(200, 6);
    expect(volume.source.patientName).toBe('PHANTOM^CALCIUM');
    expect(volume.instances.every((s) => s.sopClassUid === '1.2.840.10008.5.1.4.1.1.2')).toBe(true);
    expect(new Set(truth.plaques.filter((p) => p.kind === 'coronary').map((p) => p.artery))).toEqual(new Set(ARTERIES));
    expect(truth.plaques.filter((p) => p.artery === 'OTHER').map((p) => p.kind)).toEqual(['aortic-wall']);
    expect(demoStudy().volume.source.seriesInstanceUid).toBe(volume.source.seriesInstanceUid);
  });

  it('with partial volume, averages each slice over its thickness: tissue stays, a small plaque loses peak', () => {
    const plaques = [
      { site: 'LAD' as const, at: 0.3, sizeMm: 2, widthMm: 2, peakHu: 600 },
      { site: 'RCA' as const, at: 0.5, sizeMm: 12, widthMm: 4, peakHu: 600 },
    ];
    const sharp = generatePhantom({ size: 128, noiseSdHu: 0, plaques });
    const blurred = generatePhantom({ size: 128, noiseSdHu: 0, plaques, partialVolume: true });
    const L = blurred.truth.landmarks;
    expect(huAt(blurred.volume, L.bloodPoolMm)).toBe(40);
    expect(huAt(blurred.volume, L.leftLungMm)).toBe(-850);
    const [small, large] = blurred.truth.plaques;
    expect(huAt(sharp.volume, small.centreMm)).toBe(600);
    // A 2 mm plaque in a 3 mm slice: averaged with the tissue above and below it.
    expect(huAt(blurred.volume, small.centreMm)).toBeLessThan(450);
    expect(huAt(blurred.volume, large.centreMm)).toBeGreaterThan(huAt(blurred.volume, small.centreMm));
    expect(blurred.volume.source.seriesInstanceUid).not.toBe(sharp.volume.source.seriesInstanceUid);
  });

  it('offers a non-gated full-chest geometry with selectable slice thickness', () => {
    const { volume } = generatePhantom({ geometry: 'nongated', size: 128, sliceThicknessMm: 5, noiseSdHu: 0 });
    expect(volume.facts.gated).toBe(false);
    expect(volume.facts.sliceThicknessMm).toBe(5);
    expect(volume.sliceIncrementMm).toBe(5);
    expect(volume.slices).toBe(48); // 240 mm of chest
    expect(volume.columns * volume.columnSpacingMm).toBeCloseTo(350, 6);
    expect(volume.facts.convolutionKernel).toBe('STANDARD');
    const z = volume.imagePositionsMm.map((p) => p[2]);
    expect(z.every((v, k) => k === 0 || v - z[k - 1] === 5)).toBe(true);
  });

  it('generates a 512 x 512 x 64 gated phantom in a few seconds', () => {
    // CPU time of this process, so other test files running beside it do not count.
    const t0 = process.cpuUsage();
    const { volume } = generatePhantom({ size: 512, slices: 64 });
    const used = process.cpuUsage(t0);
    const seconds = (used.user + used.system) / 1e6;
    expect(volume.hu.length).toBe(512 * 512 * 64);
    expect(seconds).toBeLessThan(6);
  });

  it('draws reproducible random plaque sets that fit the gated phantom without touching each other', () => {
    expect(randomPlaques(21)).toEqual(randomPlaques(21));
    expect(randomPlaques(21)).not.toEqual(randomPlaques(22));
    const arteriesSeen = new Set<string>();
    for (let seed = 0; seed < 25; seed++) {
      const specs = randomPlaques(seed, { coronary: 8, distractors: 3, minPeakHu: 200, maxPeakHu: 800 });
      expect(specs.filter((p) => (ARTERIES as readonly string[]).includes(p.site)).length).toBe(8);
      expect(specs.length).toBe(11);
      for (const p of specs) {
        expect(p.peakHu).toBeGreaterThanOrEqual(200);
        expect(p.peakHu).toBeLessThanOrEqual(800);
        if ((ARTERIES as readonly string[]).includes(p.site)) arteriesSeen.add(p.site);
      }
      const { truth } = generatePhantom({ size: 64, seed, plaques: specs, noiseSdHu: 0 });
      // No two ellipsoids overlap: every centre lies outside every other plaque's ellipsoid.
      for (const a of truth.plaques) for (const b of truth.plaques) if (a !== b) expect(insideEllipsoid(plaqueEllipsoid(b), a.centreMm)).toBe(false);
    }
    expect(arteriesSeen).toEqual(new Set(ARTERIES));
    expect(() => randomPlaques(1, { coronary: -1 })).toThrow(/coronary plaque count/);
  });

  it('refuses impossible options with a message that names the option', () => {
    expect(() => generatePhantom({ size: 5 })).toThrow(/size must be an integer from 16 to 1024/);
    expect(() => generatePhantom({ geometry: 'spiral' as never })).toThrow(/geometry must be 'gated' or 'nongated'/);
    expect(() => generatePhantom({ noiseSdHu: -1 })).toThrow(/noiseSdHu/);
    expect(() => generatePhantom({ plaques: [{ site: 'PDA' as never, sizeMm: 3, peakHu: 300 }] })).toThrow(/plaque 1: site must be one of/);
    expect(() => generatePhantom({ plaques: [{ site: 'LAD', sizeMm: 3, peakHu: 300, at: 2 }] })).toThrow(/at must be a fraction/);
    expect(() => generatePhantom({ size: 32, slices: 4 })).toThrow(/outside the scanned volume/);
  });

  it('writes a JSON truth that parses back to the same plaques', () => {
    const { truth } = small(5);
    const back = JSON.parse(truthToJson(truth)) as PhantomTruth;
    expect(back.format).toBe('cacs-phantom-truth');
    expect(back.plaques.length).toBe(truth.plaques.length);
    back.plaques.forEach((p, n) => {
      expect(p.artery).toBe(truth.plaques[n].artery);
      expect(p.peakHu).toBe(truth.plaques[n].peakHu);
      p.centreMm.forEach((v, d) => expect(v).toBeCloseTo(truth.plaques[n].centreMm[d], 3));
    });
    expect(Object.keys(back.paths).sort()).toEqual([...ARTERIES].sort());
  });
});
