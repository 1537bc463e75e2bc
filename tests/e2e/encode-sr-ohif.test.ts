/**
 * The stored calcium SR opens in STOCK OHIF's SR viewport (the longitudinal "Basic Viewer", no
 * plugin code involved) and a radiologist can read the per-artery and total results on the CT:
 * each artery's finding is drawn on its largest plaque with its Agatston score, volume, lesion
 * count and artery name. Screenshots under test-output/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStudy } from '../../core/phantom/index';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { scoreVolume } from '../../core/index';
import { encodeResult, type EncodedResult } from '../../core/encode/index';
import { storeResult } from '../../core/store/stow';
import { ARTERIES, type CtVolume, type ScoringResult } from '../../core/types';
import { ARTERY_CODES } from '../../core/dicom/codes';
import { screenshot, startStack, type Stack } from './harness';

describe('the calcium SR in stock OHIF', () => {
  let stack: Stack;
  let volume: CtVolume;
  let result: ScoringResult;
  let enc: EncodedResult;

  beforeAll(async () => {
    stack = await startStack({ viewport: { width: 1600, height: 1000 } });
    const demo = demoStudy(1);
    volume = demo.volume;
    const ct = writeCtSeries(volume);
    const stored = await storeResult(
      ct.map((bytes, k) => ({ kind: 'CT', bytes, sopInstanceUid: volume.instances[k].sopInstanceUid, sopClassUid: volume.instances[k].sopClassUid })),
      { url: stack.dicomWebUrl },
    );
    expect(stored.ok).toBe(true);
    // A reader's clicks on every plaque (the phantom's truth), as `cacs score --seeds` does.
    const scored = scoreVolume(volume, { seeds: demo.truth.plaques.map((p) => ({ pointMm: p.centreMm, artery: p.artery })) });
    result = scored.result;
    enc = await encodeResult({ result, lesionSet: scored.lesionSet, assignment: scored.assignment, volume }, { reviewerName: 'Reader^E2E' });
    expect((await storeResult(enc.all, { url: stack.dicomWebUrl })).ok).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('shows each artery\'s Agatston score, volume, lesion count and name, and the total, on the CT', async () => {
    const { page } = stack;
    await page.goto(`${stack.url}/viewer?StudyInstanceUIDs=${volume.source.studyInstanceUid}`, { waitUntil: 'load' });
    const srThumb = page.locator('[data-cy^="study-browser-thumbnail"]', { hasText: 'Calcium score v1' });
    await srThumb.first().waitFor({ timeout: 90_000 });
    await page.getByText('Skip all').click({ timeout: 5_000 }).catch(() => undefined);
    await srThumb.first().dblclick();
    const labels = page.locator('svg text', { hasText: 'Coronary artery calcium score' });
    await labels.first().waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'No', exact: true }).click({ timeout: 5_000 }).catch(() => undefined);

    const withCalcium = ARTERIES.filter((a) => result.arteries[a].lesionCount > 0);
    const seen = new Set<string>();
    // One drawn finding per artery with calcium, then the total: step through them all.
    for (let n = 0; n <= withCalcium.length; n++) {
      await page.waitForTimeout(1500);
      for (const t of await page.locator('svg text').allTextContents()) seen.add(t);
      await screenshot(page, `ohif-sr-finding-${n + 1}`);
      await page.locator('[data-cy="viewport-action-arrows-right"]').first().click();
    }
    const all = [...seen].join('\n');
    for (const a of withCalcium) {
      const t = result.arteries[a];
      const label = [...seen].find((s) => s.includes(ARTERY_CODES[a].meaning));
      expect(label, `no drawn label for ${a} in:\n${all}`).toBeDefined();
      expect(label).toContain(`Coronary artery calcium score: ${t.agatston.toFixed(2)}`);
      expect(label).toContain(`Calcium Volume: ${t.volumeMm3.toFixed(2)} mm3`);
      expect(label).toContain(`Number of lesions: ${t.lesionCount.toFixed(2)}`);
    }
    const total = [...seen].find((s) => s.includes(': Coronary artery') && !ARTERIES.some((a) => s.includes(ARTERY_CODES[a].meaning)));
    expect(total, `no drawn label for the total in:\n${all}`).toBeDefined();
    expect(total).toContain(`Coronary artery calcium score: ${result.total.agatston.toFixed(2)}`);
  }, 240_000);

  it('the SEG opens as an overlay with one coloured segment per artery, named by artery', async () => {
    const { page } = stack;
    await page.goto(`${stack.url}/viewer?StudyInstanceUIDs=${volume.source.studyInstanceUid}`, { waitUntil: 'load' });
    const segThumb = page.locator('[data-cy^="study-browser-thumbnail"]', { hasText: 'Calcium segmentation v1' });
    await segThumb.first().waitFor({ timeout: 90_000 });
    await page.getByText('Skip all').click({ timeout: 5_000 }).catch(() => undefined);
    await segThumb.first().dblclick();
    // Stock OHIF asks before loading a SEG into the viewport.
    await page.getByRole('button', { name: 'Yes', exact: true }).click({ timeout: 30_000 });
    await page.locator('[data-cy="panelSegmentation-btn"]').click({ timeout: 30_000 });
    const withCalcium = ARTERIES.filter((a) => result.arteries[a].lesionCount > 0);
    for (const a of withCalcium) await page.getByText(`${a} calcium`, { exact: true }).first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'ohif-seg-overlay');
    expect(enc.seg!.segments.map((s) => s.label)).toEqual(withCalcium.map((a) => `${a} calcium`));
  }, 240_000);
});
