/**
 * `cacs score --clinical FILE`: the MESA inputs from a JSON file, checked by the core, give the
 * 10-year CHD risk with CAC beside the guideline text in the JSON and the table; bad inputs are
 * the user's mistake (exit 2, one line saying what to fix). A real process on the demo phantom
 * written as DICOM, every plaque and distractor seeded as a reader would.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mesaTenYearChdRisk } from '../../core/risk';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { voxelToPatient } from '../../core/dicom/geometry';
import { DEFAULT_BLOBS, makeFixture } from '../helpers/encode-fixtures';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CACS = path.join(REPO_ROOT, 'bin/cacs.mjs');

function cacs(...args: string[]) {
  const r = spawnSync(process.execPath, [CACS, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SPEC_PATIENT = {
  ageYears: 70, sex: 'male', race: 'hispanic', diabetes: false, currentSmoker: false, systolicBpMmHg: 130,
  antihypertensiveMedication: true, totalCholesterolMgDl: 190, hdlMgDl: 50, lipidLoweringMedication: false, familyHistoryOfHeartAttack: false,
};

describe('cacs score --clinical', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-clinical-'));
  // A small CT with one plaque per artery and aortic calcium, each seeded as a reader would.
  const f = makeFixture();
  const ct = path.join(dir, 'ct');
  fs.mkdirSync(ct);
  writeCtSeries(f.volume).forEach((bytes, k) => fs.writeFileSync(path.join(ct, `${k}.dcm`), bytes));
  const seeds = path.join(dir, 'seeds.json');
  const centre = (b: (typeof DEFAULT_BLOBS)[number]) => voxelToPatient(f.volume, (b.box[0] + b.box[1]) / 2, (b.box[2] + b.box[3]) / 2, Math.floor((b.box[4] + b.box[5]) / 2));
  fs.writeFileSync(seeds, JSON.stringify(DEFAULT_BLOBS.map((b) => ({ pointMm: centre(b), artery: b.label }))));
  const clinical = path.join(dir, 'clinical.json');
  fs.writeFileSync(clinical, JSON.stringify(SPEC_PATIENT));

  it('adds the inputs and the MESA risk to the JSON, computed from the total it prints', () => {
    const r = cacs('score', ct, '--no-auto', '--seeds', seeds, '--clinical', clinical, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.risk.clinical).toEqual(SPEC_PATIENT);
    expect(json.risk.provisional ?? false).toBe(false);
    expect(json.total.agatston).toBeCloseTo(f.result.total.agatston, 3);
    expect(json.risk.mesaTenYearChdRiskPercent).toBeCloseTo(mesaTenYearChdRisk(SPEC_PATIENT as never, json.total.agatston).riskPercent!, 2);
    expect(json.risk.mesaTenYearChdRiskPercent).toBeGreaterThan(3.06); // CAC > 0 raises the docs/scoring.md §1.4 patient's 3.06 %
    const table = cacs('score', ct, '--no-auto', '--seeds', seeds, '--clinical', clinical);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`MESA 10-year CHD risk with CAC: ${json.risk.mesaTenYearChdRiskPercent.toFixed(1)} %`);
  });

  it('refuses inputs out of range or in the wrong unit with one line saying what to enter', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...SPEC_PATIENT, totalCholesterolMgDl: 4.9 }));
    const r = cacs('score', ct, '--no-auto', '--clinical', bad, '--format', 'json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cacs: clinical file .*bad\.json: Total cholesterol 4\.9 mg\/dL is outside 50-600 mg\/dL\. 4\.9 looks like mmol\/L: enter 189 mg\/dL/);
    const missing = cacs('score', ct, '--clinical', path.join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/clinical file .*nope\.json does not exist/);
  });
});
