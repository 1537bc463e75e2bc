/**
 * Artery assignment: clicks, seeds, splits and precedence, on hand-built volumes
 * (0.5 mm pixels, 3 mm slices, patient mm = (0.5 i, 0.5 j, 3 k)).
 */
import { describe, expect, it } from 'vitest';
import { detectLesions } from '../../core/scoring/detect';
import { Assignment } from '../../core/scoring/assign';
import { scoreResult } from '../../core/scoring/score';
import { fillBox, makeVolume, mmOf } from './helpers/volume';

/** One lesion: a 2 x 2 block at 400 HU on slices 0..3 (4 components of 1 mm^2, 4 points each). */
function columnLesion() {
  const v = makeVolume({ columns: 20, rows: 20, slices: 4 });
  fillBox(v, [4, 5], [4, 5], [0, 3], 400);
  return { v, set: detectLesions(v) };
}

describe('assigning by click', () => {
  it('a click inside a lesion assigns the whole lesion and marks the result reviewed', () => {
    const { v, set } = columnLesion();
    const a = new Assignment(set);
    expect(a.assignPoint(mmOf(v, 5, 4, 2), 'RCA')).toBe(1);
    const r = scoreResult(set, a);
    expect(r.arteries.RCA.agatston).toBeCloseTo(16, 10);
    expect(r.lesions[0].labelSource).toBe('reader');
    expect(r.reviewed).toBe(true);
  });

  it('a click 1.5 mm beside a lesion still hits it; 2.5 mm away hits nothing and changes nothing', () => {
    const { v, set } = columnLesion();
    const a = new Assignment(set);
    const edge = mmOf(v, 5, 4, 1); // a lesion voxel centre on the right edge
    expect(a.assignPoint([edge[0] + 1.5, edge[1], edge[2]], 'LCX')).toBe(1);
    const b = new Assignment(set);
    expect(b.assignPoint([edge[0] + 2.5, edge[1], edge[2]], 'LCX')).toBeNull();
    expect(b.reviewed).toBe(false);
    expect(scoreResult(set, b).total.agatston).toBe(0);
  });

  it('a click picks the nearer of two lesions', () => {
    const v = makeVolume({ columns: 20, rows: 20, slices: 2 });
    fillBox(v, [2, 3], [2, 3], [0, 0], 300);
    fillBox(v, [8, 9], [2, 3], [0, 0], 300);
    const set = detectLesions(v);
    const a = new Assignment(set);
    // Both within 2 mm: i = 6.4 is 0.8 mm from lesion 2 (i = 8) and 1.7 mm from lesion 1 (i = 3).
    expect(a.lesionAt([6.4 * 0.5, 2.5 * 0.5, 0])).toBe(2);
    expect(a.lesionAt([4.4 * 0.5, 2.5 * 0.5, 0])).toBe(1);
  });

  it('assigning a lesion OTHER (e.g. mitral annulus) takes it out of the total', () => {
    const { set } = columnLesion();
    const a = new Assignment(set);
    a.assignLesion(1, 'LAD');
    expect(scoreResult(set, a).total.agatston).toBeCloseTo(16, 10);
    a.assignLesion(1, 'OTHER');
    const r = scoreResult(set, a);
    expect(r.total.agatston).toBe(0);
    expect(r.lesions[0].artery).toBe('OTHER');
  });

  it('an unknown lesion or label is refused with a clear message', () => {
    const { set } = columnLesion();
    const a = new Assignment(set);
    expect(() => a.assignLesion(7, 'LAD')).toThrow(/no lesion 7/);
    expect(() => a.assignLesion(1, 'XYZ' as 'LAD')).toThrow(/Unknown artery label/);
  });
});

