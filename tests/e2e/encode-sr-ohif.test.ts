/**
 * The stored calcium SR opens in STOCK OHIF's SR viewport (the longitudinal "Basic Viewer", no
 * plugin code involved) and a radiologist can read the per-artery and total results on the CT:
 * each artery's finding is drawn on its largest plaque with its Agatston score, volume, lesion
 * count and artery name, in words: OHIF 3.13 prints "<concept meaning>: <value, 2 decimals>
 * <unit code>" per measurement, so the SR names the artery in the score's meaning ("LAD Agatston
 * score"), uses readable UCUM codes ("{Agatston}", "mm3", "{lesions}") and writes its Finding
 * Site in the SRT form OHIF does not print as a raw code ("363698007: ...").
 *
 * OHIF's tracking prompt ("Do you want to continue tracking measurements for this study?"):
 * answered "Yes", OHIF 3.13 turned an earlier form of the report (box outlines) into its own
 * RectangleROI measurements showing the boxes' pixel statistics, or 0, and dropped the scores.
 * The report's outlines are now shapes no OHIF adapter takes, so OHIF does not ask: neither
 * answer can hide the scores (docs/dicom-objects.md §2.2). The test fails if OHIF asks, and in
 * case it does, answers "Yes" first so that the screenshot shows what the reader would get.
 * Screenshots under test-output/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStudy } from '../../core/phantom/index';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { scoreVolume } from '../../core/index';
import { encodeResult, type EncodedResult } from '../../core/encode/index';
import { storeResult } from '../../core/store/stow';
import { ARTERIES, type CtVolume, type ScoringResult } from '../../core/types';
import { ARTERY_CODES } from '../../core/dicom/codes';
import { newUid, readPart10, writePart10, type Dataset } from '../../core/encode/dicom-io';
import { screenshot, startStack, type Stack } from './harness';

/** Series description of the same report in its earlier form (box outlines). */
const BOX_FORM = 'Calcium score (box outlines)';

/**
 * The same report as the encoder wrote it before its outlines became octagons: every outline
 * replaced by its bounding box as a closed 5-point POLYLINE (tests/fixtures/README.md), stored as
 * another instance in another series.
 */
