/**
 * The shipped labeller (the anatomy rules) on the real scans with a reader's labels
 * (../shared/data/reader-labels/: acrin, cap002, P002), judged as `npm run eval:real` judges it
 * (scripts/lib/eval-real.ts). The floors are the figures reached when the rules were written
 * (models/README.md, "Real scans"); the test fails when the labeller falls below them. The
 * model path is judged the same way, against its own (lower) figures, so that both stay honest.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScan, overall, readerScans, runAndEvaluate, type LoadedScan, type ScanEval } from '../../scripts/lib/eval-real';

const scans = readerScans();

describe('labelling on the reader-labelled real scans', () => {
  const loaded: LoadedScan[] = [];
  const rules: ScanEval[] = [];
  beforeAll(async () => {
    for (const s of scans) loaded.push(await loadScan(s));
    for (const scan of loaded) rules.push(await runAndEvaluate(scan, 'rules'));
  }, 300_000);

  it('reads the three reader-labelled scans', () => {
    expect(scans.map((s) => s.name).sort()).toEqual(['P002', 'acrin', 'cap002']);
  });

  it('rules: at least 4 of the 5 sure-or-likely coronary lesions on the right artery, 118 of 121 read lesions right', () => {
    const o = overall(rules);
    expect(o.coronaryTotal).toBe(5);
    expect(o.coronaryRight).toBeGreaterThanOrEqual(4);
    expect(o.allTotal).toBe(121);
    expect(o.allRight).toBeGreaterThanOrEqual(118);
  });

  it('rules: at most 7 AU of non-coronary calcium counted as coronary on any scan (aim 10), and the category agrees on each', () => {
    for (const e of rules) {
      expect(e.fpKnownAu + e.fpUnreadAu, e.name).toBeLessThanOrEqual(7);
      expect(e.categories.auto, e.name).toBe(e.categories.reader);
    }
  });

  it('rules: per-scan totals within 20 % (or 10 AU) of the reader-seeded totals', () => {
    for (const e of rules) {
      const { auto, reader } = e.perArtery.total;
      expect(Math.abs(auto - reader) <= 10 || Math.abs(auto - reader) / reader <= 0.2, `${e.name}: ${auto} vs ${reader}`).toBe(true);
    }
  });

  it('rules: on cap002 the calcified left main is LM, and cartilage, the aortic valve and the mitral annulus are not coronary', () => {
    const cap = rules.find((e) => e.name === 'cap002')!;
    const lesion = (id: number) => cap.lesions.find((l) => l.readerId === id)!;
    expect(lesion(4).label).toBe('LM');
    for (const id of [2, 7, 8, 20]) expect(lesion(id).label, `bone #${id}`).toBe('OTHER');
    for (const id of [10, 19]) expect(lesion(id).label, `aortic valve #${id}`).toBe('OTHER');
    for (const id of [3, 30]) expect(lesion(id).label, `mitral annulus #${id}`).toBe('OTHER');
    expect(lesion(5).label, 'right hilar calcium').toBe('OTHER');
  });

  it('landmarks: the carina within 10 mm wherever the reader marked it, the apex within 27 mm, the root within 20 mm', () => {
    for (const e of rules) {
      if (e.landmarksMm.carina !== null) expect(e.landmarksMm.carina, e.name).toBeLessThanOrEqual(10);
      if (e.landmarksMm.apex !== null) expect(e.landmarksMm.apex, e.name).toBeLessThanOrEqual(27);
      expect(e.landmarksMm.aorticRoot, e.name).not.toBeNull();
      expect(e.landmarksMm.aorticRoot!, e.name).toBeLessThanOrEqual(20);
    }
  });

  it('the model path still runs on the same scans and stays at or above its own figures (2 of 5 coronary lesions)', async () => {
    const model: ScanEval[] = [];
    for (const scan of loaded) model.push(await runAndEvaluate(scan, 'model'));
    const o = overall(model);
    expect(model.every((e) => e.anatomyFound)).toBe(true);
    expect(o.coronaryRight).toBeGreaterThanOrEqual(2);
    // The rules do better on what matters most: non-coronary calcium counted as coronary.
    expect(o.maxFpAuPerScan).toBeGreaterThan(overall(rules).maxFpAuPerScan);
  }, 120_000);
});
