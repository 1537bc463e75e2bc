#!/usr/bin/env node
// `npm test`: everything the test suite needs, then the whole suite (unit, integration, end-to-end).
// 1. system packages (Orthanc + DICOMweb, Chromium, dicom3tools, dcmtk, PixelMed, poppler) via apt-get when missing;
// 2. the plugin bundles (webpack) and the prebuilt OHIF viewer (fetched from the npm registry, cached in .viewer/);
// 3. vitest over tests/ (each integration/e2e file starts and stops its own Orthanc, server and browser on free ports).
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
const report = path.join('test-output', 'vitest-report.json');
const code = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]);
try {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  // The plain closing line CI reads ('N passed, N failed').
  console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
} catch {
  console.log('\ntests: no report written (see the output above)');
}
process.exit(code);
