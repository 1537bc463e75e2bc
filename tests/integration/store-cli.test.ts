/**
 * `cacs score DIR --store URL` and `cacs send` against a real Orthanc, on a series whose UIDs
 * break the rules the way real anonymised archives do (leading zeros, root 9) with dates
 * 00010101: it stores, references carry the source UIDs as they are, and the version chain
 * continues run after run. Archive faults (down, HTTP 500, hung, the CLI killed mid-upload) go
 * through a loopback fault proxy in front of the same Orthanc (tests/helpers/fault-proxy.ts);
 * the score is printed whatever happens, and what was not stored waits in the outbox for
 * `cacs send`. Two stores at once both land and say so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startOrthanc } from '../../scripts/lib/orthanc.mjs';
import { generatePhantom } from '../../core/phantom/index';
import { ctFileName, writeCtSeries } from '../../core/dicom/write-ct';
import { readPart10 } from '../../core/dicom/part10';
import { DicomwebClient, jsonValue, loadCalciumReports, loadCalciumResults } from '../../core/store/dicomweb';
import { currentReport } from '../../core/encode/readback';
import { cacs } from '../helpers/cacs';
import { faultProxy, type FaultAction, type FaultProxy } from '../helpers/fault-proxy';

const STUDY = '9.2458.001.1';
const SERIES = '9.2458.001.2';
const FRAME = '9.2458.001.3';
const sop = (k: number) => `9.2458.001.2.0${k + 1}`;

let orthanc: { url: string; dicomWebUrl: string; stop: () => Promise<void> };
let tmp: string;
let series: string;
let seeds: string;
const proxies: FaultProxy[] = [];

async function proxy(decide: (n: number) => FaultAction): Promise<FaultProxy> {
  const p = await faultProxy(orthanc.url, decide);
  proxies.push(p);
  return p;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-store-cli-'));
  orthanc = await startOrthanc({ port: await freePort(), dir: path.join(tmp, 'orthanc') });
  // The phantom writer, then the identifiers a real anonymised export carries.
  const { volume, truth } = generatePhantom({ size: 96, seed: 3 });
  volume.source.studyInstanceUid = STUDY;
  volume.source.seriesInstanceUid = SERIES;
  volume.source.frameOfReferenceUid = FRAME;
  volume.source.studyDate = '00010101';
  volume.source.patientBirthDate = '00010101';
  volume.instances.forEach((inst, k) => (inst.sopInstanceUid = sop(k)));
  series = path.join(tmp, 'series');
  fs.mkdirSync(series);
  writeCtSeries(volume).forEach((bytes, k) => fs.writeFileSync(path.join(series, ctFileName(k)), bytes));
  seeds = path.join(tmp, 'seeds.json');
  fs.writeFileSync(seeds, JSON.stringify(truth.plaques.filter((p) => p.kind === 'coronary').map((p) => ({ pointMm: p.centreMm, artery: p.artery }))));
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  await orthanc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const client = () => new DicomwebClient({ url: orthanc.dicomWebUrl });
async function modalities(): Promise<string[]> {
  return (await client().searchForSeries(STUDY)).map((s) => jsonValue(s, '00080060')!).sort();
}
function outboxFolders(outbox: string): string[] {
  if (!fs.existsSync(outbox)) return [];
  return fs.readdirSync(outbox).flatMap((study) => fs.readdirSync(path.join(outbox, study)).map((r) => path.join(outbox, study, r)));
}

describe('cacs score --store on real-world identifiers', () => {
  it('stores SEG, SR and PDF for a series with rule-breaking UIDs and 00010101 dates; references carry the UIDs as they are; a warning names them', async () => {
    const outbox = path.join(tmp, 'outbox-uids');
    const r = await cacs(['score', series, '--seeds', seeds, '--store', orthanc.dicomWebUrl, '--outbox', outbox, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    const j = JSON.parse(r.stdout);
    expect(j.stored).toMatchObject({ ok: true, unchanged: false, version: 1, predecessor: null, outbox: null });
    expect(j.stored.objects.map((o: { kind: string }) => o.kind)).toEqual(['SEG', 'SR', 'PDF']);
    const warning = j.warnings.find((w: string) => w.includes('break the DICOM rules'));
    expect(warning).toContain(`StudyInstanceUID ${STUDY} (component 001 has a leading zero, its root 9 is not 0, 1 or 2)`);
    expect(warning).toContain(`SeriesInstanceUID ${SERIES}`);
    expect(warning).toContain('48 of the 48 SOPInstanceUIDs');
    expect(await modalities()).toEqual(['DOC', 'SEG', 'SR']);
    expect(fs.existsSync(outbox)).toBe(false); // written ahead, removed once stored

    const loaded = await loadCalciumResults(client(), STUDY);
    expect(loaded.current!.sourceSeriesUid).toBe(SERIES);
    expect(loaded.seg!.referencedSeriesUid).toBe(SERIES);
    expect(loaded.seg!.frameOfReferenceUid).toBe(FRAME);
    expect([...loaded.seg!.segments[0].pixelsBySourceInstance.keys()].every((uid) => /^9\.2458\.001\.2\.0\d+$/.test(uid))).toBe(true);
    const segDs = readPart10(loaded.seg!.bytes) as Record<string, any>;
    expect(segDs.StudyInstanceUID).toBe(STUDY);
    // What the product made itself is valid.
    for (const uid of [segDs.SOPInstanceUID, segDs.SeriesInstanceUID, loaded.current!.sopInstanceUid]) expect(uid).toMatch(/^2\.25\.[1-9]\d*$/);
    expect((segDs._meta as Record<string, unknown>).ImplementationVersionName).toBe('OHIF_CACS_0.1');
  });

  it('storing the identical result again stores nothing new and says so', async () => {
    const before = await loadCalciumReports(client(), STUDY);
    const r = await cacs(['score', series, '--seeds', seeds, '--store', orthanc.dicomWebUrl, '--outbox', path.join(tmp, 'outbox-same')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/already holds this result as the current calcium report version 1 \(2\.25\.\d+\); nothing new was stored/);
    expect((await loadCalciumReports(client(), STUDY)).length).toBe(before.length);
  });

  it('a changed result continues the version chain: version 2 naming version 1 as its predecessor', async () => {
    const v1 = currentReport(await loadCalciumReports(client(), STUDY))!;
    const r = await cacs(['score', series, '--seeds', seeds, '--threshold', '200', '--store', orthanc.dicomWebUrl, '--outbox', path.join(tmp, 'outbox-v2'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.stored).toMatchObject({ ok: true, version: 2, predecessor: v1.sopInstanceUid });
    const now = currentReport(await loadCalciumReports(client(), STUDY))!;
    expect(now.version).toBe(2);
    expect(now.predecessors).toEqual([v1.sopInstanceUid]);
  });
});

describe('cacs score --store when the archive fails, and cacs send', () => {
  it('archive down: the score is printed, exit 3, the result waits in the outbox, and cacs send stores it later', async () => {
    const outbox = path.join(tmp, 'outbox-down');
    const dead = `http://127.0.0.1:${await freePort()}/dicom-web`;
    const r = await cacs(['score', series, '--seeds', seeds, '--store', dead, '--outbox', outbox, '--format', 'json']);
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.total.agatston).toBeGreaterThan(0);
    expect(j.stored.ok).toBe(false);
    const [folder] = outboxFolders(outbox);
    expect(j.stored.outbox).toBe(folder);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^cacs: Could not store .*cannot reach the archive at ${dead}.*ECONNREFUSED.*kept in ${folder.replace(/[.]/g, '\\.')}: send it with \`cacs send `))]);
    expect(fs.readdirSync(folder).sort()).toEqual([expect.stringMatching(/^01-calcium-SEG-/), expect.stringMatching(/^02-calcium-SR-/), expect.stringMatching(/^03-calcium-PDF-/), 'manifest.json']);
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ url: dead, studyInstanceUid: STUDY, chainKnown: false, lastError: expect.stringContaining('ECONNREFUSED') });

    const before = (await loadCalciumReports(client(), STUDY)).length;
    const send = await cacs(['send', outbox, '--store', orthanc.dicomWebUrl]);
    expect(send.code, send.stderr).toBe(0);
    expect(send.stdout).toMatch(/Sent SEG \+ SR \+ PDF \(calcium report version 1\) of study 9\.2458\.001\.1/);
    // It was made without reading the archive: cacs send says it does not correct the current report.
    expect(send.stdout).toMatch(/current calcium report is now version 2 .* does not correct it/);
    expect((await loadCalciumReports(client(), STUDY)).length).toBe(before + 1);
    expect(outboxFolders(outbox)).toEqual([]);
  });

  it('HTTP 500 from the archive: the archive\'s answer in one line, exit 3, the outbox keeps the result', async () => {
    const p = await proxy(() => ({ status: 500, body: 'Storage area is full (test)' }));
    const outbox = path.join(tmp, 'outbox-500');
    const r = await cacs(['score', series, '--seeds', seeds, '--threshold', '300', '--store', p.url, '--outbox', outbox]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Series\s+9\.2458\.001\.2/m);
    expect(r.stderr).toMatch(/HTTP 500: Storage area is full \(test\)/);
    expect(p.posts()).toBe(4); // first try + 3 retries, SEG only: nothing after a failed object is sent
    expect(outboxFolders(outbox)).toHaveLength(1);
  });

  it('an archive that accepts but never answers: fails within --timeout with a clear message', async () => {
    const p = await proxy(() => 'hang');
    const outbox = path.join(tmp, 'outbox-hung');
    const r = await cacs(['score', series, '--seeds', seeds, '--threshold', '310', '--store', p.url, '--outbox', outbox, '--timeout', '2']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no answer within 2 s/);
    expect(r.seconds).toBeLessThan(40);
    expect(p.posts()).toBe(1);
    expect(outboxFolders(outbox)).toHaveLength(1);
  });

  it('the CLI killed mid-upload: the result is already in the outbox, and cacs send completes it as the next version', async () => {
    const outbox = path.join(tmp, 'outbox-killed');
    let kill: () => void = () => {};
    const p = await proxy(() => {
      kill();
      return 'hang';
    });
    const v = currentReport(await loadCalciumReports(client(), STUDY))!;
    const r = await cacs(['score', series, '--seeds', seeds, '--threshold', '320', '--store', p.url, '--outbox', outbox], {
      onStart: (child) => (kill = () => child.kill('SIGKILL')),
    });
    expect(r.signal).toBe('SIGKILL');
    const [folder] = outboxFolders(outbox);
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ chainKnown: true, version: v.version + 1, predecessor: { sopInstanceUid: v.sopInstanceUid } });
    expect(manifest.objects.map((o: { kind: string; stored: boolean }) => [o.kind, o.stored])).toEqual([['SEG', false], ['SR', false], ['PDF', false]]);

    const send = await cacs(['send', outbox, '--store', orthanc.dicomWebUrl]);
    expect(send.code, send.stderr).toBe(0);
    expect(send.stdout).not.toMatch(/does not correct/);
    const now = currentReport(await loadCalciumReports(client(), STUDY))!;
    expect(now.sopInstanceUid).toBe(manifest.objects[1].sopInstanceUid);
    expect(now.predecessors).toEqual([v.sopInstanceUid]);
    expect(fs.existsSync(folder)).toBe(false);
  });

  it('a rerun after a failure stores the result once; a third run and sending the old outbox copy store nothing new', async () => {
    const outbox = path.join(tmp, 'outbox-rerun');
    const p = await proxy(() => ({ status: 503, body: 'busy' }));
    const failed = await cacs(['score', series, '--seeds', seeds, '--threshold', '330', '--store', p.url, '--outbox', outbox]);
    expect(failed.code).toBe(3);
    const before = (await loadCalciumReports(client(), STUDY)).length;
    const rerun = await cacs(['score', series, '--seeds', seeds, '--threshold', '330', '--store', orthanc.dicomWebUrl, '--outbox', outbox]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const again = await cacs(['score', series, '--seeds', seeds, '--threshold', '330', '--store', orthanc.dicomWebUrl, '--outbox', outbox]);
    expect(again.stdout).toMatch(/nothing new was stored/);
    // The failed run's copy still waits in the outbox; sending it stores nothing, as the archive already says the same.
    expect(outboxFolders(outbox)).toHaveLength(1);
    const send = await cacs(['send', outbox, '--store', orthanc.dicomWebUrl]);
    expect(send.code, send.stderr).toBe(0);
    expect(send.stdout).toMatch(/^Nothing sent from .*: the study's current calcium report, version \d+ \(2\.25\.\d+\), already says the same; removed from the outbox\.$/m);
    expect(outboxFolders(outbox)).toEqual([]);
    expect((await loadCalciumReports(client(), STUDY)).length).toBe(before + 1);
  });

  it('two stores at once: both results land complete, both correct the same version, and the CLI says so', async () => {
    const v = currentReport(await loadCalciumReports(client(), STUDY))!;
    // Hold every upload a moment so both runs read the archive before either stores.
    const p = await proxy(() => ({ delayMs: 1500 }));
    const runs = await Promise.all(
      ['400', '410'].map((t) => cacs(['score', series, '--seeds', seeds, '--threshold', t, '--store', p.url, '--outbox', path.join(tmp, `outbox-c${t}`), '--format', 'json'])),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const stored = runs.map((r) => JSON.parse(r.stdout));
    for (const j of stored) expect(j.stored).toMatchObject({ ok: true, version: v.version + 1, predecessor: v.sopInstanceUid });
    expect(stored.some((j) => j.warnings.some((w: string) => /stored at the same time/.test(w)))).toBe(true);
    const reports = await loadCalciumReports(client(), STUDY);
    const successors = reports.filter((r) => r.predecessors.includes(v.sopInstanceUid));
    expect(successors).toHaveLength(2);
    const results = await loadCalciumResults(client(), STUDY);
    expect(successors.map((s) => s.sopInstanceUid)).toContain(results.current!.sopInstanceUid);
    expect(results.seg).not.toBeNull(); // the current report's SEG is there: no half result
  });
});
