// Review that cannot surprise: what the reader sees while reviewing in the real OHIF viewer
// (real Orthanc, real headless Chromium). The study holds a stored automatic result in which
// one 3D lesion is split: two of its slices proposed for the RCA, the others proposed as
// non-coronary, so the list shows it as two parts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDemoStudy, type StoredStudy } from '../../scripts/demo-study';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { readSeriesFromFiles } from '../../core/dicom/read';
import { demoStudy } from '../../core/phantom/index';
import { LABEL_RGB } from '../../core/palette';
import type { LesionLabel, LesionMeasure, ScoringResult } from '../../core/types';
import { screenshot, startStack, type Stack } from './harness';
import { storeAutomaticResult } from './stored-result';

type Page = Stack['page'];

/** The scrolling box of the side panel that holds the lesion list. */
const SCROLLER = `(() => {
  let e = document.querySelector('[data-testid="calcium-lesions"]');
  while (e && e !== document.body) {
    const o = getComputedStyle(e).overflowY;
    if ((o === 'auto' || o === 'scroll') && e.scrollHeight > e.clientHeight) return e;
    e = e.parentElement;
  }
  return document.scrollingElement;
})()`;

/** Whether an element lies inside the visible part of the panel's scrolling box (and the window). */
async function inView(page: Page, selector: string): Promise<boolean> {
  return page.evaluate(
    ({ selector, scroller }) => {
      const el = document.querySelector(selector);
      if (!el) return false;
      const box = (0, eval)(scroller) as Element;
      const r = el.getBoundingClientRect();
      const c = box.getBoundingClientRect();
      const top = Math.max(c.top, 0), bottom = Math.min(c.bottom, window.innerHeight);
      return r.height > 0 && r.top >= top - 1 && r.bottom <= bottom + 1;
    },
    { selector, scroller: SCROLLER },
  );
}

async function scrollPanel(page: Page, to: 'top' | 'bottom'): Promise<void> {
  await page.evaluate(
    ({ to, scroller }) => {
      const box = (0, eval)(scroller) as Element;
      box.scrollTop = to === 'top' ? 0 : box.scrollHeight;
    },
    { to, scroller: SCROLLER },
  );
  await page.waitForTimeout(200);
}

/**
 * The overlay's segments drawn on the labelmap slice of a CT image (by SOP Instance UID): for
 * each segment index found there, its colour and whether it is filled.
 */
async function segmentsOnSlice(page: Page, sop: string): Promise<{ index: number; rgb: number[]; fill: boolean }[]> {
  return page.evaluate((sop) => {
    type Vm = { getAtIndex: (i: number) => number; getScalarDataLength?: () => number };
    const w = window as unknown as {
      cornerstone: { cache: { getImage: (id: string) => { referencedImageId?: string; voxelManager: Vm; rows: number; columns: number } | undefined } };
      cornerstoneTools: {
        segmentation: {
          state: { getSegmentation: (id: string) => { representationData: { Labelmap: { imageIds: string[] } } } | undefined };
          config: {
            color: { getSegmentIndexColor: (viewportId: string, segmentationId: string, index: number) => number[] };
            style: { getStyle: (spec: Record<string, unknown>) => Record<string, unknown> };
          };
        };
      };
    };
    const id = 'calcium-scoring-lesions';
    const seg = w.cornerstoneTools.segmentation.state.getSegmentation(id);
    const labelId = seg?.representationData.Labelmap.imageIds.find((l) => w.cornerstone.cache.getImage(l)?.referencedImageId?.includes(sop));
    if (!labelId) return [];
    const image = w.cornerstone.cache.getImage(labelId)!;
    const found = new Set<number>();
    for (let i = 0; i < image.rows * image.columns; i++) {
      const v = image.voxelManager.getAtIndex(i);
      if (v) found.add(v);
    }
    return [...found].map((index) => {
      const style = w.cornerstoneTools.segmentation.config.style.getStyle({ viewportId: 'calcium-ct', segmentationId: id, type: 'Labelmap', segmentIndex: index });
      return { index, rgb: w.cornerstoneTools.segmentation.config.color.getSegmentIndexColor('calcium-ct', id, index).slice(0, 3), fill: style.renderFill !== false && style.fillAlpha !== 0 };
    });
  }, sop);
}

