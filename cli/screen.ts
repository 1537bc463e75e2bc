/**
 * `cacs screen`: the screening queue's producer. Each pass asks the archive (QIDO-RS) for studies
 * with CT from the cursor's study date on, assesses every CT series it has not decided yet from
 * its headers (WADO-RS series metadata; core/screening/eligibility.ts), and enqueues one job per
 * study for the fittest series, unless the study's current calcium report already is what a
 * worker would store (core/screening/current.ts). Every series that gets no job gets one line
 * saying why.
 *
 * Nothing is missed or repeated across restarts: the cursor (a study date) and the series already
 * decided are kept in Redis (cli/queue-shared.ts); each pass re-reads `--lookback` days before the
 * cursor for studies that reach the archive late; job ids make a second enqueue a no-op.
 * Studies without a StudyDate are seen only by a pass with no date limit (the first pass without
 * --since, or `--since all`).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { numberOption, parseArgs, UsageError, type OptionTable } from './args';
import { timeoutMs } from './store';
import {
  CURSOR_KEY,
  JOB_OPTIONS,
  LAST_PASS_KEY,
  PREFIX,
  QUEUE_NAME,
  REFUSED_KEEP,
  REFUSED_KEY,
  SEEN_KEY,
  redactUrl,
  redisConnection,
  logLine,
  queueEndpoints,
  type ScreenJob,
} from './queue-shared';
import { DicomwebClient, DicomwebError, jsonValue, loadCalciumReports, type JsonDataset } from '../core/store/dicomweb';
import { DEFAULT_SCREENING_LIMITS, assessSeries, choosePerStudy, type ScreeningLimits, type SeriesAssessment } from '../core/screening/eligibility';
import { alreadyScored, screeningJobId, screeningMaker, type ScreeningMaker } from '../core/screening/current';
import { labellerIdentity, LABELLER_HELP, labellerOption } from './worker-labeller';
import { dicomDate } from '../core/dicom/values';

export const SCREEN_HELP = `cacs screen: find new CT series in a DICOMweb archive and queue them for scoring

Usage:
  cacs screen --dicomweb URL --redis URL [--once | --interval S] [options]

  --dicomweb URL        DICOMweb root of the archive (QIDO-RS, WADO-RS metadata)
  --redis URL           the Redis that holds the queue, e.g. redis://127.0.0.1:6379
  --once                one pass, then exit (default: a pass every --interval seconds)
  --interval S          seconds between passes (default 60)
  --since YYYYMMDD      first study date to look at when Redis holds no cursor yet (default: all
                        studies); \`--since all\` looks at every study once more (nothing is
                        queued twice)
  --lookback DAYS       days before the cursor each pass reads again, for studies that reach the
                        archive late (default 2)
  --max-thickness MM    thicker slices are not scored (default ${DEFAULT_SCREENING_LIMITS.maxThicknessMm})
  --min-coverage MM     series shorter than this are not scored (default ${DEFAULT_SCREENING_LIMITS.minCoverageMm})
${LABELLER_HELP}
  --timeout S           time limit of one request to the archive in seconds (default 60)

A study gets one job, for its series closest to the Agatston method (3 mm, soft kernel). No job
for a study whose current calcium report was reviewed by a reader, or came from the same
labeller and settings. Each series that gets no job is printed with the reason.

Exit codes: 0 done (--once) or stopped by SIGTERM/SIGINT; 2 bad input; 3 --once and the pass
stopped on an archive fault (what it decided is kept; the next pass goes on from there);
1 internal error. Redis not answering is waited for (said once), as a service should.`;

const SPEC: OptionTable = {
  dicomweb: { type: 'string' },
  redis: { type: 'string' },
  once: { type: 'boolean' },
  interval: { type: 'string' },
  since: { type: 'string' },
  lookback: { type: 'string' },
  'max-thickness': { type: 'string' },
  'min-coverage': { type: 'string' },
  labeller: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

interface PassCounts {
  studies: number;
  series: number;
  queued: number;
  alreadyQueued: number;
  unfit: number;
  alreadyScored: number;
}

export async function screenCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'screen');
  if (args.flags.has('help')) {
    process.stdout.write(`${SCREEN_HELP}\n`);
    return 0;
  }
  const { url, redisUrl } = queueEndpoints(args, 'screen', 'the archive to screen');
  if (args.flags.has('once') && args.values.has('interval')) throw new UsageError('--once and --interval exclude each other: give one');
  const intervalS = numberOption(args, 'interval', 'a number of seconds, e.g. 60', 1, 86_400) ?? 60;
  const lookbackDays = numberOption(args, 'lookback', 'a number of days, e.g. 2', 0, 3650) ?? 2;
  const since = args.values.get('since');
  if (since !== undefined && since !== 'all' && !validDate(since)) throw new UsageError(`--since must be a date YYYYMMDD (e.g. 20261201) or 'all' (got '${since}')`);
  const limits: ScreeningLimits = {
    maxThicknessMm: numberOption(args, 'max-thickness', 'a slice thickness in mm, e.g. 5', 0.1, 20) ?? DEFAULT_SCREENING_LIMITS.maxThicknessMm,
    minCoverageMm: numberOption(args, 'min-coverage', 'a length in mm, e.g. 60', 0, 2000) ?? DEFAULT_SCREENING_LIMITS.minCoverageMm,
  };
  const maker = screeningMaker(await labellerIdentity(labellerOption(args)));
  const client = new DicomwebClient({ url, timeoutMs: timeoutMs(args) });

  const log = logLine;
  const redis = redisConnection(redisUrl, (line) => log(line));
  const queue = new Queue<ScreenJob>(QUEUE_NAME, { connection: redis, prefix: PREFIX });
  queue.on('error', () => {}); // the connection's own handler reports outages once
  let stopping = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    log('stopping after this pass (again to stop at once)');
    wake?.();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log(`screening ${url} into ${redactUrl(redisUrl)} (${maker.algorithm.name} ${maker.algorithm.version}; ${args.flags.has('once') ? 'one pass' : `a pass every ${intervalS} s`})`);
  try {
    let first = true;
    for (;;) {
      try {
        await onePass({ client, redis, queue, maker, limits, lookbackDays, since: first ? since : undefined, verbose: first || args.flags.has('once'), log });
      } catch (e) {
        if (!(e instanceof DicomwebPassError)) throw e;
        // The archive failed mid-pass: what was decided is kept; the next pass goes on from there.
        log(`pass stopped: ${(e as Error).message}; next pass in ${intervalS} s`);
        if (args.flags.has('once')) return 3;
      }
      first = false;
      if (args.flags.has('once') || stopping) return 0;
      // A signal wakes the wait early; the timer goes with it (a pending one would keep the process alive).
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalS * 1000);
      });
      clearTimeout(timer);
      wake = null;
      if (stopping) return 0;
    }
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}

/** An archive fault during a pass (the pass stops; the next goes on). */
class DicomwebPassError extends UsageError {}

