// How the viewer reads the series it scores (issue 15): the scoring worker fetches it itself
// through the data source (WADO-RS Retrieve Series) and never waits for OHIF's display loader;
// when that read fails it falls back to the viewer's image cache with a note, never a failure.
// Both give what `cacs score --dicomweb` gives on the same study from the same archive.
// Real Orthanc, the project's server, headless Chromium; the JPEG-LS chest CT exercises the
// worker's own decoders.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stowInstances } from '../../scripts/demo-study';
import { readPart10 } from '../../core/dicom/part10';
import { cacs } from '../helpers/cacs';
import { REPO_ROOT, startStack, type Page, type Stack } from './harness';

const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');

interface Shown {
  total: number;
  arteries: Record<string, number>;
  lesions: Map<number, { artery: string | null; agatston: number }>;
  notes: string[];
  seriesRequests: number;
}

/** Open the mode on the study and wait for the score; what the panel shows and what the page said about reading. */
async function openAndScore(stack: Stack, studyUid: string): Promise<Shown> {
  const { page } = stack;
  const notes: string[] = [];
  let seriesRequests = 0;
  const onConsole = (m: { text: () => string }) => {
    if (m.text().includes('[calcium-scoring]')) notes.push(m.text());
  };
  // WADO-RS Retrieve Series (".../studies/X/series/Y", no /metadata, /instances or frames): only the scoring worker asks for it.
  const onRequest = (r: { url: () => string }) => {
    if (/\/dicom-web\/studies\/[^/]+\/series\/[^/?]+$/.test(r.url())) seriesRequests++;
  };
  page.on('console', onConsole);
  stack.context.on('request', onRequest);
  try {
    await page.goto(`${stack.url}/calcium-scoring?StudyInstanceUIDs=${studyUid}`, { waitUntil: 'load' });
    const section = page.locator('[data-testid="calcium-score-section"]');
    await page.locator('[data-testid="calcium-score-section"]:is([data-state="done"], [data-state="error"])').waitFor({ timeout: 240_000 });
    expect(await section.getAttribute('data-state')).toBe('done');
    return { ...(await panel(page)), notes, seriesRequests };
  } finally {
    page.off('console', onConsole);
    stack.context.off('request', onRequest);
  }
}

async function panel(page: Page): Promise<Omit<Shown, 'notes' | 'seriesRequests'>> {
  const total = Number(await page.locator('[data-testid="calcium-score-section"]').getAttribute('data-total-agatston'));
  const arteries = Object.fromEntries(
    await page
      .locator('[data-testid="calcium-artery-table"] tr[data-artery]')
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-artery')!, Number(r.querySelector('[data-col="agatston"]')?.textContent)] as const)),
  );
  const lesions = new Map(
    await page
      .getByTestId('calcium-lesion')
      .evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-lesion-id')), { artery: e.getAttribute('data-artery'), agatston: Number(e.getAttribute('data-agatston')) }] as const)),
  );
  return { total, arteries, lesions };
}

describe.skipIf(!fs.existsSync(ACRIN))("The viewer reads the scored series itself, and falls back to OHIF's cache", () => {
  let stack: Stack;
  let studyUid: string;
  let seriesUid: string;

  beforeAll(async () => {
    stack = await startStack();
    const files = fs
      .readdirSync(ACRIN)
      .filter((f) => f.endsWith('.dcm'))
      .sort()
      .map((f) => new Uint8Array(fs.readFileSync(path.join(ACRIN, f))));
    await stowInstances(stack.dicomWebUrl, files, 20);
    const first = readPart10(files[0]) as { StudyInstanceUID?: string; SeriesInstanceUID?: string };
    studyUid = String(first.StudyInstanceUID);
    seriesUid = String(first.SeriesInstanceUID);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  let own: Shown;

  it("scores from the worker's own WADO-RS read (JPEG-LS decoded in the worker) exactly as `cacs score --dicomweb` scores the same study", async () => {
    own = await openAndScore(stack, studyUid);
    expect(own.seriesRequests).toBe(1);
    expect(own.notes.some((n) => /read by the scoring worker/.test(n))).toBe(true);
    expect(own.notes.some((n) => /image cache/.test(n))).toBe(false);

    const cli = await cacs(['score', '--dicomweb', stack.dicomWebUrl, '--study', studyUid, '--series', seriesUid, '--format', 'json']);
    expect(cli.code, cli.stderr).toBe(0);
    const json = JSON.parse(cli.stdout) as { total: { agatston: number }; arteries: Record<string, { agatston: number }> };
    // The same total and per-artery Agatston (anatomy rules' labels included) as the command line.
    expect(json.total.agatston).toBeGreaterThan(0);
    expect(own.total).toBeCloseTo(json.total.agatston, 1);
    // The table shows one decimal (its own rounding): within 0.1.
    for (const a of ['LM', 'LAD', 'LCX', 'RCA']) expect(Math.abs(own.arteries[a] - json.arteries[a].agatston)).toBeLessThan(0.1);
  }, 400_000);

  it("reads from the viewer's image cache, with a note and the same result, when the worker's read fails", async () => {
    expect(own, 'the previous test scored the study').toBeDefined();
    // The archive refuses the Retrieve Series request only; OHIF's metadata and frames pass.
    const refuse = /\/dicom-web\/studies\/[^/]+\/series\/[^/?]+$/;
    await stack.context.route(refuse, (route) => route.fulfill({ status: 503, body: 'busy' }));
    try {
      const cached = await openAndScore(stack, studyUid);
      expect(cached.notes.some((n) => /could not read the series itself \(.*503.*\); reading it from the viewer's image cache/.test(n))).toBe(true);
      expect(cached.notes.some((n) => /read by the scoring worker/.test(n))).toBe(false);
      expect(cached.lesions.size).toBe(own.lesions.size);
      for (const [id, l] of own.lesions) {
        expect(cached.lesions.get(id)?.agatston).toBeCloseTo(l.agatston, 6);
        expect(cached.lesions.get(id)?.artery).toBe(l.artery);
      }
      expect(cached.total).toBeCloseTo(own.total, 1);
      expect(stack.consoleErrors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    } finally {
      await stack.context.unroute(refuse);
    }
  }, 400_000);
});