describe('review that cannot surprise', () => {
  let stack: Stack;
  let demo: StoredStudy;
  let stored: ScoringResult;
  let sops: string[];
  /** The split lesion: its 3D id and the two parts stored (RCA and non-coronary). */
  const SPLIT = 4;
  let parts: LesionMeasure[];

  beforeAll(async () => {
    stack = await startStack();
    demo = await storeDemoStudy(stack.dicomWebUrl);
    const files = writeCtSeries(demoStudy(1).volume);
    sops = readSeriesFromFiles(files.map((bytes, n) => ({ name: `${n}.dcm`, bytes }))).instances.map((i) => i.sopInstanceUid);
    stored = (
      await storeAutomaticResult(stack.dicomWebUrl, files, (set, assignment) => {
        // Two slices of a non-coronary (rules: OTHER) lesion proposed for the RCA: a split lesion.
        const lesion = set.lesions.find((l) => l.id === SPLIT)!;
        for (const id of lesion.componentIds.slice(0, 2)) assignment.assignComponent(id, 'RCA', 'auto');
      })
    ).result;
    parts = stored.lesions.filter((l) => l.parentId === SPLIT);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const row = (page: Page, id: number) => page.locator(`[data-testid="calcium-lesion"][data-lesion-id="${id}"]`);

  it('opens on the slice of the largest proposed coronary lesion once scoring is done', async () => {
    const { page } = stack;
    expect(parts.map((p) => p.artery).sort()).toEqual(['OTHER', 'RCA']);
    await page.goto(`${stack.url}/calcium-scoring?StudyInstanceUIDs=${demo.studyInstanceUid}`, { waitUntil: 'load' });
    await page.locator('[data-testid="calcium-score-section"][data-state="done"][data-overlay="settled"]').waitFor({ timeout: 150_000 });
    const coronary = stored.lesions.filter((l) => ['LM', 'LAD', 'LCX', 'RCA'].includes(l.artery));
    const largest = coronary.reduce((a, b) => (b.agatston > a.agatston ? b : a));
    const sop = sops[Math.round((largest.sliceRange[0] + largest.sliceRange[1]) / 2)];
    const shown = () =>
      page.evaluate(() => {
        const cs = (window as unknown as { cornerstone: { getEnabledElements: () => { viewport: { id: string; getCurrentImageId: () => string } }[] } }).cornerstone;
        return cs.getEnabledElements().find((e) => e.viewport.id === 'calcium-ct')!.viewport.getCurrentImageId();
      });
    await expect.poll(shown, { timeout: 10_000 }).toContain(sop);
  }, 240_000);

  it('N marks the row it moves to as selected and scrolls it into view', async () => {
    const { page } = stack;
    // The first lesion to review (slice order), scrolled out of view before N.
    const first = 1;
    const selector = `[data-testid="calcium-lesion"][data-lesion-id="${first}"]`;
    await scrollPanel(page, 'top');
    if (await inView(page, selector)) await scrollPanel(page, 'bottom');
    expect(await inView(page, selector)).toBe(false);
    await page.locator('[data-cy="viewport-pane"]').first().hover();
    await page.keyboard.press('n');
    await expect.poll(async () => row(page, first).getAttribute('data-selected')).toBe('true');
    await expect.poll(async () => inView(page, selector)).toBe(true);
    expect(await page.locator('[data-testid="calcium-lesion"][data-selected="true"]').count()).toBe(1);
  }, 60_000);

  it('outlines the selected lesion in its artery colour, never filled white', async () => {
    const { page } = stack;
    const target = stored.lesions.filter((l) => ['LM', 'LAD', 'LCX', 'RCA'].includes(l.artery) && l.parentId === undefined && l.sliceRange[0] === l.sliceRange[1])[0];
    expect(target).toBeDefined();
    await row(page, target.id).locator('button').first().click();
    await expect.poll(async () => row(page, target.id).getAttribute('data-selected')).toBe('true');
    await page.locator('[data-testid="calcium-score-section"][data-overlay="settled"]').waitFor({ timeout: 10_000 });
    const colour = [...LABEL_RGB[target.artery]];
    await expect
      .poll(async () => (await segmentsOnSlice(page, sops[target.sliceRange[0]])).filter((s) => !s.fill && s.rgb.join() === colour.join()).length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    const segments = await segmentsOnSlice(page, sops[target.sliceRange[0]]);
    expect(segments.filter((s) => s.rgb.join() === '255,255,255')).toEqual([]);
    await screenshot(page, 'viewer-review-selected-outline');
  }, 60_000);

  it('keeps the review cues and "Confirm automatic labels" in view above the lesion list', async () => {
    const { page } = stack;
    await scrollPanel(page, 'bottom');
    expect(await inView(page, '[data-testid="calcium-lesions"] h3')).toBe(false); // scrolled past the list's top
    expect(await inView(page, '[data-testid="calcium-confirm-automatic"]')).toBe(true);
    expect(await inView(page, '[data-testid="calcium-review-cue"]')).toBe(true);
    expect(await page.getByTestId('calcium-review-cue').innerText()).toMatch(/^Automatic, not reviewed: \d+ candidates? left to review/);
    // Above the lesion list in the panel's order.
    const before = await page.evaluate(() => {
      const cue = document.querySelector('[data-testid="calcium-confirm-automatic"]')!;
      const list = document.querySelector('[data-testid="calcium-lesions"]')!;
      return Boolean(cue.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    expect(before).toBe(true);
    await scrollPanel(page, 'top');
  }, 60_000);

  it('draws excluded calcium in its grey', async () => {
    const { page } = stack;
    const target = stored.lesions.filter((l) => ['LM', 'LAD', 'LCX', 'RCA'].includes(l.artery) && l.parentId === undefined && l.sliceRange[0] === l.sliceRange[1])[1];
    await row(page, target.id).locator('[data-assign="OTHER"]').click();
    await expect.poll(async () => row(page, target.id).getAttribute('data-artery')).toBe('OTHER');
    // Another lesion selected, so the excluded one is drawn as any excluded lesion is.
    await row(page, 1).locator('button').first().click();
    await page.locator('[data-testid="calcium-score-section"][data-overlay="settled"]').waitFor({ timeout: 10_000 });
    const grey = [...LABEL_RGB.OTHER].join();
    await expect.poll(async () => (await segmentsOnSlice(page, sops[target.sliceRange[0]])).filter((s) => s.fill && s.rgb.join() === grey).length, { timeout: 10_000 }).toBeGreaterThan(0);
    await page.locator('[data-cy="viewport-pane"]').first().hover();
    await page.keyboard.press('Control+z');
    await expect.poll(async () => row(page, target.id).getAttribute('data-artery')).toBe(target.artery);
  }, 60_000);

  it('an assign on one part of a split lesion changes that part only: the other part keeps its label and Agatston', async () => {
    const { page } = stack;
    const rca = parts.find((p) => p.artery === 'RCA')!;
    const other = parts.find((p) => p.artery === 'OTHER')!;
    expect(Number(await row(page, other.id).getAttribute('data-agatston'))).toBeCloseTo(other.agatston, 6);
    const lad = (label: LesionLabel) => page.locator(`[data-testid="calcium-artery-table"] tr[data-artery="${label}"] [data-col="agatston"]`).innerText();
    const ladBefore = Number(await lad('LAD'));
    await row(page, rca.id).locator('[data-assign="LAD"]').click();
    // The part is on LAD now (a part row of the same 3D lesion), with the part's Agatston ...
    const partOn = async (label: LesionLabel) =>
      (await page.locator(`[data-testid="calcium-lesion"][data-artery="${label}"]`).evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-lesion-id')), Number(e.getAttribute('data-agatston'))] as const))).find(
        ([, a]) => Math.abs(a - rca.agatston) < 1e-6,
      )?.[0] ?? null;
    await expect.poll(() => partOn('LAD'), { timeout: 10_000 }).not.toBeNull();
    const ladPart = row(page, (await partOn('LAD'))!);
    expect(Number(await ladPart.getAttribute('data-lesion-id'))).not.toBe(SPLIT);
    expect(Number(await lad('LAD')) - ladBefore).toBeCloseTo(rca.agatston, 0);
    // ... and the other part is as it was.
    expect(await row(page, other.id).getAttribute('data-artery')).toBe('OTHER');
    expect(Number(await row(page, other.id).getAttribute('data-agatston'))).toBeCloseTo(other.agatston, 6);
    expect(await row(page, other.id).getAttribute('data-label-source')).toBe('auto');
    expect(await row(page, SPLIT).count()).toBe(0);
    // The hotkey acts on the selected part too (the part just assigned stays selected).
    expect(await ladPart.getAttribute('data-selected')).toBe('true');
    await page.locator('[data-cy="viewport-pane"]').first().hover();
    await page.keyboard.press('3');
    await expect.poll(() => partOn('LCX'), { timeout: 10_000 }).not.toBeNull();
    expect(await row(page, other.id).getAttribute('data-artery')).toBe('OTHER');
    expect(Number(await row(page, other.id).getAttribute('data-agatston'))).toBeCloseTo(other.agatston, 6);
  }, 60_000);
});
