// The prior scan beside the current one in the real OHIF viewer (real Orthanc, the project's
// server, headless Chromium; docs/scoring.md §1.6). The archive holds, for one patient, an earlier
// study (2022) with a stored automatic calcium result and the current study (2025) with none; for
// a second patient a prior scanned at 100 kVp beside a current study at 120 kVp; and the demo
// study, whose patient has no other study.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stowInstances, storeDemoStudy, type StoredStudy } from '../../scripts/demo-study';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { DEMO_PLAQUES, generatePhantom, type PlaqueSpec } from '../../core/phantom/index';
import { DicomwebClient, jsonValue, loadCalciumResults } from '../../core/store/dicomweb';
import { readPart10 } from '../../core/dicom/part10';
import { oneDecimal } from '../../core/encode/report-text';
import { ARTERIES, type ScoringResult } from '../../core/types';
import { screenshot, startStack, type Stack } from './harness';
import { storeAutomaticResult } from './stored-result';

type Page = Stack['page'];

const PATIENT = 'CACS-PRIOR-E2E-1';
const PRIOR_STUDY = '2.25.81001';
const CURRENT_STUDY = '2.25.81002';
const KVP_PATIENT = 'CACS-PRIOR-E2E-2';
const KVP_PRIOR_STUDY = '2.25.81003';
const KVP_CURRENT_STUDY = '2.25.81004';
// 2022-03-01 to 2025-03-01: 1096 days (2024-02-29 between).
const YEARS = 1096 / 365.25;

const SMALL: PlaqueSpec[] = [
  { site: 'LAD', at: 0.18, sizeMm: 3, widthMm: 2.5, peakHu: 300 },
  { site: 'RCA', at: 0.3, sizeMm: 3, widthMm: 2.5, peakHu: 300 },
];

/** A gated phantom CT written as one study of the given patient and date. */
function ctStudy(o: { seed: number; study: string; date: string; patientId: string; plaques: PlaqueSpec[]; kvp?: number }): Uint8Array[] {
  const { volume } = generatePhantom({ geometry: 'gated', seed: o.seed, size: 256, plaques: o.plaques, kvp: o.kvp, uidSeed: `prior-e2e-${o.study}` });
  volume.source.studyInstanceUid = o.study;
  volume.source.seriesInstanceUid = `${o.study}.1`;
  volume.source.studyDate = o.date;
  volume.source.patientId = o.patientId;
  volume.source.studyDescription = `Calcium score prior test ${o.date}`;
  volume.instances.forEach((inst, k) => (inst.sopInstanceUid = `${o.study}.1.${k + 1}`));
  return writeCtSeries(volume);
}

const prior = (page: Page) => page.locator('[data-testid="calcium-prior"]');
const cell = (page: Page, artery: string, col: 'prior' | 'now' | 'change') => page.locator(`[data-testid="calcium-prior-table"] tr[data-artery="${artery}"] [data-col="${col}"]`).innerText();

async function open(stack: Stack, studyUid: string): Promise<void> {
  await stack.page.goto(`${stack.url}/calcium-scoring?StudyInstanceUIDs=${studyUid}`, { waitUntil: 'load' });
}

async function scored(page: Page): Promise<void> {
  await page.locator('[data-testid="calcium-score-section"][data-state="done"]').waitFor({ timeout: 150_000 });
}

