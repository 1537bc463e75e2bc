/**
 * `cacs score` as a user runs it: a real process on real and synthetic DICOM folders.
 * Checks the JSON key names promised to scripts, the table, seeds, settings flags and the
 * exit codes (0 scored, 2 the user's mistake with one line on stderr).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { asFiles, ctSlice, series, uid, writeFolder } from '../unit/read-fixtures';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const QRM = path.resolve(REPO_ROOT, '../shared/data/qrm-phantom');
const CACS = path.join(REPO_ROOT, 'bin/cacs.mjs');

function cacs(...args: string[]) {
  return cacsWith({}, ...args);
}

function cacsWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [CACS, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user's mistake: exit code 2, nothing on stdout, exactly one line on stderr, no stack trace. */
function expectUserError(r: ReturnType<typeof cacs>, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cacs: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-cli-'));

describe('cacs score on the QRM calcium phantom (real scanner data)', () => {
  let json: any;
  beforeAll(() => {
    const r = cacs('score', QRM, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    json = JSON.parse(r.stdout);
  });

  it('prints JSON with exactly the promised key names', () => {
    for (const key of ['input', 'settings', 'total', 'arteries', 'lesions', 'risk', 'warnings']) expect(json).toHaveProperty(key);
    expect(Object.keys(json.total).sort()).toEqual(['agatston', 'lesionCount', 'massMg', 'volumeMm3']);
    expect(Object.keys(json.arteries).sort()).toEqual(['LAD', 'LCX', 'LM', 'RCA']);
    for (const a of ['LM', 'LAD', 'LCX', 'RCA']) expect(Object.keys(json.arteries[a]).sort()).toEqual(['agatston', 'lesionCount', 'massMg', 'volumeMm3']);
    expect(json.lesions.length).toBeGreaterThan(0);
    for (const l of json.lesions) {
      for (const key of ['id', 'artery', 'agatston', 'volumeMm3', 'massMg', 'peakHU', 'centroidMm', 'voxelCount']) expect(l).toHaveProperty(key);
      expect(['LM', 'LAD', 'LCX', 'RCA', 'OTHER', 'UNASSIGNED']).toContain(l.artery);
      expect(l.centroidMm).toHaveLength(3);
    }
    expect(typeof json.risk.agatstonCategory).toBe('string');
    expect(typeof json.risk.cacDrs).toBe('string');
    expect(Array.isArray(json.warnings)).toBe(true);
  });

  it('reports the acquisition: 120 kVp, 3 mm slices every 3 mm, Toshiba', () => {
    expect(json.input).toMatchObject({ kvp: 120, sliceThicknessMm: 3, sliceIncrementMm: 3, manufacturer: 'TOSHIBA', sliceCount: 47, rows: 512, columns: 512 });
    expect(json.settings.thresholdHu).toBe(130);
    expect(json.warnings).toContain('1 file is not DICOM and was skipped: LICENSE');
  });

  it('in auto mode without seeds, the labeller finds no heart in the phantom: lesions stay UNASSIGNED and the total is 0', () => {
    expect(json.autoLabelling).toMatch(/did not run: the heart was not found/);
    expect(json.model).toBeNull();
    expect(json.lesions.every((l: any) => l.artery === 'UNASSIGNED')).toBe(true);
    expect(json.total.agatston).toBe(0);
    expect(json.risk.cacDrs).toMatch(/^CAC-DRS 0/);
  });

  it('a seed on an insert assigns that lesion to the artery and scores it', () => {
    const insert = json.lesions.filter((l: any) => l.peakHU >= 800 && l.volumeMm3 < 1000).sort((a: any, b: any) => b.agatston - a.agatston)[0];
    expect(insert).toBeDefined();
    const dir = tmp();
    const seeds = path.join(dir, 'seeds.json');
    fs.writeFileSync(seeds, JSON.stringify([{ pointMm: insert.centroidMm, artery: 'LAD' }]));
    const r = cacs('score', QRM, '--format', 'json', '--seeds', seeds);
    expect(r.code, r.stderr).toBe(0);
    const seeded = JSON.parse(r.stdout);
    const lesion = seeded.lesions.find((l: any) => l.id === insert.id);
    expect(lesion.artery).toBe('LAD');
    expect(seeded.arteries.LAD.lesionCount).toBe(1);
    expect(seeded.arteries.LAD.agatston).toBeCloseTo(insert.agatston, 6);
    expect(seeded.total.agatston).toBeCloseTo(insert.agatston, 6);
    expect(seeded.risk.cacDrs).toMatch(/N1$/);
  });

  it('--threshold, --min-area and --mass-factor change the settings and the measures', () => {
    const r = cacs('score', QRM, '--format', 'json', '--threshold', '300', '--min-area', '2', '--mass-factor', '0.8');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.settings).toMatchObject({ thresholdHu: 300, minAreaMm2: 2, massFactor: 0.8, massFactorSource: 'user' });
    expect(j.lesions.length).toBeLessThan(json.lesions.length);
    expect(j.lesions.every((l: any) => l.peakHU >= 300 && typeof l.massMg === 'number' && l.massMg > 0)).toBe(true);
  });

  it('prints a table a person can read', () => {
    const r = cacs('score', QRM, '--format', 'table');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Series\s+1\.2\.392\.200036\.9116\.2\.6\.1\.3268\.2051117512\.1455185283\.786246 "Cardiac 3\.000"$/);
    expect(r.stdout).toMatch(/^Input\s+47 slices 512x512, 0\.49 mm pixels, 3 mm thick every 3\.00 mm, 120 kVp/m);
    expect(r.stdout).toMatch(/^Artery\s+Agatston\s+Volume mm3\s+Mass mg\s+Lesions$/m);
    for (const a of ['LM', 'LAD', 'LCX', 'RCA', 'Total']) expect(r.stdout).toMatch(new RegExp(`^${a}\\s+0\\.0\\s+0\\.0\\s+-\\s+0$`, 'm'));
    expect(r.stdout).toMatch(/lesions not assigned to an artery/);
    expect(r.stdout).toMatch(/^Warnings$/m);
    expect(r.stderr).toBe('');
  });
});

