/**
 * `npm run bench:screen [-- --rounds N]`: the screening queue's speed on this machine, with a
 * real Orthanc and a real redis-server on loopback, on the five real chest CTs of ../shared/data
 * (acrin-chest-ct and the four covid-ct-md series), each stored twice under new UIDs (ten series,
 * so that two workers are not limited by how five jobs split; new UIDs also because two of the
 * covid series carry UUIDs as UIDs, which Orthanc does not store). Not a test: it prints figures.
 *
 * Per round (median of N rounds, default 3), in one run:
 *  - yardstick: `cacs score --dicomweb URL --study UID --series UID --store URL` on each series, a
 *    fresh process each (Node start-up included), as a user would run it by hand;
 *  - one worker: the producer queues the five series (`cacs screen --once`) while one
 *    `cacs worker` process waits; series per minute from the first job taken to the last finished;
 *  - two workers: the same with two `cacs worker` processes (the results of the round before are
 *    deleted from the archive first, so every series is scored again);
 *  - the queue's own overhead per series: the single worker's time from first job taken to last
 *    finished, divided by the series, minus its mean time inside the job (read, score, label,
 *    store): what BullMQ and Redis add (taking, locking, completing, handing over the next job);
 *  - CPU per series: user + system time of the workers (their decode threads included), Orthanc
 *    and Redis from /proc while the jobs run (the producer's pass runs before, queue paused):
 *    with one worker keeping C cores busy, N cores allow at most N / C times its throughput.
 * From the single-worker figure it works out, on paper, what 500 chest CTs a day need.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import dcmjs from 'dcmjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort, startOrthanc } from './lib/orthanc.mjs';
import { startRedis } from './lib/redis.mjs';
import { stowInstances } from './demo-study';
import { REPO_ROOT } from './lib/build.mjs';
import { DicomwebClient, jsonValue } from '../core/store/dicomweb';
import { readPart10 } from '../core/dicom/part10';
import { median } from '../core/math';
import { listFiles } from '../cli/folder';

const argv = process.argv.slice(2);
const ROUNDS = Number(argv.includes('--rounds') ? argv[argv.indexOf('--rounds') + 1] : 3);
const DATA = path.resolve(REPO_ROOT, '../shared/data');
const SCANS = ['acrin-chest-ct', 'covid-ct-md/P002', 'covid-ct-md/cap001', 'covid-ct-md/cap002', 'covid-ct-md/normal001'];
const CACS = path.join(REPO_ROOT, 'bin', 'cacs.mjs');

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The bytes of every file of a scan's folder (the CLI's own folder walk, cli/folder.ts). */
function filesOf(dir: string): Uint8Array[] {
  return listFiles(dir).files.map((f) => new Uint8Array(fs.readFileSync(f)));
}

/**
 * The file with new Study, Series, SOP Instance and Frame of Reference UIDs (2.25 + 128 bits of a
 * hash of `salt` and the old UID); an empty SOP Instance UID (P002, cap002) gets one from the
 * file's index.
 */
function withNewUids(bytes: Uint8Array, salt: string, index: number): Uint8Array {
  const uid = (old: string) => `2.25.${BigInt(`0x${createHash('sha256').update(`${salt}|${old}`).digest('hex').slice(0, 32)}`).toString()}`;
  const file = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  for (const tag of ['0020000D', '0020000E', '00200052']) {
    const el = file.dict[tag];
    if (el?.Value?.[0]) el.Value = [uid(String(el.Value[0]))];
  }
  const sop = uid(`${String(file.dict['00080018']?.Value?.[0] ?? '')}|${index}`);
  file.dict['00080018'] = { vr: 'UI', Value: [sop] };
  file.meta['00020003'] = { vr: 'UI', Value: [sop] };
  return new Uint8Array(file.write());
}

function run(args: string[], cwd: string): Promise<{ code: number | null; ms: number; out: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CACS, ...args], { cwd });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, ms: performance.now() - t0, out }));
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); its threads included. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** Phase times the workers print (CACS_TIMING=1), per phase name, over the whole run. */
const phaseTimes = new Map<string, number[]>();