describe('splitting a lesion that runs from one artery into another', () => {
  it('seeds for LM at the top and LAD at the bottom split it per slice component by the nearest seed', () => {
    const { v, set } = columnLesion();
    const a = new Assignment(set);
    const hits = a.applySeeds([
      { pointMm: mmOf(v, 4, 4, 0), artery: 'LM' },
      { pointMm: mmOf(v, 4, 4, 3), artery: 'LAD' },
    ]);
    expect(hits).toEqual([1, 1]);
    expect([1, 2, 3, 4].map((id) => a.labelOfComponent(id))).toEqual(['LM', 'LM', 'LAD', 'LAD']);
    const r = scoreResult(set, a);
    expect(r.lesions).toHaveLength(2);
    const [lm, lad] = r.lesions;
    expect(lm).toMatchObject({ artery: 'LM', parentId: 1, componentIds: [1, 2], sliceRange: [0, 1], labelSource: 'seed' });
    expect(lad).toMatchObject({ artery: 'LAD', parentId: 1, componentIds: [3, 4], sliceRange: [2, 3] });
    expect(lm.id).toBeGreaterThan(set.lesions.length);
    expect(lad.id).toBeGreaterThan(set.lesions.length);
    expect(lm.id).not.toBe(lad.id);
    expect(r.arteries.LM.agatston).toBeCloseTo(8, 10);
    expect(r.arteries.LAD.agatston).toBeCloseTo(8, 10);
    expect(r.total.agatston).toBeCloseTo(16, 10);
    expect(r.total.lesionCount).toBe(1); // one calcification, shared by two arteries
    expect(r.risk.cacDrs).toBe('CAC-DRS A1/N2');
  });

  it('the split is the same whatever order the seeds come in (nearest seed, not last one wins)', () => {
    const { v, set } = columnLesion();
    const a = new Assignment(set);
    a.applySeeds([
      { pointMm: mmOf(v, 4, 4, 3), artery: 'LAD' },
      { pointMm: mmOf(v, 4, 4, 0), artery: 'LM' },
    ]);
    expect([1, 2, 3, 4].map((id) => a.labelOfComponent(id))).toEqual(['LM', 'LM', 'LAD', 'LAD']);
  });

  it('split part ids are stable and deterministic', () => {
    const { v, set } = columnLesion();
    const seeds = [
      { pointMm: mmOf(v, 4, 4, 0), artery: 'LM' as const },
      { pointMm: mmOf(v, 4, 4, 3), artery: 'LAD' as const },
    ];
    const a = new Assignment(set);
    a.applySeeds(seeds);
    const b = new Assignment(set);
    b.applySeeds(seeds);
    expect(scoreResult(set, a).lesions.map((l) => l.id)).toEqual(scoreResult(set, b).lesions.map((l) => l.id));
  });

  it('two seeds of the same artery do not split; a user can split by component and merge back', () => {
    const { v, set } = columnLesion();
    const a = new Assignment(set);
    a.applySeeds([
      { pointMm: mmOf(v, 4, 4, 0), artery: 'RCA' },
      { pointMm: mmOf(v, 4, 4, 3), artery: 'RCA' },
    ]);
    expect(scoreResult(set, a).lesions).toHaveLength(1);
    a.assignComponent(4, 'OTHER');
    const split = scoreResult(set, a);
    expect(split.lesions.map((l) => l.artery)).toEqual(['RCA', 'OTHER']);
    expect(split.total.agatston).toBeCloseTo(12, 10);
    a.assignLesion(1, 'RCA');
    const merged = scoreResult(set, a);
    expect(merged.lesions).toHaveLength(1);
    expect(merged.lesions[0].id).toBe(1);
    expect(merged.lesions[0].parentId).toBeUndefined();
  });

  it('a reader can split by hand, one slice at a time, by clicking a slice component', () => {
    const { v, set } = columnLesion();
    const a = new Assignment(set);
    a.assignLesion(1, 'LM');
    expect(a.assignComponentAtPoint(mmOf(v, 4, 5, 3), 'LAD')).toBe(4);
    const r = scoreResult(set, a);
    expect(r.lesions.map((l) => [l.artery, l.componentIds])).toEqual([
      ['LM', [1, 2, 3]],
      ['LAD', [4]],
    ]);
    expect(r.arteries.LAD.agatston).toBeCloseTo(4, 10);
    expect(a.assignComponentAtPoint([9, 9, 9], 'LAD')).toBeNull();
  });

  it('a seed far from any calcium hits nothing', () => {
    const { set } = columnLesion();
    const a = new Assignment(set);
    expect(a.applySeeds([{ pointMm: [9, 9, 0], artery: 'LAD' }])).toEqual([null]);
    expect(a.reviewed).toBe(false);
  });
});

describe('who wins: a person over the automatic labels', () => {
  it('automatic labels never overwrite seeds or clicks, and do not make the result reviewed', () => {
    const v = makeVolume({ columns: 20, rows: 20, slices: 2 });
    fillBox(v, [2, 3], [2, 3], [0, 0], 300);
    fillBox(v, [10, 11], [10, 11], [0, 0], 300);
    const set = detectLesions(v);
    const a = new Assignment(set);
    a.applyAutoLabels(() => 'RCA');
    expect(a.reviewed).toBe(false);
    expect(scoreResult(set, a).lesions.map((l) => l.labelSource)).toEqual(['auto', 'auto']);
    a.applySeeds([{ pointMm: mmOf(v, 2, 2, 0), artery: 'LAD' }]);
    a.applyAutoLabels(() => 'LCX');
    const r = scoreResult(set, a);
    expect(r.lesions.map((l) => [l.artery, l.labelSource])).toEqual([
      ['LAD', 'seed'],
      ['LCX', 'auto'],
    ]);
    expect(r.reviewed).toBe(true);
  });
});

describe('re-scoring after an edit', () => {
  it('uses only the lesion table: scores are unchanged after the volume is blanked', () => {
    const { v, set } = columnLesion();
    const a = new Assignment(set);
    a.assignLesion(1, 'LAD');
    const before = scoreResult(set, a);
    v.hu.fill(-1000);
    a.assignComponent(1, 'LM');
    a.assignComponent(1, 'LAD');
    expect(scoreResult(set, a)).toEqual(before);
  });

  it('an assignment saved as JSON restores the same result', () => {
    const { v, set } = columnLesion();
    const a = new Assignment(set);
    a.applySeeds([
      { pointMm: mmOf(v, 4, 4, 0), artery: 'LM' },
      { pointMm: mmOf(v, 4, 4, 3), artery: 'LAD' },
    ]);
    const json = JSON.parse(JSON.stringify(a.toJSON()));
    const b = Assignment.fromJSON(set, json);
    expect(scoreResult(set, b)).toEqual(scoreResult(set, a));
    expect(() => Assignment.fromJSON(set, { version: 1, reviewed: true, labels: [[99, 'LAD', 'reader']] })).toThrow(
      /component 99/,
    );
  });
});