describe('cacs phantom, then cacs score with the seeds it wrote', () => {
  it('puts each truth plaque in its artery and leaves the non-coronary distractor out of the total', () => {
    const out = path.join(tmp(), 'phantom');
    const made = cacs('phantom', '--out', out);
    expect(made.code, made.stderr).toBe(0);
    const truth = JSON.parse(fs.readFileSync(path.join(out, 'truth.json'), 'utf8'));
    // Seeds only (--no-auto): every truth plaque is seeded; bone and the distractor stay out.
    const r = cacs('score', out, '--no-auto', '--seeds', path.join(out, 'seeds.json'), '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.input.gated).toBe(true);
    for (const a of ['LM', 'LAD', 'LCX', 'RCA']) {
      const expected = truth.plaques.filter((p: any) => p.artery === a).length;
      expect(j.arteries[a].lesionCount, a).toBe(expected);
      if (expected > 0) expect(j.arteries[a].agatston, a).toBeGreaterThan(0);
    }
    const coronary = truth.plaques.filter((p: any) => p.artery !== 'OTHER').length;
    expect(j.total.lesionCount).toBe(coronary);
    expect(j.lesions.some((l: any) => l.artery === 'OTHER')).toBe(true);
    const arterySum = ['LM', 'LAD', 'LCX', 'RCA'].reduce((s: number, a) => s + j.arteries[a].agatston, 0);
    expect(j.total.agatston).toBeCloseTo(arterySum, 6);
  });
});

describe('cacs score on the ACRIN chest CT (JPEG-LS)', () => {
  it('decodes the same HU on worker threads as on the main thread', () => {
    const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');
    const main = cacsWith({ CACS_DECODE_WORKERS: '0', CACS_TIMING: '1' }, 'score', ACRIN, '--format', 'json');
    const pooled = cacsWith({ CACS_DECODE_WORKERS: '1', CACS_TIMING: '1' }, 'score', ACRIN, '--format', 'json');
    expect(main.code, main.stderr).toBe(0);
    expect(pooled.code, pooled.stderr).toBe(0);
    expect(main.stderr).toMatch(/slices-decoded main 135 workers -/);
    expect(pooled.stderr).toMatch(/slices-decoded main \d+ workers \d+/);
    // Same output, but for the labeller's timings (same HU, so the same automatic labels).
    const untimed = (s: string) => s.replace(/anatomy \d+ ms, lesion measures \d+ ms, rules \d+ ms/g, 'anatomy - ms, lesion measures - ms, rules - ms');
    expect(untimed(main.stdout)).toMatch(/automatic labels by the anatomy rules \(cac-rules [\d.]+\): .*anatomy - ms, lesion measures - ms, rules - ms/);
    expect(untimed(pooled.stdout)).toBe(untimed(main.stdout));
    const j = JSON.parse(main.stdout);
    expect(j.input).toMatchObject({ kvp: 140, sliceThicknessMm: 3.75, sliceCount: 135, gated: false });
  });
});

describe('cacs score refuses bad input with exit code 2 and one line', () => {
  it('a folder that does not exist', () => {
    expectUserError(cacs('score', '/nonexistent/ct-folder'), /folder \/nonexistent\/ct-folder does not exist/);
  });

  it('an empty folder', () => {
    const dir = tmp();
    expectUserError(cacs('score', dir), /is empty/);
  });

  it('a folder without DICOM files', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    fs.writeFileSync(path.join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
    expectUserError(cacs('score', dir), /none of the 2 files is DICOM/);
  });

  it('a seeds file that is not JSON, or names an unknown artery', () => {
    const dir = writeFolder(asFiles(series(3).datasets));
    const bad = path.join(dir, 'seeds-bad.json');
    fs.writeFileSync(bad, '[{"pointMm": [1, 2, 3], "artery": "LAD"');
    expectUserError(cacs('score', dir, '--seeds', bad), /seeds file .* is not valid JSON/);
    fs.writeFileSync(bad, JSON.stringify([{ pointMm: [1, 2, 3], artery: 'LAD' }, { pointMm: [1, 2, 3], artery: 'LDA' }]));
    expectUserError(cacs('score', dir, '--seeds', bad), /entry 2: artery must be one of LM, LAD, LCX, RCA, OTHER, got "LDA"/);
    fs.writeFileSync(bad, JSON.stringify([{ pointMm: [1, 2], artery: 'RCA' }]));
    expectUserError(cacs('score', dir, '--seeds', bad), /entry 1: pointMm must be three numbers/);
    expectUserError(cacs('score', dir, '--seeds', path.join(dir, 'missing.json')), /seeds file .*missing\.json does not exist/);
  });

  it('a threshold that is not a number or out of range', () => {
    const dir = writeFolder(asFiles(series(3).datasets));
    expectUserError(cacs('score', dir, '--threshold', 'abc'), /--threshold must be a calcium threshold in HU, e\.g\. 130 \(got 'abc'\)/);
    expectUserError(cacs('score', dir, '--threshold', '-5'), /--threshold must be .* between 1 and 3000 \(got -5\)/);
    expectUserError(cacs('score', dir, '--threshold'), /--threshold needs a value/);
  });

  it('an unknown option or format', () => {
    const dir = writeFolder(asFiles(series(3).datasets));
    expectUserError(cacs('score', dir, '--treshold', '130'), /unknown option --treshold/);
    expectUserError(cacs('score', dir, '--format', 'xml'), /--format must be json or table/);
  });

  it('a folder with two CT series, until --series picks one', () => {
    const a = series(3, { seriesDescription: 'CaSc 3.0' });
    const b = series(4, { studyUid: a.studyUid, seriesDescription: 'Lung 1.0' });
    const dir = writeFolder([...asFiles(a.datasets, 'a'), ...asFiles(b.datasets, 'b')]);
    expectUserError(cacs('score', dir), new RegExp(`2 CT series could be scored, pass --series UID: .*${a.seriesUid} "CaSc 3\\.0" \\(CT, 3 slices\\)`));
    const r = cacs('score', dir, '--series', a.seriesUid, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).input.sliceCount).toBe(3);
  });

  it('a series with a missing slice, unless --allow-gaps', () => {
    const a = series(5);
    const dir = writeFolder(asFiles(a.datasets.filter((_, k) => k !== 2)));
    expectUserError(cacs('score', dir), /1 slice missing \(between 3 and 9 mm/);
    const r = cacs('score', dir, '--allow-gaps', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.input.sliceCount).toBe(4);
    expect(j.warnings.join(' ')).toMatch(/missing slice/i);
  });

  it('a corrupt DICOM file, named', () => {
    const files = asFiles(series(3).datasets);
    files[2] = { name: 'slice-002.dcm', bytes: files[2].bytes.subarray(0, 180) };
    expectUserError(cacs('score', writeFolder(files)), /slice-002\.dcm: /);
  });

  it('a localizer is skipped, not scored', () => {
    const a = series(3);
    const loc = ctSlice({ studyUid: a.studyUid, seriesUid: uid(), z: 0, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] });
    const r = cacs('score', writeFolder([...asFiles(a.datasets), ...asFiles([loc], 'loc')]), '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).warnings.join(' ')).toMatch(/other series in the input not scored: .*localizer/);
  });
});

describe('progress on stderr', () => {
  it('reports reading and decoding with --progress, and stays silent without it when stderr is not a terminal', () => {
    const dir = writeFolder(asFiles(series(12).datasets));
    const loud = cacs('score', dir, '--format', 'json', '--progress');
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stderr).toMatch(/^reading files 12\/12$/m);
    expect(loud.stderr).toMatch(/^decoding slices 12\/12$/m);
    expect(JSON.parse(loud.stdout).input.sliceCount).toBe(12);
    const quiet = cacs('score', dir, '--format', 'json');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});

describe('cacs help', () => {
  it('answers --help with the commands and exit code 0', () => {
    const r = cacs('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cacs score <folder>/);
    expect(r.stdout).toMatch(/cacs phantom/);
    const s = cacs('score', '--help');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/--seeds FILE/);
    expect(s.stdout).toMatch(/--no-auto\s+do not run automatic artery labelling \(default: the anatomy rules propose/);
    expect(s.stdout).toMatch(/--labeller NAME\s+rules \(default/);
  });

  it('rejects an unknown command with exit code 2', () => {
    expectUserError(cacs('scroe'), /unknown command 'scroe'/);
  });
});
