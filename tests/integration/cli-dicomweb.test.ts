/**
 * `cacs score --dicomweb URL --study UID` against a real Orthanc (DICOMweb plugin) on a free
 * loopback port: QIDO-RS series list, WADO-RS metadata to tell the axial series from a
 * localizer, WADO-RS retrieval of Part-10 instances, then the same reader and scoring as files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startOrthanc } from '../../scripts/lib/orthanc.mjs';
import { asFiles, ctSlice, uid } from '../unit/read-fixtures';
import { cacs as runCacs, REPO_ROOT } from '../helpers/cacs';

const QRM = path.resolve(REPO_ROOT, '../shared/data/qrm-phantom');
const QRM_STUDY = '1.2.392.200036.9116.2.6.1.3268.2051117512.1455183481.419226';
const QRM_SERIES = '1.2.392.200036.9116.2.6.1.3268.2051117512.1455185283.786246';

/** Asynchronous spawn (tests/helpers/cacs.ts): the test process keeps serving nothing, but Orthanc runs beside it. */
const cacs = (...args: string[]) => runCacs(args);

let orthanc: { url: string; dicomWebUrl: string; stop: () => Promise<void> };
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-orthanc-'));
  orthanc = await startOrthanc({ port: await freePort(), dir });
  const upload = async (bytes: Uint8Array) => {
    const res = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'Content-Type': 'application/dicom' } });
    expect(res.ok).toBe(true);
  };
  for (const name of fs.readdirSync(QRM).filter((n) => n.endsWith('.dcm'))) await upload(new Uint8Array(fs.readFileSync(path.join(QRM, name))));
  // A CT localizer series in the same study: two CT series, only one of them scorable.
  const scout = ctSlice({ studyUid: QRM_STUDY, seriesUid: uid(), z: 600, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'], seriesDescription: 'Topogram' });
  for (const f of asFiles([scout], 'scout')) await upload(f.bytes);
});

afterAll(async () => {
  await orthanc?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('cacs score over DICOMweb', () => {
  it('finds the axial CT series of the study (not the localizer), retrieves it and scores it as from files', async () => {
    const r = await cacs('score', '--dicomweb', orthanc.dicomWebUrl, '--study', QRM_STUDY, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.source.seriesInstanceUid).toBe(QRM_SERIES);
    expect(j.source.from).toBe(orthanc.dicomWebUrl);
    expect(j.input).toMatchObject({ kvp: 120, sliceCount: 47, sliceIncrementMm: 3 });
    expect(j.lesions.some((l: { peakHU: number }) => l.peakHU >= 800)).toBe(true);

    const local = await cacs('score', QRM, '--format', 'json');
    const f = JSON.parse(local.stdout);
    expect(j.lesions.length).toBe(f.lesions.length);
    expect(j.lesions.map((l: { agatston: number }) => l.agatston)).toEqual(f.lesions.map((l: { agatston: number }) => l.agatston));
  });

  it('scores the series named by --series', async () => {
    const r = await cacs('score', '--dicomweb', `${orthanc.dicomWebUrl}/`, '--study', QRM_STUDY, '--series', QRM_SERIES, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).input.sliceCount).toBe(47);
  });

  it('says so in one line when the study or series does not exist, or the server cannot be reached', async () => {
    const missing = await cacs('score', '--dicomweb', orthanc.dicomWebUrl, '--study', '1.2.3.4.5');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trimEnd().split('\n')).toEqual([`cacs: study 1.2.3.4.5 was not found at ${orthanc.dicomWebUrl} (QIDO-RS returned no series)`]);

    const badSeries = await cacs('score', '--dicomweb', orthanc.dicomWebUrl, '--study', QRM_STUDY, '--series', '1.2.3');
    expect(badSeries.code).toBe(2);
    expect(badSeries.stderr).toMatch(/^cacs: series 1\.2\.3 is not in study .*; found: .*"Cardiac 3\.000" \(CT, 47 instances\)/);

    const port = await freePort();
    const down = await cacs('score', '--dicomweb', `http://127.0.0.1:${port}/dicom-web`, '--study', QRM_STUDY);
    expect(down.code).toBe(2);
    expect(down.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/cannot reach the archive at http:\/\/127\.0\.0\.1:\d+\/dicom-web for the series of study .*ECONNREFUSED.*; check --dicomweb$/m);
  });

  it('--store writes SEG, SR and PDF back to the archive, where QIDO-RS finds them in the study', async () => {
    const first = JSON.parse((await cacs('score', '--dicomweb', orthanc.dicomWebUrl, '--study', QRM_STUDY, '--format', 'json')).stdout);
    const insert = first.lesions.filter((l: { peakHU: number; volumeMm3: number }) => l.peakHU >= 800 && l.volumeMm3 < 1000)[0];
    const seeds = path.join(dir, 'seeds.json');
    fs.writeFileSync(seeds, JSON.stringify([{ pointMm: insert.centroidMm, artery: 'RCA' }]));
    const r = await cacs('score', '--dicomweb', orthanc.dicomWebUrl, '--study', QRM_STUDY, '--seeds', seeds, '--store', orthanc.dicomWebUrl, '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.arteries.RCA.lesionCount).toBe(1);
    expect(j.stored.objects.map((o: { kind: string }) => o.kind)).toEqual(['SEG', 'SR', 'PDF']);
    const series = (await (await fetch(`${orthanc.dicomWebUrl}/studies/${QRM_STUDY}/series`, { headers: { Accept: 'application/dicom+json' } })).json()) as Record<string, { Value?: string[] }>[];
    const modalities = series.map((s) => s['00080060']?.Value?.[0]).sort();
    expect(modalities).toEqual(expect.arrayContaining(['CT', 'SEG', 'SR', 'DOC']));
  });

  it('--store to an archive that does not answer: the score is printed, exit 3, and the objects wait in the outbox named on stderr', async () => {
    const port = await freePort();
    const outbox = path.join(dir, 'outbox');
    const r = await cacs('score', QRM, '--store', `http://127.0.0.1:${port}/dicom-web`, '--outbox', outbox);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Series\s+1\.2\.392/m);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const m = /kept in (\S+): send it with `cacs send \S+`\.$/.exec(lines[0]);
    expect(m, lines[0]).not.toBeNull();
    expect(m![1].startsWith(path.join(outbox, QRM_STUDY))).toBe(true);
    const saved = fs.readdirSync(m![1]);
    expect(saved.some((n) => /calcium-SR-.*\.dcm$/.test(n))).toBe(true);
    expect(saved).toContain('manifest.json');
  });

  it('refuses --dicomweb without --study', async () => {
    const r = await cacs('score', '--dicomweb', orthanc.dicomWebUrl);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cacs: --dicomweb needs --study UID (the study to score)\n');
  });
});
