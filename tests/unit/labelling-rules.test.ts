/**
 * The rule labeller (core/labelling/rules.ts): each exclusion and each groove on hand-made lesion
 * measures, then the whole pipeline on the demo phantom (its truth known per voxel): whole
 * lesions, the arteries' scores, the zones drawn for the check images, and no labels without
 * anatomy. The real-scan figures are in tests/integration/labelling-real-eval.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { findAnatomy, gridVoxelAt, ZONE_AORTA, ZONE_CAGE } from '../../core/anatomy/index';
import { scoreVolume } from '../../core/index';
import type { LesionGeometry } from '../../core/labelling/lesion-geometry';
import { arteryByGrooves, decideLesion, excludeByAnatomy, exclusionZones, labelByRules, RULES_LABELLER, type RuleContext } from '../../core/labelling/rules';
import { demoStudy } from '../../core/phantom/index';
import { scoreResult } from '../../core/scoring/score';
import type { Artery, Vec3 } from '../../core/types';

const CTX: RuleContext = { aortaRadiusMm: 15, noiseSpeckHu: 170 };

/** A lesion well inside the heart region, in the epicardial fat, 30 mm from the root: every exclusion passes. */
function lesion(over: Partial<LesionGeometry> & { rel?: Vec3 } = {}): LesionGeometry {
  const rel = over.rel ?? [0, -30, -30];
  const centroid: Vec3 = [100 + rel[0], 100 + rel[1], 100 + rel[2]];
  return {
    lesionId: 1,
    componentIds: [1],
    agatston: 40,
    areaMm2: 20,
    peakHu: 400,
    slices: 3,
    centroid,
    proximal: centroid,
    proximalRootMm: 45,
    rel,
    along: 30,
    azimuth: 0,
    heartMm: 2,
    aortaWallMinMm: 25,
    aortaWallMaxMm: 30,
    rootAxialMaxMm: Math.hypot(rel[0], rel[1]) + 3,
    boneFrac: 0,
    outsideFrac: 0,
    lungFrac: 0,
    cageInsideMm: 60,
    ribsMm: 40,
    ...over,
  };
}

describe('exclusion by anatomy', () => {
  it('keeps a lesion in the epicardial fat away from every excluded structure', () => {
    expect(excludeByAnatomy(lesion(), CTX)).toBeNull();
  });

  it('costal cartilage: within 12 mm of the bony cage hull is bone, even outside the bone mask', () => {
    expect(excludeByAnatomy(lesion({ cageInsideMm: 9 }), CTX)).toMatchObject({ label: 'OTHER', fineClass: 'bone' });
    // Where the field of view cuts the cage, near a rib or the sternum.
    expect(excludeByAnatomy(lesion({ cageInsideMm: NaN, ribsMm: 5 }), CTX)).toMatchObject({ fineClass: 'bone' });
    expect(excludeByAnatomy(lesion({ cageInsideMm: NaN, ribsMm: 20 }), CTX)).toBeNull();
  });

  it('above the root: the arch wall and the upper hila', () => {
    const above = { rel: [0, -10, 40] as Vec3, proximal: [100, 90, 125] as Vec3 };
    expect(excludeByAnatomy(lesion({ ...above, aortaWallMinMm: 2 }), CTX)).toMatchObject({ fineClass: 'aortic-wall' });
    expect(excludeByAnatomy(lesion({ ...above, aortaWallMinMm: 20 }), CTX)).toMatchObject({ fineClass: 'hilum' });
  });

  it('the aortic wall and valve: a lesion that never leaves the wall, or lies inside the root', () => {
    expect(excludeByAnatomy(lesion({ aortaWallMinMm: -1, aortaWallMaxMm: 3 }), CTX)).toMatchObject({ fineClass: 'aortic-wall' });
    expect(excludeByAnatomy(lesion({ rel: [2, 3, 5], aortaWallMinMm: -8, aortaWallMaxMm: 2 }), CTX)).toMatchObject({ fineClass: 'aortic-valve' });
    // Inside the root's radius below the tracked aorta.
    expect(excludeByAnatomy(lesion({ rel: [3, 2, -8], rootAxialMaxMm: 12 }), CTX)).toMatchObject({ fineClass: 'aortic-valve' });
    // An ostial lesion reaching out into the fat is not wall calcium.
    expect(excludeByAnatomy(lesion({ aortaWallMinMm: 0, aortaWallMaxMm: 20 }), CTX)).toBeNull();
  });

  it('far outside the heart, behind the left atrium, in the hila, below the crux', () => {
    expect(excludeByAnatomy(lesion({ heartMm: 20 }), CTX)).toMatchObject({ fineClass: 'extracardiac' });
    expect(excludeByAnatomy(lesion({ rel: [5, 50, -5] }), CTX)).toMatchObject({ fineClass: 'hilum' });
    expect(excludeByAnatomy(lesion({ rel: [-50, 25, 0] }), CTX)).toMatchObject({ fineClass: 'hilum' });
    expect(excludeByAnatomy(lesion({ rel: [20, 40, -80] }), CTX)).toMatchObject({ fineClass: 'other' });
  });

  it('the mitral annulus, posterior-left of the root, is excluded and flagged for the reader', () => {
    expect(excludeByAnatomy(lesion({ rel: [20, 30, -15] }), CTX)).toMatchObject({ fineClass: 'mitral-annulus', needsReview: true });
  });

  it('a speck noise could make is noise away from the grooves, and kept (flagged) in the atrioventricular ring', () => {
    const speck = { slices: 1, peakHu: 150, areaMm2: 4 };
    expect(excludeByAnatomy(lesion({ ...speck, along: 80, azimuth: 120 }), CTX)).toMatchObject({ fineClass: 'noise' });
    expect(excludeByAnatomy(lesion({ ...speck, along: 20, azimuth: 60 }), CTX)).toBeNull();
    expect(decideLesion(lesion({ ...speck, along: 20, azimuth: 60 }), CTX)).toMatchObject({ label: 'RCA', needsReview: true });
    // Inside the heart wall even at the base: noise.
    expect(excludeByAnatomy(lesion({ ...speck, along: 20, heartMm: -4 }), CTX)).toMatchObject({ fineClass: 'noise' });
    // One to three pixels below 200 HU: noise anywhere; brighter, it stays.
    expect(excludeByAnatomy(lesion({ slices: 1, areaMm2: 2, peakHu: 190, along: 20, azimuth: 60 }), CTX)).toMatchObject({ fineClass: 'noise' });
    expect(excludeByAnatomy(lesion({ slices: 1, areaMm2: 2, peakHu: 260, along: 20, azimuth: 60 }), CTX)).toBeNull();
  });
});

