#!/usr/bin/env node
// `npm test`: everything the test suite needs, then the whole suite (unit, integration, end-to-end).
// 1. system packages (Orthanc + DICOMweb, Chromium, dicom3tools, dcmtk, PixelMed, poppler) via apt-get when missing;
// 2. the plugin bundles (webpack) and the prebuilt OHIF viewer (fetched from the npm registry, cached in .viewer/);
// 3. vitest over tests/ (each integration/e2e file starts and stops its own Orthanc, server and browser on free ports):
//    unit + integration in parallel, then the e2e files one at a time.
// Extra arguments go to vitest, e.g. `npm test -- tests/unit`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackages, TEST_PACKAGES } from './lib/debian.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  return r.status ?? 1;
};
const step = (title) => console.log(`\n== ${title}`);

try {
  ensurePackages(TEST_PACKAGES, { why: 'the tests' });
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

if (fs.existsSync('scripts/fetch-viewer.mjs')) {
  step('OHIF viewer (prebuilt @ohif/app)');
  if (run('node', ['scripts/fetch-viewer.mjs']) !== 0) process.exit(1);
}
if (fs.existsSync('webpack.config.js')) {
  step('build the extension and mode bundles');
  if (run('npx', ['webpack', '--mode', 'production']) !== 0) process.exit(1);
}
if (fs.existsSync('scripts/build-cli.mjs')) {
  step('build the command line (dist/cli)');
  if (run('node', ['scripts/build-cli.mjs']) !== 0) process.exit(1);
}

step('vitest');
fs.mkdirSync('test-output', { recursive: true });
// Without arguments: unit and integration files in parallel, then the end-to-end files one at a
// time, alone. A browser test sharing 2 cores with CPU-bound files (the fuzzer, the validators)
// has timed out in OHIF's own rendering; alone it takes seconds.
const extra = process.argv.slice(2);
const phases = extra.length > 0 ? [{ name: 'vitest', args: extra }] : [
  { name: 'unit-integration', args: ['tests/unit', 'tests/integration'] },
  { name: 'e2e', args: ['tests/e2e', '--no-file-parallelism'] },
];
let code = 0;
const totals = { passed: 0, failed: 0, skipped: 0, reports: 0 };
for (const phase of phases) {
  if (phases.length > 1) step(`vitest: ${phase.name}`);
  const report = path.join('test-output', phases.length > 1 ? `vitest-report-${phase.name}.json` : 'vitest-report.json');
  fs.rmSync(report, { force: true });
  const c = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...phase.args]);
  if (c !== 0) code = c;
  try {
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + r.numTodoTests;
    totals.reports++;
  } catch {
    if (code === 0) code = 1;
  }
}
// The plain closing line CI reads ('N passed, N failed').
if (totals.reports === phases.length) console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
else console.log('\ntests: no report written for every phase (see the output above)');
process.exit(code);
