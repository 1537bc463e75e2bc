/**
 * The varied phantom used to train and test the automatic labeller: heart variation
 * (dominance, LM length, bifurcation), distractor sites, the CT table, kVp-dependent HU and
 * the per-voxel truth class map.
 */
import { describe, expect, it } from 'vitest';
import { generatePhantom, PHANTOM_CLASSES } from '../../core/phantom/index';
import { randomScanOptions } from '../../core/phantom/variation';
import { buildCardiacAnatomy, REFERENCE_HEART } from '../../core/phantom/anatomy';
import { pathLength } from '../../core/phantom/vec';
import type { Vec3 } from '../../core/types';
import { patientToVoxel } from '../../core/dicom/geometry';

const classAt = (volume: ReturnType<typeof generatePhantom>['volume'], classes: Uint8Array, p: Vec3) => {
  const [i, j, k] = patientToVoxel(volume, p).map(Math.round);
  return PHANTOM_CLASSES[classes[(k * volume.rows + j) * volume.columns + i]];
};

describe('phantom variation', () => {
  it('draws the same scan recipe from the same seed and different ones from different seeds', () => {
    expect(randomScanOptions(5)).toEqual(randomScanOptions(5));
    expect(randomScanOptions(5)).not.toEqual(randomScanOptions(6));
    expect(randomScanOptions(7, { dominance: 'left' }).heart?.dominance).toBe('left');
  });

  it('gives the PDA to the LCX in a left-dominant heart and to the RCA in a right-dominant one', () => {
    const right = buildCardiacAnatomy({ ...REFERENCE_HEART, dominance: 'right' });
    const left = buildCardiacAnatomy({ ...REFERENCE_HEART, dominance: 'left' });
    expect(pathLength(left.coronaryPaths.LCX)).toBeGreaterThan(pathLength(right.coronaryPaths.LCX) + 20);
    expect(pathLength(left.coronaryPaths.RCA)).toBeLessThan(pathLength(right.coronaryPaths.RCA) - 30);
  });

  it('sets the LM length and the LAD-LCX angle it is asked for', () => {
    for (const [lm, angle] of [
      [4, 50],
      [18, 110],
    ]) {
      const h = buildCardiacAnatomy({ ...REFERENCE_HEART, lmLengthMm: lm, bifurcationDeg: angle });
      expect(pathLength(h.coronaryPaths.LM)).toBeCloseTo(lm, 0);
      const b = h.coronaryPaths.LAD[0];
      const dir = (p: Vec3[]) => {
        const q = p[8];
        const d = [q[0] - b[0], q[1] - b[1], q[2] - b[2]];
        const n = Math.hypot(d[0], d[1], d[2]);
        return d.map((x) => x / n);
      };
      const a = dir(h.coronaryPaths.LAD);
      const c = dir(h.coronaryPaths.LCX);
      const measured = (Math.acos(a[0] * c[0] + a[1] * c[1] + a[2] * c[2]) * 180) / Math.PI;
      expect(Math.abs(measured - angle)).toBeLessThan(15);
    }
  });

  it('labels every dense voxel in its class map: coronary plaques by artery, distractors by kind, bone, the table', () => {
    const { volume, truth, classes } = generatePhantom({
      geometry: 'nongated',
      size: 160,
      noiseSdHu: 0,
      table: true,
      classMap: true,
      plaques: [
        { site: 'LAD', at: 0.2, sizeMm: 5, widthMm: 3, peakHu: 600 },
        { site: 'RCA', at: 0.3, sizeMm: 14, widthMm: 3, peakHu: 500 },
        { site: 'aortic-root', at: 0.3, sizeMm: 6, widthMm: 3, peakHu: 600 },
        { site: 'costal-cartilage', at: 0.2, sizeMm: 6, widthMm: 3, peakHu: 500 },
        { site: 'stent', artery: 'LCX', at: 0.2, sizeMm: 10, widthMm: 3, peakHu: 2500 },
        { site: 'noise', at: 0.37, sizeMm: 1.4, widthMm: 1.4, peakHu: 250 },
      ],
    });
    expect(classes).toBeDefined();
    const expected = ['LAD', 'RCA', 'aortic-wall', 'bone', 'metal', 'noise'];
    truth.plaques.forEach((p, n) => expect(classAt(volume, classes!, p.centreMm)).toBe(expected[n]));
    expect(truth.plaques[1].segments!.length).toBeGreaterThan(5);
    // Vertebral body: bone; under the back: the table, outside the body.
    expect(classAt(volume, classes!, truth.landmarks.vertebralBodyMm)).toBe('bone');
    let outside = 0;
    for (let p = 0; p < volume.hu.length; p++) if (PHANTOM_CLASSES[classes![p]] === 'outside') outside++;
    expect(outside).toBeGreaterThan(volume.slices * 50);
    // Nothing dense is left without a class when there is no noise.
    for (let p = 0; p < volume.hu.length; p++) if (volume.hu[p] >= 130) expect(classes![p]).not.toBe(0);
  });

  it('makes calcium denser at low kVp when asked, and leaves HU alone by default', () => {
    const plaques = [{ site: 'LAD' as const, at: 0.2, sizeMm: 5, widthMm: 3, peakHu: 400 }];
    const peakOf = (kvp: number, kvpAffectsHu: boolean) => {
      const { volume, truth } = generatePhantom({ size: 96, noiseSdHu: 0, plaques, kvp, kvpAffectsHu });
      const [i, j, k] = patientToVoxel(volume, truth.plaques[0].centreMm).map(Math.round);
      return volume.hu[(k * volume.rows + j) * volume.columns + i];
    };
    expect(peakOf(80, false)).toBe(400);
    expect(peakOf(80, true)).toBeGreaterThan(480);
    expect(peakOf(140, true)).toBeLessThan(380);
  });

  it('leaves out what the field of view misses only when asked', () => {
    const plaques = [{ site: 'aorta' as const, at: 0.4, sizeMm: 4, peakHu: 500 }];
    expect(() => generatePhantom({ size: 64, slices: 10, plaques })).toThrow(/outside the scanned volume/);
    expect(generatePhantom({ size: 64, slices: 10, plaques, skipOutside: true }).truth.plaques).toHaveLength(0);
  });
});