describe('arteries by the grooves', () => {
  const by = (over: Partial<LesionGeometry>) => arteryByGrooves(lesion(over), CTX).label;
  it('an ostial lesion is LM on the left of the root and RCA on the right, flagged', () => {
    const left = lesion({ rel: [30, 0, 0], proximal: [118, 100, 100], proximalRootMm: 18 });
    expect(arteryByGrooves(left, CTX)).toMatchObject({ label: 'LM', needsReview: true });
    const right = lesion({ rel: [-25, -10, -5], proximal: [82, 95, 98], proximalRootMm: 19 });
    expect(arteryByGrooves(right, CTX)).toMatchObject({ label: 'RCA', needsReview: true });
  });

  it('LAD anterior, RCA right and at the crux, LCX left and behind; the left side at the root depth is the proximal LAD', () => {
    expect(by({ azimuth: -30 })).toBe('LAD');
    expect(by({ azimuth: 90 })).toBe('RCA');
    expect(by({ azimuth: -175 })).toBe('RCA');
    expect(by({ azimuth: -120, along: 40 })).toBe('LCX');
    expect(by({ azimuth: -100, along: 10, proximalRootMm: 30 })).toBe('LAD');
  });

  it('flags a lesion near a sector edge', () => {
    expect(arteryByGrooves(lesion({ azimuth: -70 }), CTX).needsReview).toBe(true);
    expect(arteryByGrooves(lesion({ azimuth: -30 }), CTX).needsReview).toBe(false);
  });
});

describe('the rules on the demo phantom (gated, truth known)', () => {
  const phantom = demoStudy(1);
  const scored = scoreVolume(phantom.volume);
  const run = labelByRules(phantom.volume, scored.lesionSet, scored.assignment);
  const result = scoreResult(scored.lesionSet, scored.assignment, { model: run.model });
  const seeds = phantom.truth.plaques.filter((p) => p.artery !== 'OTHER').map((p) => ({ artery: p.artery as Artery, pointMm: p.centreMm }));
  const truth = scoreVolume(phantom.volume, { seeds }).result;

  it('labels every candidate as the rules, whole lesions, without a model', () => {
    expect(run.labelled).toBe(true);
    expect(run.model).toEqual({ name: RULES_LABELLER.name, version: RULES_LABELLER.version });
    expect(run.backend).toBe('rules');
    for (const l of scored.lesionSet.lesions) expect(scored.assignment.labelsOfLesion(l.id)).toHaveLength(1);
    expect(result.labelling?.status).toBe('unreviewed');
  });

  it("scores each artery as the phantom's truth does; bone and the distractor are not coronary", () => {
    for (const a of ['LM', 'LAD', 'LCX', 'RCA'] as const) expect(result.arteries[a].agatston, a).toBeCloseTo(truth.arteries[a].agatston, 6);
    expect(result.total.agatston).toBeCloseTo(truth.total.agatston, 6);
  });

  it('draws the cage and the aortic wall as exclusion zones, and no zone on a coronary plaque away from the ostia', () => {
    const zones = exclusionZones(run.anatomy);
    expect(zones.some((z) => z === ZONE_CAGE)).toBe(true);
    expect(zones.some((z) => z === ZONE_AORTA)).toBe(true);
    // The zones are drawn for a point-sized lesion: at the left main's ostium a point would be on
    // the aortic wall; the LM plaque itself reaches out into the fat and is labelled LM.
    for (const p of phantom.truth.plaques.filter((q) => q.artery !== 'OTHER' && q.artery !== 'LM')) {
      const q = gridVoxelAt(run.anatomy.grid, p.centreMm);
      expect(q < 0 ? 0 : zones[q], `${p.artery} plaque at ${p.centreMm.map((v) => v.toFixed(0)).join(', ')}`).toBe(0);
    }
  });

  it('labels nothing when the anatomy is not found, and says so', () => {
    const blank = { ...phantom.volume, hu: new Int16Array(phantom.volume.hu.length).fill(-1000) };
    const none = scoreVolume(phantom.volume);
    const r = labelByRules(blank, none.lesionSet, none.assignment, { anatomy: findAnatomy(blank) });
    expect(r.labelled).toBe(false);
    expect(r.proposals).toEqual([]);
    expect(r.warnings.join(' ')).toMatch(/every candidate is left for the reader/);
    expect(none.lesionSet.lesions.every((l) => none.assignment.labelsOfLesion(l.id)[0] === 'UNASSIGNED')).toBe(true);
  });
});