function startWorker(args: string[], cwd: string, timing = false): { child: ChildProcess; ready: Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, [CACS, 'worker', ...args], { cwd, env: { ...process.env, CACS_TIMING: timing ? '1' : '0' } });
  if (timing) {
    let buffered = '';
    child.stdout!.on('data', (d) => {
      buffered += d;
      for (const m of buffered.matchAll(/timing \S+ (\S+) (\d+) ms\n/g)) {
        const list = phaseTimes.get(m[1]) ?? [];
        list.push(Number(m[2]));
        phaseTimes.set(m[1], list);
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
  }
  let out = '';
  let ready: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  child.stdout!.on('data', (d) => {
    out += d;
    if (/ worker [^ ]+: /.test(out)) ready();
  });
  child.stderr!.on('data', (d) => process.stderr.write(String(d).replace(/^timing .*\n/gm, '')));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  return { child, ready: readyP, exited };
}

async function main() {
  if (!fs.existsSync(DATA)) throw new Error(`${DATA} is missing: the benchmark reads the real scans there (see README, test data).`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-bench-screen-'));
  const orthanc = await startOrthanc({ port: await freePort(), dir: path.join(tmp, 'orthanc') });
  const redis = await startRedis({ port: await freePort(), dir: path.join(tmp, 'redis') });
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('screen', { connection: conn, prefix: 'cacs' });
  const client = new DicomwebClient({ url: orthanc.dicomWebUrl });
  try {
    const series: { name: string; study: string; series: string; slices: number }[] = [];
    for (const scan of SCANS) {
      const files = filesOf(path.join(DATA, scan));
      for (const copy of [1, 2]) {
        const renamed = files.map((f, n) => withNewUids(f, `${scan}#${copy}`, n));
        await stowInstances(orthanc.dicomWebUrl, renamed);
        const head = readPart10(renamed[0]) as { StudyInstanceUID: string; SeriesInstanceUID: string };
        series.push({ name: `${scan}#${copy}`, study: head.StudyInstanceUID, series: head.SeriesInstanceUID, slices: files.length });
      }
    }
    console.log(`bench:screen on ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}; ${series.length} series: ${SCANS.length} real chest CTs twice each (${SCANS.map((s, n) => `${s} ${series[2 * n].slices}`).join(', ')} slices); ${ROUNDS} rounds`);

    /** Delete the calcium results (SR, SEG, PDF series) from the archive and empty the queue. */
    const reset = async () => {
      for (const s of series) {
        for (const r of await client.searchForSeries(s.study)) {
          const modality = jsonValue(r, '00080060');
          if (modality === 'CT') continue;
          const uid = jsonValue(r, '0020000E')!;
          const look = await fetch(`${orthanc.url}/tools/lookup`, { method: 'POST', body: uid }).then((x) => x.json() as Promise<{ ID: string; Type: string }[]>);
          for (const hit of look.filter((h) => h.Type === 'Series')) await fetch(`${orthanc.url}/series/${hit.ID}`, { method: 'DELETE' });
        }
      }
      await queue.obliterate({ force: true });
      await conn.flushdb();
    };

    const outbox = path.join(tmp, 'outbox');
    const queueRound = async (workers: number) => {
      await reset();
      const ws = Array.from({ length: workers }, () => startWorker(['--dicomweb', orthanc.dicomWebUrl, '--redis', redis.url, '--outbox', outbox], tmp, workers === 1));
      await Promise.all(ws.map((w) => w.ready));
      // The producer's pass happens while the queue is paused, so that the CPU counted below is the workers' alone.
      await queue.pause();
      const screened = await run(['screen', '--once', '--dicomweb', orthanc.dicomWebUrl, '--redis', redis.url], tmp);
      if (!new RegExp(`${series.length} queued`).test(screened.out)) throw new Error(`the producer did not queue the ${series.length} series:\n${screened.out}`);
      const services = [orthanc.pid, redis.pid];
      const cpuBefore = [...ws.map((w) => cpuSeconds(w.child.pid)), ...services.map(cpuSeconds)];
      await queue.resume();
      for (;;) {
        const c = await queue.getJobCounts('completed', 'failed');
        if (c.failed > 0) throw new Error(`a job failed: ${(await queue.getFailed())[0]?.failedReason}`);
        if (c.completed === series.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const jobs = await queue.getCompleted(0, series.length);
      const cpuAfter = [...ws.map((w) => cpuSeconds(w.child.pid)), ...services.map(cpuSeconds)];
      const cpuPerSeries = cpuAfter.reduce((sum, x, n) => sum + x - cpuBefore[n], 0) / series.length;
      ws.forEach((w) => w.child.kill('SIGTERM'));
      await Promise.all(ws.map((w) => w.exited));
      const first = Math.min(...jobs.map((j) => j.processedOn!));
      const last = Math.max(...jobs.map((j) => j.finishedOn!));
      const inJob = jobs.map((j) => (j.returnvalue as { totalMs: number }).totalMs);
      const makespan = last - first;
      return { makespan, cpuPerSeries, perMinute: (series.length / makespan) * 60_000, meanInJob: inJob.reduce((a, b) => a + b, 0) / inJob.length, };
    };

    const rows: { cli: number; one: Awaited<ReturnType<typeof queueRound>>; two: Awaited<ReturnType<typeof queueRound>> }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await reset();
      const cliTimes: number[] = [];
      for (const s of series.filter((_s, n) => n % 2 === 0)) {
        const r = await run(['score', '--dicomweb', orthanc.dicomWebUrl, '--study', s.study, '--series', s.series, '--store', orthanc.dicomWebUrl, '--outbox', outbox, '--format', 'json'], tmp);
        if (r.code !== 0) throw new Error(`cacs score failed on ${s.name}:\n${r.out.slice(-2000)}`);
        cliTimes.push(r.ms);
      }
      const cli = cliTimes.reduce((a, b) => a + b, 0) / cliTimes.length;
      const one = await queueRound(1);
      const two = await queueRound(2);
      rows.push({ cli, one, two });
      console.log(
        `round ${round}: cacs score ${sec(cli)} per series (fresh process); one worker ${one.perMinute.toFixed(1)} series/min (in job ${sec(one.meanInJob)}, overhead ${sec(one.makespan / series.length - one.meanInJob)} per series); ` +
          `two workers ${two.perMinute.toFixed(1)} series/min (${(two.perMinute / one.perMinute).toFixed(2)}x)`,
      );
    }
    const cli = median(rows.map((r) => r.cli));
    const one = median(rows.map((r) => r.one.perMinute));
    const two = median(rows.map((r) => r.two.perMinute));
    const inJob = median(rows.map((r) => r.one.meanInJob));
    const overhead = median(rows.map((r) => r.one.makespan / series.length - r.one.meanInJob));
    const perSeries = 60_000 / one;
    const cpu = median(rows.map((r) => r.one.cpuPerSeries));
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    console.log('');
    console.log(`Medians of ${ROUNDS} rounds (${series.length} real chest CTs, local Orthanc and Redis, this machine):`);
    console.log(`  cacs score --dicomweb --store, fresh process per series  ${sec(cli)} per series`);
    console.log(`  one worker                                               ${one.toFixed(1)} series/min (${sec(perSeries)} per series; ${sec(inJob)} inside the job)`);
    console.log(`  two workers                                              ${two.toFixed(1)} series/min (${(two / one).toFixed(2)}x one worker; aim >= 1.5x)`);
    console.log(`  CPU per series (worker, its decode thread, Orthanc, Redis)  ${cpu.toFixed(2)} s: one worker keeps ${(cpu / (perSeries / 1000)).toFixed(2)} cores busy, so ${cores} cores allow at most ${((cores * perSeries) / 1000 / cpu).toFixed(2)}x one worker`);
    console.log(`  queue overhead per series                                ${sec(overhead)} = ${((overhead / inJob) * 100).toFixed(1)} % of the time in the job (aim < 5 %)`);
    const daily = 500;
    const busyMin = (daily * perSeries) / 60_000;
    console.log(`  inside a job, median per phase (one worker): ${[...phaseTimes].map(([k, v]) => `${k} ${median(v)} ms`).join(', ')}`);
    console.log(`  500 chest CTs a day at one worker's pace: ${busyMin.toFixed(0)} worker-minutes a day; a peak hour of 20 % (100 series) takes ${((100 * perSeries) / 60_000).toFixed(1)} min on one worker`);
  } finally {
    await queue.close().catch(() => {});
    conn.disconnect();
    await redis.stop();
    await orthanc.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
