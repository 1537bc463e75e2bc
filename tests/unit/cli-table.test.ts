/**
 * `cacs score`'s table leads like the panel: a provisional result says why before the arteries,
 * and its category line never shows a bare "Category 0" while calcium waits for review.
 */
import { describe, expect, it } from 'vitest';
import { generatePhantom } from '../../core/phantom/index';
import { scoreVolume } from '../../core/index';
import { labelByRules } from '../../core/labelling/rules';
import { scoreResult } from '../../core/scoring/score';
import { resultTable } from '../../cli/output';

const source = { from: 'test', studyInstanceUid: '1', seriesInstanceUid: '2', seriesDescription: null, filesRead: 48, filesSkipped: 0 };

describe('the table of cacs score', () => {
  const { volume, truth } = generatePhantom({ size: 96, seed: 4 });
  const plain = scoreVolume(volume, {});

  it('with nothing assigned: the review line first, and no category yet', () => {
    const text = resultTable(plain.result, source, { autoLabelling: 'off' });
    const lines = text.split('\n');
    expect(lines[3]).toMatch(/^Review {3}Provisional result: \d+ candidate lesions are neither assigned/);
    expect(text).toMatch(/^Category not given yet: \d+ candidate lesions not reviewed$/m);
    expect(text).not.toMatch(/Category 0/);
  });

  it('with automatic labels not reviewed: the category is called a proposal', () => {
    const fresh = scoreVolume(volume, {});
    const run = labelByRules(volume, fresh.lesionSet, fresh.assignment);
    expect(run.labelled).toBe(true);
    const result = scoreResult(fresh.lesionSet, fresh.assignment, { warnings: [], model: run.model });
    const text = resultTable(result, source, { autoLabelling: 'rules' });
    expect(text.split('\n')[3]).toMatch(/^Review {3}Automatic, not reviewed/);
    expect(text).toMatch(/\(automatic proposal, not reviewed\)$/m);
    expect(truth.plaques.length).toBeGreaterThan(0);
  });

  it('with some lesions assigned and candidates left: a lower bound', () => {
    const fresh = scoreVolume(volume, {});
    const smallest = [...fresh.result.lesions].sort((x, y) => x.agatston - y.agatston)[0];
    fresh.assignment.assignLesion(smallest.id, 'LAD');
    const result = scoreResult(fresh.lesionSet, fresh.assignment, { warnings: [] });
    expect(resultTable(result, source, { autoLabelling: 'off' })).toMatch(/^Category at least \S+ {3}at least CAC-DRS A\d/m);
  });
});

describe('the demo study', () => {
  it('has UIDs of its own: cacs phantom with the same seed never writes into it', async () => {
    const { demoStudy } = await import('../../core/phantom/index');
    const demo = demoStudy(1).volume.source;
    const phantom = generatePhantom({ seed: 1, size: 32 }).volume.source;
    expect(demo.studyInstanceUid).not.toBe(phantom.studyInstanceUid);
    expect(demo.frameOfReferenceUid).not.toBe(phantom.frameOfReferenceUid);
    expect(demoStudy(1).volume.source.studyInstanceUid).toBe(demo.studyInstanceUid);
  });
});
