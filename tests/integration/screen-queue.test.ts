/**
 * The screening queue end to end, on real parts: a real redis-server (scripts/lib/redis.mjs, its
 * own folder, append-only file on) and a real Orthanc, with the built `cacs screen`, `cacs worker`
 * and `cacs queue` as child processes (BullMQ inside them).
 *
 * Covered: three series queued and scored once each, a series queued twice (one job), a series
 * that is not fit (refused by the producer with its reason), a bad series (failed at once with its
 * reason, no retries), a worker killed with SIGKILL mid-job (another takes the job over; exactly
 * one current result), Redis restarted mid-run (no job lost), the archive down for a while (jobs
 * retried, results arrive after it returns), and a worker draining on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort, startOrthanc, type RunningOrthanc } from '../../scripts/lib/orthanc.mjs';
import { startRedis, type RunningRedis } from '../../scripts/lib/redis.mjs';
import { stowInstances } from '../../scripts/demo-study';
import { generatePhantom } from '../../core/phantom/index';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { loadCalciumReports } from '../../core/store/dicomweb';
import { currentReport } from '../../core/encode/readback';
import { cacs, REPO_ROOT } from '../helpers/cacs';

let tmp: string;
let orthanc: RunningOrthanc;
let orthancPort: number;
let redis: RunningRedis;
let redisPort: number;
const children = new Set<ChildProcess>();

interface Stored {
  study: string;
  series: string;
}

/** A phantom CT study (96 x 96, gated geometry) stored in Orthanc; `edit` changes the volume first. */
async function storePhantom(seed: number, edit?: (v: ReturnType<typeof generatePhantom>['volume']) => void, opts: Parameters<typeof generatePhantom>[0] = {}): Promise<Stored> {
  const { volume } = generatePhantom({ size: 96, seed, ...opts });
  edit?.(volume);
  await stowInstances(orthanc.dicomWebUrl, writeCtSeries(volume));
  return { study: volume.source.studyInstanceUid, series: volume.source.seriesInstanceUid };
}

/** A long-running cacs command (worker, looping producer); its output is collected. */
function start(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), ...args], { cwd: tmp });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => {
    children.delete(child);
    resolve(code);
  }));
  return { child, out: () => out, exited };
}

const worker = (extra: string[] = []) => start(['worker', '--dicomweb', orthanc.dicomWebUrl, '--redis', redis.url, '--lock-duration', '3', '--outbox', path.join(tmp, 'outbox'), ...extra]);
const screenOnce = (extra: string[] = []) => cacs(['screen', '--once', '--dicomweb', orthanc.dicomWebUrl, '--redis', redis.url, ...extra], { cwd: tmp });

async function status(): Promise<{ counts: Record<string, number>; failed: { seriesInstanceUid: string; reason: string; attempts: number }[]; lastHour: { completed: number } }> {
  const r = await cacs(['queue', '--redis', redis.url, '--format', 'json'], { cwd: tmp });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, seconds = 90): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The study's calcium reports (SR) and which is current. */
async function reportsOf(study: string) {
  const reports = await loadCalciumReports({ url: orthanc.dicomWebUrl }, study);
  return { reports, current: currentReport(reports) };
}