async function ask<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof DicomwebError) throw new DicomwebPassError(e.message);
    throw e;
  }
}

/** A real calendar date YYYYMMDD (a day that exists). */
export function validDate(s: string): boolean {
  return /^\d{8}$/.test(s) && shiftDate(s, 0) === s;
}

/** YYYYMMDD moved by `days`. */
export function shiftDate(s: string, days: number): string {
  return dicomDate(new Date(Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8))) + days * 86_400_000));
}

const PAGE = 500;

interface PassContext {
  client: DicomwebClient;
  redis: Redis;
  queue: Queue<ScreenJob>;
  maker: ScreeningMaker;
  limits: ScreeningLimits;
  lookbackDays: number;
  /** --since on the first pass: a date, 'all', or undefined (the cursor decides). */
  since: string | undefined;
  /** Say the summary of a pass that found nothing new too (--once, first pass). */
  verbose: boolean;
  log: (line: string) => void;
}

async function onePass(ctx: PassContext): Promise<PassCounts> {
  const { client, redis, log } = ctx;
  const t0 = performance.now();
  const cursor = await redis.get(CURSOR_KEY);
  const from = ctx.since === 'all' ? null : (cursor ?? ctx.since ?? null);
  const query: Record<string, string> = { ModalitiesInStudy: 'CT', includefield: '00080020' };
  if (from) query.StudyDate = `${shiftDate(from, -ctx.lookbackDays)}-`;
  const counts: PassCounts = { studies: 0, series: 0, queued: 0, alreadyQueued: 0, unfit: 0, alreadyScored: 0 };
  let newest = cursor;
  const today = dicomDate(new Date());
  for (let offset = 0; ; offset += PAGE) {
    const studies = await ask(() => client.searchForStudies({ ...query, limit: String(PAGE), offset: String(offset) }));
    for (const study of studies) {
      const studyUid = jsonValue(study, '0020000D');
      if (!studyUid) continue;
      counts.studies++;
      const date = jsonValue(study, '00080020');
      await screenStudy(ctx, studyUid, counts);
      if (date && validDate(date) && date <= today && (!newest || date > newest)) newest = date;
    }
    if (studies.length < PAGE) break;
  }
  if (newest && newest !== cursor) await redis.set(CURSOR_KEY, newest);
  await trimSeen(redis, newest, ctx.lookbackDays);
  const ms = Math.round(performance.now() - t0);
  const summary =
    `pass done in ${ms} ms: ${counts.studies} stud${counts.studies === 1 ? 'y' : 'ies'}${from ? ` from ${shiftDate(from, -ctx.lookbackDays)}` : ''}, ${counts.series} new CT series: ` +
    `${counts.queued} queued, ${counts.alreadyQueued} already queued, ${counts.alreadyScored} already scored, ${counts.unfit} not fit; cursor ${newest ?? 'none'}`;
  await redis.set(LAST_PASS_KEY, JSON.stringify({ at: new Date().toISOString(), summary }));
  // Quiet passes (nothing new) leave the log alone; `cacs queue` shows the last pass.
  if (counts.series > 0 || ctx.verbose) log(summary);
  return counts;
}

