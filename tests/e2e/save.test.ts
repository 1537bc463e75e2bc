// Saving from the real OHIF viewer (real Orthanc, the project's server, headless Chromium) goes
// through core saveToArchive as the CLI does: the version chain read from the archive, nothing
// stored when the result is unchanged, and a warning when two readers save the same study at
// the same moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDemoStudy, type StoredStudy } from '../../scripts/demo-study';
import { loadCalciumReports } from '../../core/store/dicomweb';
import type { CalciumReport } from '../../core/encode/readback';
import { screenshot, startStack, type Stack } from './harness';

type Page = Stack['page'];

const done = '[data-testid="calcium-score-section"][data-state="done"]';

async function openScored(page: Page, stack: Stack, studyUid: string): Promise<void> {
  await page.goto(`${stack.url}/calcium-scoring?StudyInstanceUIDs=${studyUid}`, { waitUntil: 'load' });
  await page.locator(`${done}, [data-testid="calcium-score-section"][data-state="error"]`).waitFor({ timeout: 150_000 });
  expect(await page.locator('[data-testid="calcium-score-section"]').getAttribute('data-state')).toBe('done');
}

/** Click save and wait for its answer (stored, unchanged or failed). */
async function save(page: Page): Promise<void> {
  await page.getByTestId('calcium-save-button').click();
  await answer(page);
}

/** Wait for the answer of a save (stored or unchanged; a failure fails the test with its message). */
async function answer(page: Page): Promise<void> {
  await page.getByTestId('calcium-save-message').or(page.getByTestId('calcium-save-error')).waitFor({ timeout: 150_000 });
  if ((await page.getByTestId('calcium-save-error').count()) > 0) throw new Error(`Saving failed: ${await page.getByTestId('calcium-save-error').innerText()}`);
}

/** Give the first lesion not yet on `artery` that label; returns its id. */
async function assignOne(page: Page, artery: string, skip: number[] = []): Promise<number> {
  const ids = await page
    .locator(`[data-testid="calcium-lesion"]:not([data-artery="${artery}"])`)
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-lesion-id'))));
  const id = ids.find((n) => !skip.includes(n));
  if (id === undefined) throw new Error(`No lesion left to put on ${artery}.`);
  const row = page.locator(`[data-testid="calcium-lesion"][data-lesion-id="${id}"]`);
  await row.locator(`[data-assign="${artery}"]`).click();
  await expect.poll(async () => row.getAttribute('data-artery').catch(() => null)).toBe(artery);
  return id;
}

describe('saving from the viewer through core saveToArchive', () => {
  let stack: Stack;
  let demo: StoredStudy;
  const reports = (): Promise<CalciumReport[]> => loadCalciumReports({ url: stack.dicomWebUrl }, demo.studyInstanceUid);

  beforeAll(async () => {
    stack = await startStack();
    demo = await storeDemoStudy(stack.dicomWebUrl);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('saving again with no change stores nothing and says the result is unchanged; the archive holds one report', async () => {
    const { page } = stack;
    await openScored(page, stack, demo.studyInstanceUid);
    await save(page);
    const message = page.getByTestId('calcium-save-message');
    expect(await message.innerText()).toMatch(/^Stored SEG \+ SR \+ PDF as calcium report version 1 in the archive\.$/);
    expect(await message.getAttribute('data-unchanged')).toBe('false');
    const first = await message.getAttribute('data-sr-uid');
    expect((await reports()).map((r) => r.sopInstanceUid)).toEqual([first]);

    await save(page);
    await expect.poll(async () => message.getAttribute('data-unchanged')).toBe('true');
    expect(await message.innerText()).toBe('Unchanged: the archive already holds this result as calcium report version 1, nothing stored.');
    expect(await message.getAttribute('data-sr-uid')).toBe(first);
    // One SR, one SEG, one PDF: the second save sent nothing.
    const instances = async (modality: string) => {
      const res = await fetch(`${stack.dicomWebUrl}/studies/${demo.studyInstanceUid}/instances?Modality=${modality}`);
      return res.status === 204 ? 0 : ((await res.json()) as unknown[]).length;
    };
    expect([await instances('SR'), await instances('SEG'), await instances('DOC')]).toEqual([1, 1, 1]);
    expect(await page.getByTestId('calcium-save-warning').count()).toBe(0);
    await screenshot(page, 'viewer-save-unchanged');
  }, 300_000);

  it('a changed label saved is version 2, the correction of version 1', async () => {
    const { page } = stack;
    const v1 = (await reports())[0];
    await assignOne(page, 'LAD');
    expect(await page.getByTestId('calcium-save-button').innerText()).toContain('correction');
    await save(page);
    const message = page.getByTestId('calcium-save-message');
    expect(await message.innerText()).toBe('Stored SEG + SR + PDF as calcium report version 2 (correction of version 1) in the archive.');
    const all = await reports();
    expect(all).toHaveLength(2);
    const uid = await message.getAttribute('data-sr-uid');
    const v2 = all.find((r) => r.sopInstanceUid === uid)!;
    expect(v2).toBeDefined();
    expect(v2.version).toBe(2);
    expect(v2.predecessors).toEqual([v1.sopInstanceUid]);
    expect(v2.arteries.LAD?.agatston ?? 0).toBeGreaterThan(v1.arteries.LAD?.agatston ?? 0);
  }, 300_000);

  it('two readers saving the same study at the same moment: both are stored, and at least one panel warns, naming the other report', async () => {
    const a = stack.page;
    const b = await stack.context.newPage();
    try {
      const v2 = (await reports()).find((r) => r.version === 2)!;
      // Both readers open the study (version 2 restored) and change it differently.
      await Promise.all([openScored(a, stack, demo.studyInstanceUid), openScored(b, stack, demo.studyInstanceUid)]);
      const changed = await assignOne(a, 'RCA');
      await assignOne(b, 'LCX', [changed]);
      // Save on both at once: both buttons clicked in the pages within milliseconds (Playwright's
      // own clicks wait for each page in turn, which can put a whole save between them).
      await Promise.all([a, b].map((p) => p.getByTestId('calcium-save-button').waitFor()));
      await Promise.all([a, b].map((p) => p.evaluate(() => (document.querySelector('[data-testid="calcium-save-button"]') as HTMLButtonElement).click())));
      await Promise.all([a, b].map((p) => answer(p)));
      const uids = [await a.getByTestId('calcium-save-message').getAttribute('data-sr-uid'), await b.getByTestId('calcium-save-message').getAttribute('data-sr-uid')];
      for (const page of [a, b]) expect(await page.getByTestId('calcium-save-message').innerText()).toContain('version 3 (correction of version 2)');
      // Both are in the archive, each the correction of version 2.
      const v3 = (await reports()).filter((r) => r.version === 3);
      expect(v3.map((r) => r.sopInstanceUid).sort()).toEqual([...uids].sort());
      for (const r of v3) expect(r.predecessors).toEqual([v2.sopInstanceUid]);
      // The warning names the other reader's report.
      const warnings = await Promise.all([a, b].map((p) => p.getByTestId('calcium-save-warning').allInnerTexts()));
      expect(warnings[0].length + warnings[1].length).toBeGreaterThan(0);
      warnings.forEach((lines, n) => {
        for (const line of lines) {
          expect(line).toMatch(/^Another calcium report of this study was stored at the same time as this one, also as the correction of version 2/);
          expect(line).toContain(`version 3 (${uids[1 - n]})`);
        }
      });
      await screenshot(warnings[0].length ? a : b, 'viewer-save-two-readers');
    } finally {
      await b.close();
    }
  }, 400_000);
});
