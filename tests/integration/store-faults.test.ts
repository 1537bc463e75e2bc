/**
 * Storing when the archive misbehaves: down, answering HTTP 500 or 400, dropping the
 * connection mid-upload, failing half-way through a result. A small fault-injecting HTTP
 * server / proxy on loopback stands in front of a real Orthanc.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startOrthanc } from '../../scripts/lib/orthanc.mjs';
import { encodeResult, type EncodedResult } from '../../core/encode/index';
import { outboxFiles, storeResult } from '../../core/store/stow';
import { DicomwebClient, loadCalciumResults, jsonValue } from '../../core/store/dicomweb';
import { makeFixture } from '../helpers/encode-fixtures';
import { faultProxy, type FaultAction, type FaultProxy } from '../helpers/fault-proxy';

let orthanc: { url: string; dicomWebUrl: string; stop: () => Promise<void> };
let dir: string;
const proxies: FaultProxy[] = [];
const noSleep = async () => {};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-faults-'));
  orthanc = await startOrthanc({ port: await freePort(), dir });
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  await orthanc?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fault proxy in front of the test's Orthanc (tests/helpers/fault-proxy.ts), closed after the file. */
async function faultServer(decide: (n: number) => FaultAction): Promise<FaultProxy> {
  const p = await faultProxy(orthanc.url, decide);
  proxies.push(p);
  return p;
}

async function encoded(): Promise<{ f: ReturnType<typeof makeFixture>; enc: EncodedResult }> {
  const f = makeFixture();
  return { f, enc: await encodeResult({ ...f }) };
}

async function seriesInArchive(studyUid: string): Promise<string[]> {
  return (await new DicomwebClient({ url: orthanc.dicomWebUrl }).searchForSeries(studyUid)).map((s) => jsonValue(s, '00080060')!).sort();
}