async function screenStudy(ctx: PassContext, studyUid: string, counts: PassCounts): Promise<void> {
  const { client, redis, queue, maker, log } = ctx;
  const series = await ask(() => client.searchForSeries(studyUid, { Modality: 'CT' }));
  const uids = series.map((s: JsonDataset) => jsonValue(s, '0020000E')).filter((u): u is string => !!u);
  if (uids.length === 0) return;
  const seen = await redis.hmget(SEEN_KEY, ...uids);
  const fresh = uids.filter((_u, n) => seen[n] === null);
  if (fresh.length === 0) return;
  counts.series += fresh.length;
  // A study already queued for one of its series: later series of it get no second job.
  const queuedBefore = uids.find((_u, n) => seen[n] !== null && JSON.parse(seen[n]!).queued === true);
  const assessed: SeriesAssessment[] = [];
  for (const uid of fresh) assessed.push(assessSeries(await ask(() => client.retrieveSeriesMetadata(studyUid, uid)), ctx.limits));
  const decided = choosePerStudy(assessed).map((a) => (queuedBefore && !a.unfit ? { ...a, unfit: `the study is already queued with series ${queuedBefore}` } : a));
  const chosen = decided.find((a) => !a.unfit);
  let skipWhy: string | null = null;
  if (chosen) skipWhy = alreadyScored(await ask(() => loadCalciumReports(client, studyUid)), maker);
  for (const a of decided) {
    const label = `series ${a.seriesInstanceUid}${a.seriesDescription ? ` "${a.seriesDescription}"` : ''} of study ${studyUid}`;
    let queued = false;
    if (a.unfit) {
      counts.unfit++;
      log(`not scored: ${label}: ${a.unfit}`);
      await redis.multi().lpush(REFUSED_KEY, JSON.stringify({ at: new Date().toISOString(), study: studyUid, series: a.seriesInstanceUid, reason: a.unfit })).ltrim(REFUSED_KEY, 0, REFUSED_KEEP - 1).exec();
    } else if (skipWhy) {
      counts.alreadyScored++;
      log(`no job: ${label}: ${skipWhy}`);
    } else {
      const jobId = screeningJobId(a.seriesInstanceUid, maker);
      const existing = await queue.getJob(jobId);
      if (existing) {
        counts.alreadyQueued++;
        log(`already queued: ${label} (job ${jobId})`);
      } else {
        const data: ScreenJob = {
          studyInstanceUid: studyUid,
          seriesInstanceUid: a.seriesInstanceUid,
          studyDate: a.studyDate,
          seriesDescription: a.seriesDescription,
          enqueuedAt: new Date().toISOString(),
        };
        await queue.add('score', data, { jobId, ...JOB_OPTIONS });
        counts.queued++;
        log(`queued: ${label} (${a.slices} slices, ${a.thicknessMm ?? '?'} mm${a.kernel ? `, ${a.kernel}` : ''})`);
      }
      queued = true;
    }
    // Decided only after the job is in: a crash before this line re-decides it (the job id makes that a no-op).
    await redis.hset(SEEN_KEY, a.seriesInstanceUid, JSON.stringify({ date: a.studyDate, queued }));
  }
}

/** Forget decided series whose study date lies before what any later pass will read. */
async function trimSeen(redis: Redis, cursor: string | null, lookbackDays: number): Promise<void> {
  if (!cursor || (await redis.hlen(SEEN_KEY)) < 20_000) return;
  const keepFrom = shiftDate(cursor, -lookbackDays - 1);
  const old: string[] = [];
  let scan = '0';
  do {
    const [next, flat] = await redis.hscan(SEEN_KEY, scan, 'COUNT', 1000);
    scan = next;
    for (let i = 0; i < flat.length; i += 2) {
      const date = (JSON.parse(flat[i + 1]) as { date: string | null }).date;
      if (date && date < keepFrom) old.push(flat[i]);
    }
  } while (scan !== '0');
  if (old.length > 0) await redis.hdel(SEEN_KEY, ...old);
}
