/**
 * `npm run bench:save` [-- --runs N] [--only demo|acrin]: how long saving SEG + SR + PDF takes in
 * the real OHIF viewer (real Orthanc, the project's server, headless Debian Chromium), beside
 * `cacs score --dicomweb URL --study UID --store URL` on the same study from the same archive
 * (the same /dicom-web the viewer uses), measured in the same run, alternately. Not a test: it
 * prints figures (median of N runs, default 3).
 *
 * Per run the reader changes one label (so each save stores a new version, never "unchanged"),
 * clicks save and waits for the panel's answer. Where the time goes comes from the session's
 * User Timing (calcium:save:start / encoded / done, and the store transport's per-object
 * measures: "<KIND> read" is the Part-10 parse handed to OHIF, "<KIND> store" OHIF's
 * createStoreFunction: its metadata registration, its rewrite and the STOW request) and from
 * the page's STOW requests' own timings (network).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, REPO_ROOT, type Stack } from '../tests/e2e/harness';
import { cacs } from '../tests/helpers/cacs';
import { storeDemoStudy, stowInstances } from './demo-study';
import { median } from '../core/math';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const RUNS = Number(arg('--runs') ?? 3);
const ONLY = arg('--only');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');

type Page = Stack['page'];

interface SaveFigures {
  clickToMessageMs: number;
  /** Click -> the new report listed in OHIF's study browser ("Calcium score vN"); null when not within 60 s. */
  clickToBrowserMs: number | null;
  phases: Record<string, number>;
}

async function openScored(page: Page, stack: Stack, uid: string): Promise<void> {
  await page.goto(`${stack.url}/calcium-scoring?StudyInstanceUIDs=${uid}`, { waitUntil: 'load' });
  await page.locator('[data-testid="calcium-score-section"][data-state="done"], [data-testid="calcium-score-section"][data-state="error"]').waitFor({ timeout: 240_000 });
  if ((await page.locator('[data-testid="calcium-score-section"]').getAttribute('data-state')) !== 'done') throw new Error('Scoring failed in the viewer.');
}

async function oneSave(page: Page, run: number): Promise<SaveFigures> {
  // A change, so the save stores (the first lesion row alternates between two arteries).
  const artery = run % 2 === 0 ? 'LAD' : 'RCA';
  const row = page.locator('[data-testid="calcium-lesion"]').first();
  if ((await row.getAttribute('data-artery')) === artery) await row.locator('[data-assign="LCX"]').click();
  await row.locator(`[data-assign="${artery}"]`).click();
  await page.evaluate(() => {
    performance.clearMarks();
    performance.clearMeasures();
  });
  const posts: { url: string; ms: number }[] = [];
  const onDone = (r: import('playwright-core').Request) => {
    if (r.method() === 'POST' && /\/dicom-web\/studies$/.test(r.url())) {
      const t = r.timing();
      posts.push({ url: r.url(), ms: t.responseEnd - t.requestStart });
    }
  };
  page.on('requestfinished', onDone);
  const t0 = Date.now();
  await page.getByTestId('calcium-save-button').click();
  await page.locator('[data-testid="calcium-save-message"], [data-testid="calcium-save-error"]').waitFor({ timeout: 300_000 });
  const clickToMessageMs = Date.now() - t0;
  page.off('requestfinished', onDone);
  if ((await page.getByTestId('calcium-save-error').count()) > 0) throw new Error(`Saving failed: ${await page.getByTestId('calcium-save-error').innerText()}`);
  const version = /version (\d+)/.exec(await page.getByTestId('calcium-save-message').innerText())?.[1];
  let clickToBrowserMs: number | null = null;
  try {
    await page.locator('[data-cy="studyBrowser-panel"]', { hasText: `Calcium score v${version}` }).first().waitFor({ timeout: 60_000 });
    clickToBrowserMs = Date.now() - t0;
  } catch {
    /* not listed within 60 s */
  }
  // A string, not a function: tsx's name helper (__name) does not exist in the page.
  const phases = (await page.evaluate(`(() => {
    const at = (name) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? NaN;
    const out = {
      'read chain + encode (worker)': at('calcium:save:encoded') - at('calcium:save:start'),
      'encoded -> done (store + check)': at('calcium:save:done') - at('calcium:save:encoded'),
      'save total': at('calcium:save:done') - at('calcium:save:start'),
    };
    for (const m of performance.getEntriesByType('measure')) if (m.name.startsWith('calcium:save:')) out[m.name.slice('calcium:save:'.length)] = m.duration;
    return out;
  })()`)) as Record<string, number>;
  posts.forEach((p, n) => (phases[`STOW request ${n + 1} (network)`] = p.ms));
  return { clickToMessageMs, clickToBrowserMs, phases };
}

