/**
 * `cacs score --prior` against a real Orthanc: two phantom studies of one patient (same PatientID,
 * different StudyDate, more calcium in the later one) and one study of another patient. The
 * earlier result is stored first; the later one is scored with --prior auto / --prior UID and
 * --store: the table and the JSON carry the comparison (change, per year, progression by the
 * square-root method), and the stored SR reads back with it. Another patient's study is refused
 * (exit 2); a study without a calcium report is a note, not a failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startOrthanc } from '../../scripts/lib/orthanc.mjs';
import { DEMO_PLAQUES, generatePhantom, type PlaqueSpec } from '../../core/phantom/index';
import { ctFileName, writeCtSeries } from '../../core/dicom/write-ct';
import { loadCalciumResults } from '../../core/store/dicomweb';
import { cacs } from '../helpers/cacs';
import { stowInstances } from '../../scripts/demo-study';

const PATIENT = 'CACS-PRIOR-7';
const PRIOR_STUDY = '2.25.7001';
const CURRENT_STUDY = '2.25.7002';
const OTHER_STUDY = '2.25.7003';
// A CT of the patient between the two, with no calcium result: the search goes past it.
const BETWEEN_STUDY = '2.25.7004';

let orthanc: { url: string; dicomWebUrl: string; stop: () => Promise<void> };
let tmp: string;
const dirs: Record<string, { series: string; seeds: string }> = {};

function writeStudy(name: string, o: { seed: number; study: string; date: string; patientId: string; plaques: PlaqueSpec[] }): void {
  const { volume, truth } = generatePhantom({ size: 96, seed: o.seed, plaques: o.plaques });
  volume.source.studyInstanceUid = o.study;
  volume.source.seriesInstanceUid = `${o.study}.1`;
  volume.source.studyDate = o.date;
  volume.source.patientId = o.patientId;
  volume.instances.forEach((inst, k) => (inst.sopInstanceUid = `${o.study}.1.${k + 1}`));
  const series = path.join(tmp, name);
  fs.mkdirSync(series);
  writeCtSeries(volume).forEach((bytes, k) => fs.writeFileSync(path.join(series, ctFileName(k)), bytes));
  const seeds = path.join(tmp, `${name}-seeds.json`);
  fs.writeFileSync(seeds, JSON.stringify(truth.plaques.filter((p) => p.kind === 'coronary').map((p) => ({ pointMm: p.centreMm, artery: p.artery }))));
  dirs[name] = { series, seeds };
}

const score = (name: string, extra: string[]) =>
  cacs(['score', dirs[name].series, '--seeds', dirs[name].seeds, '--no-auto', '--store', orthanc.dicomWebUrl, '--outbox', path.join(tmp, `outbox-${name}`), ...extra]);

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-prior-cli-'));
  orthanc = await startOrthanc({ port: await freePort(), dir: path.join(tmp, 'orthanc') });
  const small: PlaqueSpec[] = [
    { site: 'LAD', at: 0.18, sizeMm: 3, widthMm: 2.5, peakHu: 300 },
    { site: 'RCA', at: 0.3, sizeMm: 3, widthMm: 2.5, peakHu: 300 },
  ];
  writeStudy('prior', { seed: 11, study: PRIOR_STUDY, date: '20220301', patientId: PATIENT, plaques: small });
  writeStudy('current', { seed: 12, study: CURRENT_STUDY, date: '20250301', patientId: PATIENT, plaques: DEMO_PLAQUES });
  writeStudy('other', { seed: 13, study: OTHER_STUDY, date: '20210101', patientId: 'SOMEONE-ELSE', plaques: small });
  writeStudy('between', { seed: 14, study: BETWEEN_STUDY, date: '20230601', patientId: PATIENT, plaques: small });
  await stowInstances(orthanc.dicomWebUrl, fs.readdirSync(dirs.between.series).map((f) => new Uint8Array(fs.readFileSync(path.join(dirs.between.series, f)))));
}, 120_000);

afterAll(async () => {
  await orthanc?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('cacs score --prior: bad use is one line, exit 2', () => {
  it('a value that is neither a UID nor auto; no archive to read from; the study being scored', async () => {
    const bad = await cacs(['score', dirs.prior.series, '--prior', 'last-year', '--store', orthanc.dicomWebUrl]);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, "cacs: --prior must be a StudyInstanceUID (digits and dots) or auto (got 'last-year')"]);
    const noArchive = await cacs(['score', dirs.prior.series, '--prior', 'auto']);
    expect([noArchive.code, noArchive.stderr.trim()]).toEqual([2, 'cacs: --prior reads the prior result from the archive: give --store URL or --dicomweb URL']);
    const self = await score('current', ['--prior', CURRENT_STUDY]);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain(`--prior ${CURRENT_STUDY} is the study being scored`);
  }, 300_000);
});

describe('cacs score --prior with a real archive', () => {
  let priorTotal = 0;

  it('stores the earlier results first (no --prior)', async () => {
    for (const name of ['prior', 'other']) {
      const r = await score(name, ['--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.stored.ok).toBe(true);
      expect(j.prior).toBeUndefined();
      if (name === 'prior') priorTotal = j.total.agatston;
    }
    expect(priorTotal).toBeGreaterThan(0);
  }, 300_000);

  it('--prior auto finds the newest earlier study of the patient that holds a result (past a later CT without one): JSON "prior" with change, per year and progression; the stored SR carries it', async () => {
    const r = await score('current', ['--prior', 'auto', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const total = j.total.agatston as number;
    const stored = Math.round(priorTotal * 100) / 100; // the SR stores 2 decimals
    expect(j.prior).toMatchObject({
      found: true,
      requested: 'auto',
      priorStudyInstanceUid: PRIOR_STUDY,
      priorStudyDate: '2022-03-01',
      currentStudyDate: '2025-03-01',
      report: { version: 1 },
      comparable: true,
      // The phantom's bone and aortic calcium stay unassigned with --no-auto: the prior was provisional.
      warnings: [expect.stringMatching(/^The prior result was not final: \d+ candidate lesions were neither assigned nor excluded, so its total may be too low\.$/)],
    });
    // 2022-03-01 to 2025-03-01: 1096 days (2024-02-29 between) = 3.0007 years.
    expect(j.prior.intervalYears).toBeCloseTo(1096 / 365.25, 10);
    expect(j.prior.prior.total).toBeCloseTo(stored, 6);
    expect(j.prior.change.total).toBeCloseTo(total - stored, 6);
    expect(j.prior.annualisedChange).toBeCloseTo((total - stored) / (1096 / 365.25), 6);
    expect(j.prior.sqrtDifference).toBeCloseTo(Math.sqrt(total) - Math.sqrt(stored), 6);
    expect(j.prior.progression).toBe(Math.sqrt(total) - Math.sqrt(stored) >= 2.5);
    expect(j.prior.progression).toBe(true); // the demo plaques are far more calcium than two small ones
    expect(j.stored).toMatchObject({ ok: true, version: 1 });
    expect(j.stored.reportText).toContain('Compared with the prior study of 2022-03-01');

    const back = await loadCalciumResults({ url: orthanc.dicomWebUrl }, CURRENT_STUDY);
    expect(back.current!.patientId).toBe(PATIENT);
    expect(back.current!.studyDate).toBe('20250301');
    expect(back.current!.acquisition).toEqual({ kvp: 120, sliceThicknessMm: 3, convolutionKernel: 'B35f' });
    expect(back.current!.prior).toEqual({
      priorStudyInstanceUid: PRIOR_STUDY,
      priorStudyDate: '2022-03-01',
      priorTotal: stored,
      change: Math.round((total - stored) * 100) / 100,
      annualisedChange: Math.round(((total - stored) / (1096 / 365.25)) * 100) / 100,
      annualisedNote: null,
      sqrtDifference: Math.round((Math.sqrt(total) - Math.sqrt(stored)) * 1000) / 1000,
      progression: true,
      warnings: j.prior.warnings,
    });
    expect(back.current!.reportText).toMatch(/progression by the square-root method \(Hokanson 2004\): yes\.$/);
  }, 300_000);

  it('--prior UID in the table: a block after the categories; the same comparison stores nothing new', async () => {
    const r = await score('current', ['--prior', PRIOR_STUDY]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const cat = lines.findIndex((l) => l.startsWith('Category '));
    const at = lines.findIndex((l) => l.startsWith('Prior    '));
    expect(cat).toBeGreaterThan(0);
    expect(at).toBeGreaterThan(cat);
    expect(lines[at]).toMatch(new RegExp(`^Prior    Prior study 2022-03-01 \\(${PRIOR_STUDY.replace(/\./g, '\\.')}\\): total Agatston \\d+\\.\\d; now \\d+\\.\\d \\(report v1\\)$`));
    expect(lines[at + 1]).toMatch(/^ {9}Change \+\d+\.\d \(\+\d+\.\d per year over 3\.0 years\); per artery LM [+-]\d+\.\d, LAD \+\d+\.\d, LCX [+-]\d+\.\d, RCA \+\d+\.\d$/);
    expect(lines[at + 2]).toMatch(/^ {9}Progression: yes \(sqrt difference \d+\.\d\d; square-root method \(Hokanson et al\., AJR 2004\)/);
    expect(r.stdout).toMatch(/already holds this result as the current calcium report version 1/);
  }, 300_000);

  it('a prior of another patient is refused with one line (exit 2)', async () => {
    const r = await score('current', ['--prior', OTHER_STUDY]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(`--prior ${OTHER_STUDY} belongs to another patient (PatientID 'SOMEONE-ELSE', this series '${PATIENT}')`),
    ]);
  }, 300_000);

  it('a prior that is not there is a note, not a failure', async () => {
    const r = await score('current', ['--prior', '2.25.999999', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.prior).toEqual({ found: false, requested: '2.25.999999', note: `No prior: study 2.25.999999 holds no calcium report at ${orthanc.dicomWebUrl}.` });
    // --prior auto for the earliest study: nothing earlier.
    const first = await score('prior', ['--prior', 'auto']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Prior    No prior: the archive holds no earlier study of patient ${PATIENT}.`);
  }, 300_000);
});