describe('storing when the archive fails', () => {
  it('archive down: says so in one line, keeps all three objects, and a later retry stores them', async () => {
    const { f, enc } = await encoded();
    const deadUrl = `http://127.0.0.1:${await freePort()}/dicom-web`;
    const out = await storeResult(enc.all, { url: deadUrl, retries: 2, sleep: noSleep });
    expect(out.ok).toBe(false);
    expect(out.stored).toEqual([]);
    expect(out.failure!.status).toBeNull();
    expect(out.failure!.attempts).toBe(3);
    expect(out.failure!.message).toMatch(/^Could not store the calcium SEG in http:\/\/127\.0\.0\.1:\d+\/dicom-web after 3 attempts: ECONNREFUSED/);
    expect(out.failure!.message).toContain('3 objects (SEG, SR, PDF) not stored');
    expect(out.failure!.message).not.toMatch(/\n|at .*\(/);
    expect(out.pending.map((p) => p.bytes)).toEqual(enc.all.map((o) => o.bytes));
    expect(outboxFiles(out.pending).map((o) => o.name)).toEqual([
      `01-calcium-SEG-${enc.seg!.sopInstanceUid}.dcm`,
      `02-calcium-SR-${enc.sr.sopInstanceUid}.dcm`,
      `03-calcium-PDF-${enc.pdf!.sopInstanceUid}.dcm`,
    ]);

    const retry = await storeResult(out.pending, { url: orthanc.dicomWebUrl });
    expect(retry.ok).toBe(true);
    expect(await seriesInArchive(f.volume.source.studyInstanceUid)).toEqual(['DOC', 'SEG', 'SR']);
  });

  it('HTTP 500: reports the archive\'s own answer, retries a bounded number of times with backoff', async () => {
    const { enc } = await encoded();
    const server = await faultServer(() => ({ status: 500, body: 'Storage area is full (test archive)' }));
    const delays: number[] = [];
    const out = await storeResult(enc.all, { url: server.url, retries: 3, backoffMs: 100, sleep: async (ms) => void delays.push(ms) });
    expect(out.ok).toBe(false);
    expect(out.failure).toMatchObject({ kind: 'SEG', status: 500, attempts: 4 });
    expect(out.failure!.message).toContain('HTTP 500: Storage area is full (test archive)');
    expect(delays).toEqual([100, 200, 400]);
    expect(server.posts()).toBe(4);
    expect(out.pending).toHaveLength(3);
  });

  it('an archive that accepts the upload but never answers fails within the time limit, once, and keeps everything', async () => {
    const { enc } = await encoded();
    const server = await faultServer(() => 'hang');
    const t0 = performance.now();
    const out = await storeResult(enc.all, { url: server.url, retries: 3, timeoutMs: 1000, sleep: noSleep });
    const seconds = (performance.now() - t0) / 1000;
    expect(out.ok).toBe(false);
    expect(seconds).toBeLessThan(5);
    expect(out.failure).toMatchObject({ kind: 'SEG', status: null, attempts: 1 });
    expect(out.failure!.message).toContain('no answer within 1 s');
    expect(server.posts()).toBe(1);
    expect(out.pending.map((p) => p.kind)).toEqual(['SEG', 'SR', 'PDF']);
  });

  it('HTTP 400 (the archive refuses the object) is not retried', async () => {
    const { enc } = await encoded();
    const server = await faultServer(() => ({ status: 400, body: 'Bad request: cannot parse DICOM' }));
    const out = await storeResult(enc.all, { url: server.url, retries: 3, sleep: noSleep });
    expect(out.failure).toMatchObject({ status: 400, attempts: 1 });
    expect(out.failure!.message).toContain('HTTP 400: Bad request: cannot parse DICOM');
    expect(server.posts()).toBe(1);
  });

  it('a connection dropped mid-upload is retried and the result arrives complete', async () => {
    const { f, enc } = await encoded();
    // Drop the first upload of the SEG and of the PDF (largest object: cut after its first chunk).
    const server = await faultServer((n) => (n === 1 || n === 4 ? 'drop' : 'forward'));
    const log: string[] = [];
    const out = await storeResult(enc.all, { url: server.url, retries: 2, sleep: noSleep, log: (m) => log.push(m) });
    expect(out.ok).toBe(true);
    expect(out.stored.map((s) => [s.kind, s.attempts])).toEqual([
      ['SEG', 2],
      ['SR', 1],
      ['PDF', 2],
    ]);
    expect(log.filter((l) => l.startsWith('Storing SEG failed'))).toHaveLength(1);
    const loaded = await loadCalciumResults({ url: orthanc.dicomWebUrl }, f.volume.source.studyInstanceUid);
    expect(loaded.current!.sopInstanceUid).toBe(enc.sr.sopInstanceUid);
    expect(loaded.seg!.sopInstanceUid).toBe(enc.seg!.sopInstanceUid);
  });

  it('never leaves a half result: when the SR fails after the SEG, nothing after it is sent, and the retry completes it', async () => {
    const { f, enc } = await encoded();
    const server = await faultServer((n) => (n === 1 ? 'forward' : { status: 503, body: 'Service Unavailable' }));
    const out = await storeResult(enc.all, { url: server.url, retries: 1, sleep: noSleep });
    expect(out.stored.map((s) => s.kind)).toEqual(['SEG']);
    expect(out.pending.map((p) => p.kind)).toEqual(['SR', 'PDF']);
    expect(out.failure!.message).toContain('already stored: SEG');
    expect(server.posts()).toBe(3); // SEG once, SR twice; the PDF was never sent.
    expect(await seriesInArchive(f.volume.source.studyInstanceUid)).toEqual(['SEG']);
    const retry = await storeResult(out.pending, { url: orthanc.dicomWebUrl });
    expect(retry.ok).toBe(true);
    expect(await seriesInArchive(f.volume.source.studyInstanceUid)).toEqual(['DOC', 'SEG', 'SR']);
  });
});