/** Job counts read directly (fast, for waiting); the assertions go through `cacs queue`. */
async function counts(): Promise<Record<string, number>> {
  return withQueue((q) => q.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed'));
}

async function withQueue<T>(fn: (q: Queue) => Promise<T>): Promise<T> {
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const q = new Queue('screen', { connection: conn, prefix: 'cacs' });
  try {
    return await fn(q);
  } finally {
    await q.close();
    conn.disconnect();
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-screen-'));
  orthancPort = await freePort();
  orthanc = await startOrthanc({ port: orthancPort, dir: path.join(tmp, 'orthanc') });
  redisPort = await freePort();
  redis = await startRedis({ port: redisPort, dir: path.join(tmp, 'redis') });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.stop();
  await orthanc?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('cacs screen + cacs worker + cacs queue', () => {
  let good: Stored[];
  let bad: Stored;
  let thick: Stored;

  it('queues each fit series once, refuses the unfit one with its reason, and scores the three once each; a bad series fails at once', async () => {
    good = [await storePhantom(101), await storePhantom(102), await storePhantom(103)];
    // Pixel values no CT scanner writes (a wrong rescale): the headers look fine, scoring refuses it.
    bad = await storePhantom(104, (v) => {
      for (let i = 0; i < v.hu.length; i += 7) v.hu[i] = 20000;
    });
    thick = await storePhantom(105, undefined, { sliceThicknessMm: 8, sliceIncrementMm: 8, slices: 20 });

    const first = await screenOnce();
    expect(first.code, first.stderr).toBe(0);
    for (const s of [...good, bad]) expect(first.stdout).toContain(`queued: series ${s.series}`);
    expect(first.stdout).toMatch(new RegExp(`not scored: series ${thick.series.replace(/\./g, '\\.')}.*8 mm thick, over the 5 mm limit`));
    expect(first.stdout).toMatch(/4 queued, 0 already queued, 0 already scored, 1 not fit/);

    // A second pass decides nothing again; with its memory of decided series gone, the job ids
    // still make every enqueue a no-op.
    const second = await screenOnce();
    expect(second.stdout).toMatch(/0 new CT series/);
    const conn = new Redis(redis.url);
    await conn.del('cacs:screen-seen');
    conn.disconnect();
    const third = await screenOnce(['--since', 'all']);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/0 queued, 4 already queued/);
    expect((await status()).counts.waiting).toBe(4);

    const w = worker();
    await waitFor('four jobs done', async () => {
      const c = await counts();
      return c.completed + c.failed === 4;
    });
    const s = await status();
    expect(s.counts.completed).toBe(3);
    expect(s.counts.failed).toBe(1);
    expect(s.failed[0].seriesInstanceUid).toBe(bad.series);
    expect(s.failed[0].reason).toMatch(/HU/);
    expect(s.failed[0].attempts).toBe(1); // bad input: no retry storm
    expect(s.lastHour.completed).toBe(3);
    for (const g of good) {
      const { reports, current } = await reportsOf(g.study);
      expect(reports).toHaveLength(1);
      expect(current?.sourceSeriesUid).toBe(g.series);
      expect(current?.reviewed).toBe(false);
      expect(current?.algorithm?.name).toBe('cac-rules');
    }
    expect((await reportsOf(bad.study)).reports).toHaveLength(0);
    const table = await cacs(['queue', '--redis', redis.url], { cwd: tmp });
    expect(table.stdout).toMatch(/0 waiting, 0 waiting to retry, 0 active, 3 completed, 1 failed/);
    expect(table.stdout).toContain(`series ${bad.series}`);
    expect(table.stdout).toContain(`series ${thick.series}`);

    // SIGTERM drains: the worker exits 0 with nothing in hand.
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.out()).toMatch(/SIGTERM: finishing the job in hand/);
  });

  it('a stored result stops a new job for the same study', async () => {
    await withQueue(async (q) => {
      await q.obliterate({ force: true });
    });
    const conn = new Redis(redis.url);
    await conn.del('cacs:screen-seen');
    conn.disconnect();
    const again = await screenOnce(['--since', 'all']);
    expect(again.stdout).toMatch(/3 already scored/);
    expect(again.stdout).toMatch(/1 queued/); // the bad series: no result, so it is queued again
    await withQueue((q) => q.obliterate({ force: true }));
  });


  it('a worker killed with SIGKILL mid-job: another takes the job over and the study ends with one current result', async () => {
    const s = await storePhantom(111, undefined, { size: 512 });
    expect((await screenOnce()).stdout).toContain(`queued: series ${s.series}`);
    const a = worker();
    await waitFor('the job active', async () => (await counts()).active === 1);
    a.child.kill('SIGKILL');
    await a.exited;
    expect((await counts()).completed).toBe(0);
    const b = worker();
    try {
      await waitFor('the job completed by the second worker', async () => (await counts()).completed === 1, 120);
      const { reports, current } = await reportsOf(s.study);
      expect(reports).toHaveLength(1);
      expect(current?.sourceSeriesUid).toBe(s.series);
      expect(b.out()).toMatch(/scored: series/);
    } finally {
      b.child.kill('SIGTERM');
      await b.exited;
    }
  });

  it('Redis restarted mid-run: no job is lost', async () => {
    await withQueue((q) => q.obliterate({ force: true }));
    const studies: Stored[] = [];
    for (let n = 0; n < 4; n++) studies.push(await storePhantom(121 + n, undefined, { size: 384 }));
    expect((await screenOnce()).stdout).toMatch(/4 queued/);
    const w = worker();
    try {
      await waitFor('a first job done', async () => (await counts()).completed >= 1);
      const before = await counts();
      expect(before.completed).toBeLessThan(4); // the restart falls mid-run
      await redis.stop();
      redis = await startRedis({ port: redisPort, dir: path.join(tmp, 'redis') });
      await waitFor('all four done after the restart', async () => (await counts()).completed === 4, 120);
      for (const s of studies) expect((await reportsOf(s.study)).reports).toHaveLength(1);
      expect(w.out()).toMatch(/connection lost[\s\S]*is back/);
    } finally {
      w.child.kill('SIGTERM');
      await w.exited;
    }
  });

  it('the archive down for a while: jobs are retried and the results arrive once it is back', async () => {
    await withQueue((q) => q.obliterate({ force: true }));
    const studies = [await storePhantom(131), await storePhantom(132)];
    expect((await screenOnce()).stdout).toMatch(/2 queued/);
    await orthanc.stop();
    const w = worker();
    try {
      await waitFor('a failed attempt waiting to retry', async () => (await counts()).delayed >= 1);
      orthanc = await startOrthanc({ port: orthancPort, dir: path.join(tmp, 'orthanc') });
      await waitFor('both done after the archive returned', async () => (await counts()).completed === 2, 120);
      const s = await status();
      expect(s.counts.failed).toBe(0);
      for (const st of studies) expect((await reportsOf(st.study)).reports).toHaveLength(1);
      expect(w.out()).toMatch(/attempt 1 failed, will retry: .*cannot reach the archive/);
    } finally {
      w.child.kill('SIGTERM');
      await w.exited;
    }
  });

  it('a looping producer stops at once on SIGTERM, not after its interval', async () => {
    const p = start(['screen', '--dicomweb', orthanc.dicomWebUrl, '--redis', redis.url, '--interval', '600']);
    await waitFor('the first pass', async () => /pass done/.test(p.out()));
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('says what is wrong with its arguments', async () => {
    const r = await cacs(['worker', '--dicomweb', orthanc.dicomWebUrl], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--redis URL is needed/);
    const q = await cacs(['queue', '--redis', 'http://x'], { cwd: tmp });
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/must be a Redis URL/);
    const d = await cacs(['screen', '--once', '--dicomweb', orthanc.dicomWebUrl, '--redis', redis.url, '--since', '2026-01-01'], { cwd: tmp });
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--since must be a date YYYYMMDD/);
  });
});
