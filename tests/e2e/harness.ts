// End-to-end harness: a real Orthanc, the project's server with the real prebuilt OHIF viewer
// and the built plugin, and a real headless Chromium (Debian /usr/bin/chromium via
// playwright-core), each on a free loopback port / fresh profile, stopped in reverse order.
// Shared by the viewer tests (tests/e2e/*.test.ts).
// Only what it started is stopped, by process id: stop() in reverse order; if the test
// process ends without it (an abort, a crash, a kill), Orthanc goes with it (exit hook and
// parent-death signal in scripts/lib/orthanc.mjs) and Playwright stops its own Chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureViewer } from '../../scripts/fetch-viewer.mjs';
import { DIST_DIR, ensureBuilt } from '../../scripts/lib/build.mjs';
import { freePort, startOrthanc, type RunningOrthanc } from '../../scripts/lib/orthanc.mjs';
import { startServer, type RunningServer } from '../../scripts/server.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEST_OUTPUT = path.join(REPO_ROOT, 'test-output');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that work as root in a container (docs/platform.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface Stack {
  orthanc: RunningOrthanc | null;
  server: RunningServer;
  /** The viewer's origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The archive's own DICOMweb root (not proxied), for storing test data. */
  dicomWebUrl: string;
  context: BrowserContext;
  page: Page;
  /** Browser console errors and page errors seen so far. */
  consoleErrors: string[];
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Use this DICOMweb root instead of starting Orthanc (e.g. an unreachable one, to test errors). */
  dicomWebUrl?: string;
  viewport?: { width: number; height: number };
}

/**
 * Start Orthanc (unless a DICOMweb URL is given), the server and a browser page.
 * Builds the bundles and fetches the viewer when needed (npm test does both before vitest).
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const viewerDir = ensureViewer({ log: () => undefined });
    ensureBuilt({ log: () => undefined });
    let orthanc: RunningOrthanc | null = null;
    let dicomWebUrl = opts.dicomWebUrl;
    if (!dicomWebUrl) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-e2e-orthanc-'));
      orthanc = await startOrthanc({ port: await freePort(), dir });
      const o = orthanc;
      cleanups.push(async () => {
        await o.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      });
      dicomWebUrl = orthanc.dicomWebUrl;
    }
    const server = await startServer({ port: await freePort(), viewerDir, pluginDir: DIST_DIR, dicomWebUrl });
    cleanups.push(server.close);

    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-e2e-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1440, height: 900 },
    });
    cleanups.push(async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    // OHIF 3.13 shows its first-visit tour only while localStorage 'shownTours' lacks its id
    // ('basicViewerTour', ui-next Onboarding): mark it shown before any page loads, so the tour's
    // modal overlay never takes a click (in a fresh-clone CI run the handler below once failed
    // to hide it for 90 s).
    await context.addInitScript(() => {
      try {
        const shown = JSON.parse(localStorage.getItem('shownTours') ?? '[]') as string[];
        if (!shown.includes('basicViewerTour')) localStorage.setItem('shownTours', JSON.stringify([...shown, 'basicViewerTour']));
      } catch {
        // no storage (opaque origin): the handler below still skips the tour
      }
    });
    // OHIF's first-visit tour (shepherd) can open at any moment on a loaded machine (seen 20 s
    // and more after the study list) and its overlay takes every click: whenever it covers the
    // page before an action, skip it (Playwright runs this before each action it would block).
    await page.addLocatorHandler(page.locator('.shepherd-modal-is-visible'), async () => {
      const skip = page.getByText('Skip all');
      if (await skip.first().isVisible().catch(() => false)) await skip.first().click();
      else await page.keyboard.press('Escape');
    });
    return { orthanc, server, url: server.url, dicomWebUrl, context, page, consoleErrors, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Keep a screenshot under test-output/ (gitignored); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(TEST_OUTPUT, { recursive: true });
  const file = path.join(TEST_OUTPUT, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The study list row of a study (OHIF marks rows with data-cy="studyRow-<StudyInstanceUID>"). */
export function studyRowSelector(studyInstanceUid: string): string {
  return `[data-cy="studyRow-${studyInstanceUid}"]`;
}

export type { Browser, Page };