function withBoxOutlines(bytes: Uint8Array): Uint8Array {
  const ds = readPart10(bytes) as Dataset & { _meta?: unknown };
  delete ds._meta;
  const walk = (item: Dataset) => {
    if (item.ValueType === 'SCOORD') {
      const p = [...(item.GraphicData as number[])];
      const xs = p.filter((_, n) => n % 2 === 0), ys = p.filter((_, n) => n % 2 === 1);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      item.GraphicData = [x0, y0, x1, y0, x1, y1, x0, y1, x0, y0];
    }
    for (const c of (item.ContentSequence as Dataset[] | undefined) ?? []) walk(c);
  };
  walk(ds);
  Object.assign(ds, { SOPInstanceUID: newUid(), SeriesInstanceUID: newUid(), SeriesNumber: Number(ds.SeriesNumber) + 50, SeriesDescription: BOX_FORM });
  return writePart10(ds);
}

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
    const box = withBoxOutlines(enc.sr.bytes);
    const boxSop = String(readPart10(box).SOPInstanceUID);
    expect((await storeResult([{ kind: 'SR', bytes: box, sopInstanceUid: boxSop, sopClassUid: enc.sr.sopClassUid }], { url: stack.dicomWebUrl })).ok).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('shows each artery\'s Agatston score, volume, lesion count and name, and the total, on the CT; OHIF does not offer to track it', async () => {
    const { page } = stack;
    await page.goto(`${stack.url}/viewer?StudyInstanceUIDs=${volume.source.studyInstanceUid}`, { waitUntil: 'load' });
    const srThumb = page.locator('[data-cy^="study-browser-thumbnail"]', { hasText: 'Calcium score v1' });
    await srThumb.first().waitFor({ timeout: 90_000 });
    await srThumb.first().dblclick();
    const labels = page.locator('svg text', { hasText: 'Agatston score' });
    // OHIF asks whether to track an SR's measurements only when one of its adapters takes a
    // group's outline (isRehydratable); it asks in a dialog with "Yes" / "No" buttons, as soon as
    // the SR is loaded, or later on a loaded machine: watch for it the whole time, until a few
    // seconds after the labels are drawn.
    const prompt = page.getByText('Do you want to continue tracking measurements for this study?');
    const yes = page.getByRole('button', { name: 'Yes', exact: true });
    let asked = false;
    const watchPrompt = async () => {
      if (!asked && (await prompt.first().isVisible().catch(() => false))) {
        asked = true;
        await screenshot(page, 'ohif-sr-tracking-prompt');
        await yes.first().click({ timeout: 5_000 }).catch(() => undefined);
        await page.waitForTimeout(10_000);
        await screenshot(page, 'ohif-sr-tracking-yes');
      }
    };
    // On a loaded machine OHIF 3.13 has been seen to show the SR's first image with no finding
    // drawn and nothing pending (a CI run of 2026-12-03: the viewport loaded, no prompt, no
    // labels for 140 s; alone the same test draws them in seconds). Stepping to the next
    // finding makes it draw: do so every 20 s without labels (the check below steps through
    // every finding anyway, so where it starts does not matter).
    const until = Date.now() + 140_000;
    let nudgeAt = Date.now() + 20_000;
    while (!asked && !(await labels.first().isVisible().catch(() => false))) {
      if (Date.now() > until) {
        await screenshot(page, 'ohif-sr-no-labels');
        throw new Error('The SR viewport drew no "Agatston score" label within 140 s (screenshot ohif-sr-no-labels).');
      }
      await watchPrompt();
      if (!asked && Date.now() > nudgeAt) {
        nudgeAt = Date.now() + 20_000;
        await page.locator('[data-cy="viewport-action-arrows-right"]').first().click({ timeout: 5_000 }).catch(() => undefined);
      }
      await page.waitForTimeout(1000);
    }
    for (let n = 0; n < 8 && !asked; n++) {
      await watchPrompt();
      await page.waitForTimeout(1000);
    }
    expect(asked, 'OHIF offered to track the SR\'s measurements (screenshots ohif-sr-tracking-prompt, ohif-sr-tracking-yes)').toBe(false);
    // The SR viewport's badge stays "SR" (not tracked, not hydrated).
    expect(await page.locator('[data-cy^="ModalityLoadBadge-"]').first().innerText({ timeout: 10_000 })).toContain('SR');

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
      const label = [...seen].find((s) => s.includes(`${a} Agatston score:`));
      expect(label, `no drawn label for ${a} in:\n${all}`).toBeDefined();
      expect(label).toContain(`${a} Agatston score: ${t.agatston.toFixed(2)} {Agatston}`);
      expect(label).toContain(`Calcium Volume: ${t.volumeMm3.toFixed(2)} mm3`);
      expect(label).toContain(`Number of lesions: ${t.lesionCount.toFixed(2)} {lesions}`);
      // The scores drawn are the encoded ones, never 0 where there is calcium.
      expect(t.agatston).toBeGreaterThan(0);
      expect(label).not.toMatch(/Agatston score: 0\.00/);
    }
    const total = [...seen].find((s) => s.includes('Total Agatston score:'));
    expect(total, `no drawn label for the total in:\n${all}`).toBeDefined();
    expect(total).toContain(`Total Agatston score: ${result.total.agatston.toFixed(2)} {Agatston}`);
    // No raw codes on the image: neither the Finding Site's code nor a bare unit "1".
    expect(all).not.toMatch(/363698007|\d \b1\b/);
    expect(all).not.toContain(ARTERY_CODES.LAD.value);
    await screenshot(page, 'ohif-sr-readable');
  }, 240_000);

  it('the earlier form (box outlines): OHIF asks; "No" shows the scores, "Yes" loses them (why the outlines changed)', async () => {
    // The control for the test above: the same watch sees OHIF's prompt when the report has
    // shapes its hydrator takes.
    const { page } = stack;
    const open = async () => {
      await page.goto(`${stack.url}/viewer?StudyInstanceUIDs=${volume.source.studyInstanceUid}`, { waitUntil: 'load' });
      const thumb = page.locator('[data-cy^="study-browser-thumbnail"]', { hasText: BOX_FORM });
      await thumb.first().waitFor({ timeout: 90_000 });
      await thumb.first().dblclick();
      const prompt = page.getByText('Do you want to continue tracking measurements for this study?');
      await prompt.first().waitFor({ timeout: 120_000 }).catch(async (e) => {
        await screenshot(page, 'ohif-sr-box-no-prompt');
        throw e;
      });
    };
    const lad = result.arteries.LAD;
    expect(lad.lesionCount).toBeGreaterThan(0);

    await open();
    await page.getByRole('button', { name: 'No', exact: true }).first().click();
    const ladLabel = page.locator('svg text', { hasText: 'Agatston score' });
    const until = Date.now() + 120_000;
    while (!(await ladLabel.first().isVisible().catch(() => false))) {
      if (Date.now() > until) throw new Error('"No": the SR viewport drew no "Agatston score" label within 120 s');
      await page.waitForTimeout(1000);
    }
    await screenshot(page, 'ohif-sr-box-no');

    await open();
    await page.getByRole('button', { name: 'Yes', exact: true }).first().click();
    // Hydrated: the boxes become OHIF's own rectangle measurements (its pixel statistics on the
    // image, "Pathologic calcification" in the measurement list); the scores are nowhere.
    await page.locator('svg text', { hasText: 'Area:' }).first().waitFor({ timeout: 90_000 });
    await page.waitForTimeout(3000);
    await screenshot(page, 'ohif-sr-box-yes');
    const drawn = (await page.locator('svg text').allTextContents()).join('\n');
    expect(drawn).not.toContain('Agatston');
    expect(drawn).not.toContain(lad.agatston.toFixed(2));
  }, 360_000);

  it('the SEG opens as an overlay with one coloured segment per artery, named by artery, and the excluded calcium', async () => {
    const { page } = stack;
    await page.goto(`${stack.url}/viewer?StudyInstanceUIDs=${volume.source.studyInstanceUid}`, { waitUntil: 'load' });
    const segThumb = page.locator('[data-cy^="study-browser-thumbnail"]', { hasText: 'Calcium segmentation v1' });
    await segThumb.first().waitFor({ timeout: 90_000 });
    await segThumb.first().dblclick();
    // Stock OHIF asks before loading a SEG into the viewport.
    await page
      .getByRole('button', { name: 'Yes', exact: true })
      .click({ timeout: 90_000 })
      .catch(async (e) => {
        await screenshot(page, 'ohif-seg-no-prompt');
        throw e;
      });
    await page.locator('[data-cy="panelSegmentation-btn"]').click({ timeout: 30_000 });
    const withCalcium = ARTERIES.filter((a) => result.arteries[a].lesionCount > 0);
    // The seeded distractors (aortic wall, valve) were excluded: their own segment, never counted.
    const excluded = result.lesions.some((l) => l.artery === 'OTHER') ? ['Excluded (non-coronary)'] : [];
    for (const label of [...withCalcium.map((a) => `${a} calcium`), ...excluded]) await page.getByText(label, { exact: true }).first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'ohif-seg-overlay');
    expect(enc.seg!.segments.map((s) => s.label)).toEqual([...withCalcium.map((a) => `${a} calcium`), ...excluded]);
  }, 240_000);
});
