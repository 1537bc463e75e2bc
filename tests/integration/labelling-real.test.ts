/**
 * The default labeller (the anatomy rules) on two real scans in ../shared/data, as `cacs score`
 * runs it (auto mode). The checks are what must hold whatever the truth is (the reader-labelled
 * figures are in labelling-real-eval.test.ts):
 * - acrin-chest-ct (non-gated chest CT): no candidate in bone, outside the body (the CT table)
 *   or in the aortic arch above the root is proposed as coronary; every coronary proposal lies
 *   in the heart region (near the heart, not above the root level of the great vessels), and
 *   the hundreds of bone and table candidates go to OTHER;
 * - qrm-phantom (a calcium insert in a thorax phantom with no heart): the anatomy is not found,
 *   so nothing is labelled and the reader is told why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoLabelScored, type AutoLabelOutcome } from '../../cli/labeller';
import { findAnatomy, labelAt, LABEL_BONE, LABEL_OUTSIDE, type Anatomy } from '../../core/anatomy/index';
import { initCodecs, readSeries } from '../../core/dicom/read';
import { scoreVolume } from '../../core/index';
import { ARTERIES, type CtVolume } from '../../core/types';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (dir: string) =>
  readSeries(
    fs
      .readdirSync(dir)
      .filter((n) => !/LICENSE/i.test(n))
      .sort()
      .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) })),
  ).volume;
const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

describe('auto mode on acrin-chest-ct', () => {
  let volume: CtVolume;
  let anatomy: Anatomy;
  let outcome: AutoLabelOutcome;
  beforeAll(async () => {
    await initCodecs();
    volume = read(path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct'));
    anatomy = findAnatomy(volume);
    outcome = await autoLabelScored(volume, scoreVolume(volume));
  }, 240_000);

  it('finds the anatomy and proposes a label for every candidate', () => {
    expect(anatomy.found).toBe(true);
    expect(outcome.run?.labelled).toBe(true);
    expect(outcome.result.lesions.every((l) => l.labelSource === 'auto')).toBe(true);
    expect(outcome.result.labelling?.status).toBe('unreviewed');
  });

  it('proposes no bone, table or aortic-arch candidate as coronary; every coronary proposal lies in the heart region', () => {
    const root = anatomy.aorticRootMm!;
    const heart = anatomy.heartCentreMm!;
    const coronary = outcome.result.lesions.filter((l) => (ARTERIES as readonly string[]).includes(l.artery));
    for (const l of coronary) {
      const where = `${l.artery} lesion ${l.id} at ${l.centroidMm.map((x) => x.toFixed(0)).join(', ')}`;
      expect(labelAt(anatomy, l.centroidMm), `${where}: in bone`).not.toBe(LABEL_BONE);
      expect(labelAt(anatomy, l.centroidMm), `${where}: outside the body`).not.toBe(LABEL_OUTSIDE);
      // The arch and the great vessels lie above the root; coronary arteries leave it at its level and run down.
      expect(l.centroidMm[2], `${where}: above the aortic root`).toBeLessThan(root[2] + 25);
      expect(dist(l.centroidMm, heart), `${where}: far from the heart`).toBeLessThan(110);
      // Coronary calcium is small: a lesion over 20 slices (65 mm) is the spine, the table or the aorta.
      expect(l.sliceRange[1] - l.sliceRange[0], `${where}: spans many slices`).toBeLessThan(20);
    }
    // The biggest candidates (spine, table, sternum, ribs: every one over 5,000 AU) are all OTHER.
    const largest = outcome.result.lesions.filter((l) => l.agatston > 5000);
    expect(largest.length).toBeGreaterThan(3);
    expect(largest.every((l) => l.artery === 'OTHER')).toBe(true);
    expect(outcome.result.lesions.filter((l) => l.artery === 'OTHER').length).toBeGreaterThan(100);
    // The automatic total is a plausible coronary burden, not the millions of AU of bone and table.
    expect(outcome.result.total.agatston).toBeLessThan(5000);
  });
});

describe('auto mode on the QRM phantom (no heart)', () => {
  it('does not find a heart, labels nothing and says so', async () => {
    await initCodecs();
    const volume = read(path.resolve(REPO_ROOT, '../shared/data/qrm-phantom'));
    const scored = scoreVolume(volume);
    const outcome = await autoLabelScored(volume, scored);
    expect(outcome.run?.labelled).toBe(false);
    expect(outcome.result.lesions.every((l) => l.artery === 'UNASSIGNED' && l.labelSource === 'none')).toBe(true);
    expect(outcome.result.warnings.some((w) => /heart/.test(w) && /reader/.test(w))).toBe(true);
    expect(outcome.result.model).toBeNull();
  }, 240_000);
});