/** The text of the newest summary PDF stored in a study (pdftotext, as tests/integration/encode-validators.test.ts reads it). */
async function storedPdfText(dicomWebUrl: string, studyUid: string): Promise<string> {
  const client = new DicomwebClient({ url: dicomWebUrl });
  const docs = await client.searchForInstances(studyUid, null, { Modality: 'DOC' });
  expect(docs.length).toBeGreaterThan(0);
  const newest = docs.map((d) => ({ series: jsonValue(d, '0020000E')!, sop: jsonValue(d, '00080018')! }))[docs.length - 1];
  const ds = readPart10(await client.retrieveInstance(studyUid, newest.series, newest.sop)) as Record<string, any>;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-prior-pdf-')), 'summary.pdf');
  try {
    fs.writeFileSync(file, new Uint8Array(ds.EncapsulatedDocument[0]).subarray(0, ds.EncapsulatedDocumentLength));
    return (await promisify(execFile)('pdftotext', ['-layout', file, '-'])).stdout;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** The stored report's total as the SR keeps it (2 decimals). */
const asStored = (x: number) => Math.round(x * 100) / 100;

describe('the prior scan beside the current one', () => {
  let stack: Stack;
  let priorResult: ScoringResult;
  let demo: StoredStudy;

  beforeAll(async () => {
    stack = await startStack();
    const priorFiles = ctStudy({ seed: 31, study: PRIOR_STUDY, date: '20220301', patientId: PATIENT, plaques: SMALL });
    await stowInstances(stack.dicomWebUrl, priorFiles);
    priorResult = (await storeAutomaticResult(stack.dicomWebUrl, priorFiles)).result;
    await stowInstances(stack.dicomWebUrl, ctStudy({ seed: 32, study: CURRENT_STUDY, date: '20250301', patientId: PATIENT, plaques: DEMO_PLAQUES }));
    const kvpFiles = ctStudy({ seed: 33, study: KVP_PRIOR_STUDY, date: '20230601', patientId: KVP_PATIENT, plaques: SMALL, kvp: 100 });
    await stowInstances(stack.dicomWebUrl, kvpFiles);
    await storeAutomaticResult(stack.dicomWebUrl, kvpFiles);
    await stowInstances(stack.dicomWebUrl, ctStudy({ seed: 34, study: KVP_CURRENT_STUDY, date: '20250301', patientId: KVP_PATIENT, plaques: DEMO_PLAQUES }));
    demo = await storeDemoStudy(stack.dicomWebUrl);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("shows the prior's date and scores, then the change, per year and progression (square-root rule), found while the series was scored", async () => {
    const { page } = stack;
    await open(stack, CURRENT_STUDY);
    const section = page.locator('[data-testid="calcium-prior"][data-status="found"]');
    await section.waitFor({ timeout: 150_000 });
    expect(await section.getAttribute('data-prior-study')).toBe(PRIOR_STUDY);
    expect(await section.getAttribute('data-prior-date')).toBe('2022-03-01');
    expect(Number(await section.getAttribute('data-prior-total'))).toBeCloseTo(asStored(priorResult.total.agatston), 6);
    expect(await page.locator('[data-testid="calcium-prior"] h3').innerText()).toBe('Prior study 2022-03-01');
    for (const a of ARTERIES) expect(await cell(page, a, 'prior')).toBe(oneDecimal(priorResult.arteries[a].agatston));
    expect(await cell(page, 'Total', 'prior')).toBe(oneDecimal(priorResult.total.agatston));
    expect(await page.getByTestId('calcium-prior-source').innerText()).toMatch(/^Report version 1, (automatic, not reviewed|in review) · 120 kV, 3 mm, B35f$/);

    await scored(page);
    // The prior was on screen before the score: found beside the image loading, not after it.
    const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
    expect(marks['calcium:prior-found']).toBeDefined();
    expect(marks['calcium:prior-found']).toBeLessThan(marks['calcium:scored']);
    const at = (m: string) => `${m.replace('calcium:', '')} ${((marks[m] ?? NaN) / 1000).toFixed(1)} s`;
    console.log(`after navigation: ${['calcium:loading', 'calcium:prior-found', 'calcium:loading:first-slice', 'calcium:detecting', 'calcium:scored'].map(at).join(', ')}`);

    // The comparison, with the current result in the panel's own table.
    await expect.poll(() => section.getAttribute('data-change'), { timeout: 10_000 }).not.toBeNull();
    const now = Number(await section.getAttribute('data-now-total'));
    const then = asStored(priorResult.total.agatston);
    const panelTotal = await page.locator('[data-testid="calcium-artery-table"] tr[data-artery="Total"] [data-col="agatston"]').innerText();
    expect(oneDecimal(now)).toBe(panelTotal);
    expect(Number(await section.getAttribute('data-change'))).toBeCloseTo(now - then, 2);
    expect(Number(await section.getAttribute('data-annualised'))).toBeCloseTo((now - then) / YEARS, 2);
    for (const a of ARTERIES) {
      const nowA = await page.locator(`[data-testid="calcium-artery-table"] tr[data-artery="${a}"] [data-col="agatston"]`).innerText();
      expect(await cell(page, a, 'now')).toBe(nowA);
    }
    const expected = Math.sqrt(now) - Math.sqrt(then) >= 2.5;
    expect(await section.getAttribute('data-progression')).toBe(expected ? 'yes' : 'no');
    expect(expected).toBe(true); // the demo plaques are far more calcium than two small ones
    expect(await page.getByTestId('calcium-prior-progression').innerText()).toMatch(/^Progression: yes \(√now − √prior = \d+\.\d\d; yes from 2\.5, square-root method, Hokanson 2004\)$/);
    expect(await page.getByTestId('calcium-prior-change').innerText()).toMatch(/^Change \+\d+\.\d AU, \+\d+\.\d AU per year over 3\.0 years/);
    // Same scanner settings: no "not comparable"; the prior was automatic, and that is said.
    expect(await section.getAttribute('data-comparable')).toBe('true');
    expect(await page.getByTestId('calcium-prior-not-comparable').count()).toBe(0);
    // Beside, not in the way: the reader's own total and the review cue stay in the window.
    const inWindow = (testId: string) => page.getByTestId(testId).evaluate((e) => e.getBoundingClientRect().bottom <= window.innerHeight && e.getBoundingClientRect().top >= 0);
    expect(await inWindow('calcium-total')).toBe(true);
    expect(await inWindow('calcium-review-cue')).toBe(true);
    await screenshot(page, 'viewer-prior-comparison');
  }, 300_000);

  it('follows every assign and exclude at once', async () => {
    const { page } = stack;
    const section = page.locator('[data-testid="calcium-prior"][data-status="found"]');
    const before = Number(await section.getAttribute('data-now-total'));
    const rows = await page.locator('[data-testid="calcium-lesions-assigned"] [data-testid="calcium-lesion"]').evaluateAll((els) =>
      els.map((e) => ({ id: e.getAttribute('data-lesion-id')!, agatston: Number(e.getAttribute('data-agatston')) })),
    );
    const largest = rows.reduce((a, b) => (b.agatston > a.agatston ? b : a));
    expect(largest.agatston).toBeGreaterThan(0);
    await page.locator(`[data-testid="calcium-lesion"][data-lesion-id="${largest.id}"] [data-assign="OTHER"]`).click();
    await expect.poll(async () => Number(await section.getAttribute('data-now-total')), { timeout: 10_000 }).toBeCloseTo(before - largest.agatston, 2);
    const then = Number(await section.getAttribute('data-prior-total'));
    expect(Number(await section.getAttribute('data-change'))).toBeCloseTo(before - largest.agatston - then, 2);
    // Back as it was (Ctrl+Z).
    await page.locator('[data-cy="viewport-pane"]').first().hover();
    await page.keyboard.press('Control+z');
    await expect.poll(async () => Number(await section.getAttribute('data-now-total')), { timeout: 10_000 }).toBeCloseTo(before, 2);
  }, 60_000);

  it('saving records the comparison in the SR, the PDF and the report text', async () => {
    const { page } = stack;
    const section = page.locator('[data-testid="calcium-prior"][data-status="found"]');
    const now = Number(await section.getAttribute('data-now-total'));
    const then = Number(await section.getAttribute('data-prior-total'));
    await page.getByTestId('calcium-save-button').click();
    await page.getByTestId('calcium-save-message').or(page.getByTestId('calcium-save-error')).waitFor({ timeout: 150_000 });
    expect(await page.getByTestId('calcium-save-error').count()).toBe(0);
    expect(await page.getByTestId('calcium-report-text').innerText()).toContain('Compared with the prior study of 2022-03-01');
    const back = await loadCalciumResults({ url: stack.dicomWebUrl }, CURRENT_STUDY);
    expect(back.current?.prior).toMatchObject({
      priorStudyInstanceUid: PRIOR_STUDY,
      priorStudyDate: '2022-03-01',
      priorTotal: then,
      progression: true,
    });
    expect(back.current!.prior!.change).toBeCloseTo(now - then, 1);
    expect(back.current!.prior!.annualisedChange).toBeCloseTo((now - then) / YEARS, 1);
    expect(back.current!.reportText).toMatch(/Compared with the prior study of 2022-03-01 \(Agatston \d+\.\d\), the (provisional )?total changed by \+\d+\.\d, \+\d+\.\d per year; progression by the square-root method \(Hokanson 2004\): yes/);
    // The summary page has its "Compared with prior" block (the only DOC in the study: one save).
    const pdf = await storedPdfText(stack.dicomWebUrl, CURRENT_STUDY);
    expect(pdf).toContain('Compared with prior');
    expect(pdf).toMatch(new RegExp(`Prior study 2022-03-01 \\(${PRIOR_STUDY.replace(/\./g, '\\.')}\\): total Agatston ${then.toFixed(1).replace('.', '\\.')}`));
    expect(pdf).toMatch(/Progression: yes \(sqrt difference \d+\.\d\d; square-root method/);
  }, 240_000);

  it('reopened, the saved result comes back with the same comparison', async () => {
    const { page } = stack;
    const saved = (await loadCalciumResults({ url: stack.dicomWebUrl }, CURRENT_STUDY)).current!;
    await open(stack, CURRENT_STUDY);
    await page.locator('[data-testid="calcium-score-section"][data-state="done"][data-restored="applied"]').waitFor({ timeout: 150_000 });
    const section = page.locator('[data-testid="calcium-prior"][data-status="found"]');
    await expect.poll(() => section.getAttribute('data-change'), { timeout: 10_000 }).not.toBeNull();
    expect(Number(await section.getAttribute('data-now-total'))).toBeCloseTo(saved.total.agatston, 1);
    expect(Number(await section.getAttribute('data-change'))).toBeCloseTo(saved.prior!.change!, 1);
    expect(await section.getAttribute('data-progression')).toBe('yes');
  }, 300_000);

  it('a prior scanned at another kVp carries the warning that the scores are not comparable, before and after scoring', async () => {
    const { page } = stack;
    await open(stack, KVP_CURRENT_STUDY);
    const section = page.locator('[data-testid="calcium-prior"][data-status="found"]');
    await section.waitFor({ timeout: 150_000 });
    expect(await section.getAttribute('data-prior-date')).toBe('2023-06-01');
    expect(await page.getByTestId('calcium-prior-source').innerText()).toContain('100 kV, 3 mm, B35f');
    // From the series' headers while it loads, then from the comparison.
    await expect.poll(() => page.getByTestId('calcium-prior-not-comparable').first().innerText(), { timeout: 10_000 }).toContain('kVp 100 then, 120 now');
    await scored(page);
    await expect.poll(() => section.getAttribute('data-comparable'), { timeout: 10_000 }).toBe('false');
    expect(await page.getByTestId('calcium-prior-not-comparable').innerText()).toMatch(/^The scores are not comparable: the acquisitions differ \(kVp 100 then, 120 now\)/);
    await screenshot(page, 'viewer-prior-not-comparable');
  }, 300_000);

  it('a patient without a prior gets one quiet line and no comparison', async () => {
    const { page } = stack;
    await open(stack, demo.studyInstanceUid);
    const none = page.locator('[data-testid="calcium-prior"][data-status="none"]');
    await none.waitFor({ timeout: 150_000 });
    expect(await none.innerText()).toBe('No prior: the archive holds no earlier study of patient PHANTOM-1.');
    await scored(page);
    expect(await page.getByTestId('calcium-prior-table').count()).toBe(0);
    expect(await page.locator('[data-testid="calcium-prior"]').getAttribute('data-status')).toBe('none');
  }, 300_000);
});
