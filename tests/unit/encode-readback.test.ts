import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../core/encode/index';
import { readCalciumSeg, readCalciumSr, restoredMessage, restoreAssignment, type CalciumSegReadback } from '../../core/encode/readback';
import { reviewStatus } from '../../core/encode/report-text';
import { Assignment } from '../../core/scoring/assign';
import { detectLesions } from '../../core/scoring/detect';
import { scoreResult } from '../../core/scoring/score';
import { voxelToPatient } from '../../core/dicom/geometry';
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
      expect(a2.labelOfComponent(c.id)).toBe(was);
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

  it('reopens exactly: exclusions stay excluded, candidates left to review stay unassigned, same totals and review state', async () => {
    // First reader: plaques on their arteries, the aortic calcium excluded, one candidate
    // (the LCX plaque) left to review; then saved.
    const f = makeFixture({ blobs: DEFAULT_BLOBS.map((b) => (b.label === 'LCX' ? { ...b, label: 'UNASSIGNED' as const } : b)) });
    const first = f.result;
    expect(reviewStatus(first)).toMatchObject({ state: 'in review', pending: 1, excluded: 1 });
    const enc = await encodeResult({ ...f }, { pdf: false });
    // Second reader: fresh detection; an automatic labeller now proposes LAD for everything.
    const set2 = detectLesions(f.volume, f.lesionSet.settings);
    const a2 = new Assignment(set2);
    for (const c of set2.components) a2.assignComponent(c.id, 'LAD', 'auto');
    const sr = readCalciumSr(enc.sr.bytes);
    const summary = restoreAssignment(set2, a2, readCalciumSeg(enc.seg!.bytes), { reviewed: sr.reviewed });
    const labels = (a: Assignment) => a.set.components.map((c) => `${c.slice}:${c.centroidMm.map((v) => v.toFixed(3))}=${a.labelOfComponent(c.id)}`).sort();
    expect(labels(a2)).toEqual(labels(f.assignment));
    const second = scoreResult(set2, a2, { model: null });
    expect(second.total).toEqual(first.total);
    expect(second.arteries).toEqual(first.arteries);
    expect(second.risk).toEqual(first.risk);
    expect(reviewStatus(second)).toEqual(reviewStatus(first));
    expect(sr).toMatchObject({ reviewState: 'in review', pendingCandidates: 1, excludedCandidates: 1 });
    // The message counts lesions (the RCA plaque spans three slices: one lesion, not three parts).
    expect(summary.lesions).toEqual({ onArteries: 3, excluded: 1, pending: 1 });
    expect(restoredMessage(sr, summary)).toBe('Restored the stored report version 1 (in review): 3 lesions on arteries, 1 excluded, 1 to review.');
  });

  it("a model's result saved in review reopens exactly: the reader's labels as the reader's, the unconfirmed proposals as proposals; once confirmed, all as the reader's", async () => {
    const f = makeFixture();
    const model = { name: 'cac-labeller', version: '1.0.0' };
    // The model proposed every label; the reader then set one lesion (to the same artery).
    const a = new Assignment(f.lesionSet);
    a.applyProposals(
      // Every other lesion's proposal is of low confidence: marked for the reader to check first.
      f.lesionSet.components.map((c) => ({ componentId: c.id, label: f.assignment.labelOfComponent(c.id), confidence: 0.9, fineClass: 'x', needsReview: c.lesionId % 2 === 0 })),
      model,
    );
    const touched = f.lesionSet.lesions[0].id;
    a.assignLesion(touched, a.labelsOfLesion(touched)[0], 'reader');
    expect(f.lesionSet.components.some((c) => a.componentNeedsReview(c.id))).toBe(true);
    const reopen = async (
      assignment: Assignment,
      asStored: (seg: CalciumSegReadback) => CalciumSegReadback = (seg) => seg,
      labelledNow?: (a2: Assignment) => void,
    ) => {
      const result = scoreResult(f.lesionSet, assignment, { model });
      const enc = await encodeResult({ ...f, assignment, result }, { pdf: false });
      const sr = readCalciumSr(enc.sr.bytes);
      expect(sr.algorithm?.name).toBe(model.name);
      const set2 = detectLesions(f.volume, f.lesionSet.settings);
      const a2 = new Assignment(set2);
      labelledNow?.(a2);
      restoreAssignment(set2, a2, asStored(readCalciumSeg(enc.seg!.bytes)), sr);
      // No labeller in the reopening session: the model comes from the SEG.
      return { before: reviewStatus(result), after: reviewStatus(scoreResult(set2, a2)), a2, set2, enc, result };
    };
    const inReview = await reopen(a);
    expect(inReview.before.state).toBe('in review');
    // The SEG keeps the reader's labels and the model's proposals in segments of their own.
    expect(inReview.enc.seg!.segments.some((s) => s.origin === 'reader')).toBe(true);
    expect(inReview.enc.seg!.segments.some((s) => s.origin === 'auto' && s.label.endsWith('(automatic)'))).toBe(true);
    expect(inReview.enc.seg!.segments.some((s) => s.origin === 'auto-check' && s.label.endsWith('(automatic, check)'))).toBe(true);
    expect(inReview.after).toMatchObject({ state: 'in review', toReview: inReview.before.toReview, unconfirmed: inReview.before.unconfirmed });
    // Per component: label, who set it, and whether it is marked to check first.
    const sources = (x: Assignment) =>
      x.set.components.map((c) => [c.slice, c.pixelCount, x.labelOfComponent(c.id), x.sourceOfComponent(c.id), x.componentNeedsReview(c.id)].join(':')).sort();
    expect(sources(inReview.a2)).toEqual(sources(a));
    expect(inReview.a2.model).toEqual(model);
    expect(scoreResult(inReview.set2, inReview.a2).total).toEqual(inReview.result.total);

    // In a session whose labeller proposed other labels (and flags) first: the stored ones win.
    const relabelled = await reopen(a, undefined, (a2) =>
      a2.applyProposals(a2.set.components.map((c) => ({ componentId: c.id, label: 'RCA', confidence: 0.3, fineClass: 'x', needsReview: true })), { name: 'other-model', version: '9' }),
    );
    expect(sources(relabelled.a2)).toEqual(sources(a));
    expect(relabelled.after).toMatchObject({ state: 'in review', toReview: inReview.before.toReview });

    // A SEG written before the origin was recorded (every segment SEMIAUTOMATIC, named by the
    // model): nothing says which labels the reader set, so all reopen as proposals.
    const legacy = await reopen(a, (seg) => ({ ...seg, segments: seg.segments.map((s) => ({ ...s, origin: null, model: null })) }));
    expect(legacy.a2.set.components.filter((c) => legacy.a2.labelOfComponent(c.id) !== 'UNASSIGNED').every((c) => legacy.a2.sourceOfComponent(c.id) === 'auto')).toBe(true);
    expect(legacy.after.state).toBe('in review');
    expect(legacy.after.toReview).toBeGreaterThanOrEqual(legacy.before.toReview);

    const confirmed = a.clone();
    confirmed.confirmAll();
    const done = await reopen(confirmed);
    expect(done.before.state).toBe('reviewed');
    expect(done.after).toMatchObject({ state: 'reviewed', unconfirmed: 0 });
  });
});
