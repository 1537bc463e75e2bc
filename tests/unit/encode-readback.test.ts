import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../core/encode/index';
import { readCalciumSeg, readCalciumSr, restoreAssignment } from '../../core/encode/readback';
import { Assignment } from '../../core/scoring/assign';
import { detectLesions } from '../../core/scoring/detect';
import { scoreResult } from '../../core/scoring/score';
import { voxelToPatient } from '../../core/types';
import { DEFAULT_BLOBS, makeFixture } from '../helpers/encode-fixtures';

describe('a second reader continues from the stored SR + SEG', () => {
  it('restores every lesion label, including a split lesion and an exclusion, and the scores match', async () => {
    const f = makeFixture();
    // First reader: excludes nothing new but moves the top slice of the RCA plaque to LCX
    // (a split) and excludes the LM plaque as non-coronary.
    const rca = DEFAULT_BLOBS.find((b) => b.label === 'RCA')!;
    const topK = rca.box[5];
    const rcaTop = f.lesionSet.components.find((c) => c.slice === topK && f.assignment.labelOfComponent(c.id) === 'RCA')!;
    f.assignment.assignComponent(rcaTop.id, 'LCX', 'reader');
    const lm = f.lesionSet.components.find((c) => f.assignment.labelOfComponent(c.id) === 'LM')!;
    f.assignment.assignComponent(lm.id, 'OTHER', 'reader');
    const first = scoreResult(f.lesionSet, f.assignment, { model: null });
    const enc = await encodeResult({ ...f, result: first }, { pdf: false });

    // Second reader: fresh detection of the same CT, automatic labels only (all plaques put on LAD,
    // to prove that the stored labels replace them).
    const set2 = detectLesions(f.volume, f.lesionSet.settings);
    const a2 = new Assignment(set2);
    for (const b of DEFAULT_BLOBS) {
      const [i0, , j0, , k0] = b.box;
      a2.assignPoint(voxelToPatient(f.volume, i0, j0, k0), 'LAD', 'auto');
    }
    const sr = readCalciumSr(enc.sr.bytes);
    const seg = readCalciumSeg(enc.seg!.bytes);
    const summary = restoreAssignment(set2, a2, seg, { reviewed: sr.reviewed });
    expect(summary.unmatchedVoxels).toBe(0);
    expect(summary.foreignVoxels).toBe(0);
    for (const c of set2.components) {
      const original = f.lesionSet.components.find((o) => o.slice === c.slice && o.centroidMm.every((v, n) => Math.abs(v - c.centroidMm[n]) < 1e-6))!;
      const was = f.assignment.labelOfComponent(original.id);
      expect(a2.labelOfComponent(c.id)).toBe(was === 'UNASSIGNED' ? 'OTHER' : was);
    }
    expect(a2.reviewed).toBe(true);
    const second = scoreResult(set2, a2, { model: null });
    for (const a of ['LM', 'LAD', 'LCX', 'RCA'] as const) {
      expect(second.arteries[a].agatston).toBeCloseTo(first.arteries[a].agatston, 6);
      expect(sr.arteries[a]?.agatston ?? 0).toBeCloseTo(first.arteries[a].agatston, 2);
    }
    expect(second.total.agatston).toBeCloseTo(first.total.agatston, 6);
  });

  it('refuses a segmentation of another series with a clear message', async () => {
    const f = makeFixture();
    const enc = await encodeResult({ ...f }, { pdf: false });
    const other = makeFixture({ columns: 80, rows: 80 });
    expect(() => restoreAssignment(other.lesionSet, other.assignment, readCalciumSeg(enc.seg!.bytes), { reviewed: true })).toThrow(
      /another series/,
    );
  });
});