async function main() {
  const stack = await startStack();
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-bench-save-'));
  try {
    const studies: { name: string; uid: string }[] = [];
    if (ONLY !== 'acrin') studies.push({ name: 'demo (48 x 512 x 512)', uid: (await storeDemoStudy(stack.dicomWebUrl)).studyInstanceUid });
    if (ONLY !== 'demo' && fs.existsSync(ACRIN)) {
      const files = fs
        .readdirSync(ACRIN)
        .filter((f) => f.endsWith('.dcm'))
        .sort()
        .map((f) => new Uint8Array(fs.readFileSync(path.join(ACRIN, f))));
      await stowInstances(stack.dicomWebUrl, files, 20);
      const { readPart10 } = await import('../core/dicom/part10');
      studies.push({ name: 'acrin-chest-ct (135 x 512 x 512)', uid: String((readPart10(files[0]) as { StudyInstanceUID?: string }).StudyInstanceUID) });
    }
    const archive = `${stack.url}/dicom-web`;
    for (const study of studies) {
      await openScored(stack.page, stack, study.uid);
      const viewer: SaveFigures[] = [];
      const cli: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        viewer.push(await oneSave(stack.page, r));
        const run = await cacs(['score', '--dicomweb', archive, '--study', study.uid, '--store', archive, '--outbox', outbox, '--format', 'json']);
        if (run.code !== 0) throw new Error(`cacs score --store failed: ${run.stderr.trim()}`);
        cli.push(run.seconds * 1000);
        process.stderr.write(`${study.name}: run ${r + 1}/${RUNS}: viewer save ${viewer[r].clickToMessageMs} ms (in the study browser ${viewer[r].clickToBrowserMs ?? 'n/a'} ms), cacs score --store ${cli[r].toFixed(0)} ms\n`);
      }
      const names = [...new Set(viewer.flatMap((v) => Object.keys(v.phases)))];
      const saveMs = median(viewer.map((v) => v.clickToMessageMs));
      const cliMs = median(cli);
      console.log(`\n${study.name}, median of ${RUNS}:`);
      console.log(`  viewer: click save -> panel's answer ${(saveMs / 1000).toFixed(2)} s (runs: ${viewer.map((v) => (v.clickToMessageMs / 1000).toFixed(2)).join(', ')})`);
      const browser = viewer.map((v) => v.clickToBrowserMs).filter((x): x is number => x !== null);
      console.log(`  viewer: click save -> new report listed in OHIF's study browser ${browser.length ? `${(median(browser) / 1000).toFixed(2)} s` : 'not within 60 s'} (${browser.length} of ${RUNS} runs listed)`);
      console.log(`  cacs score --dicomweb --store (whole job) ${(cliMs / 1000).toFixed(2)} s (runs: ${cli.map((c) => (c / 1000).toFixed(2)).join(', ')})`);
      console.log(`  ratio viewer save / cacs score --store: ${(saveMs / cliMs).toFixed(2)}`);
      for (const n of names) {
        const values = viewer.map((v) => v.phases[n]).filter((x) => Number.isFinite(x));
        if (values.length) console.log(`    ${n}: ${median(values).toFixed(0)} ms`);
      }
    }
  } finally {
    fs.rmSync(outbox, { recursive: true, force: true });
    await stack.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
