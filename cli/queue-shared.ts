/**
 * What the screening queue's three commands share (`cacs screen` enqueues, `cacs worker` scores,
 * `cacs queue` reports): the BullMQ queue on Redis, its Redis keys, one job's data and options.
 *
 * Redis layout (prefix "cacs"):
 *  - BullMQ's own keys of the queue "screen" (bull-style: cacs:screen:*);
 *  - cacs:screen-cursor: the study date (YYYYMMDD) the next pass queries from;
 *  - cacs:screen-seen: hash SeriesInstanceUID -> StudyDate of every series a pass has decided
 *    (enqueued, or refused with a reason): a restart neither repeats nor misses one;
 *  - cacs:screen-refused: the last 1,000 refusals (JSON lines, newest first), for `cacs queue`;
 *  - cacs:screen-last-pass: when the producer last finished a pass, and what it found.
 */
import { Redis } from 'ioredis';
import { UsageError, type ParsedArgs } from './args';
import { checkArchiveUrl } from './store';

export const QUEUE_NAME = 'screen';
export const PREFIX = 'cacs';
export const CURSOR_KEY = `${PREFIX}:screen-cursor`;
export const SEEN_KEY = `${PREFIX}:screen-seen`;
export const REFUSED_KEY = `${PREFIX}:screen-refused`;
/** The producer's last pass: { at, summary } (JSON), for `cacs queue` and monitoring. */
export const LAST_PASS_KEY = `${PREFIX}:screen-last-pass`;
export const REFUSED_KEEP = 1000;

/** One job: a series to score. The worker reads and stores through its own --dicomweb. */
export interface ScreenJob {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  studyDate: string | null;
  seriesDescription: string | null;
  /** ISO time the producer enqueued it. */
  enqueuedAt: string;
}

/** What a finished job returns (kept with the completed job, shown by `cacs queue`). */
export interface ScreenJobResult {
  /** stored: a new result; unchanged: the archive already said the same; skipped: no scoring needed. */
  outcome: 'stored' | 'unchanged' | 'skipped';
  message: string;
  totalAgatston: number | null;
  version: number | null;
  /** From taking the job to the result read, scored and labelled (before storing). */
  scoringMs: number;
  /** The whole job in the worker: outbox, archive check, read, score, label, store. */
  totalMs: number;
}

/**
 * Job options: archive faults are retried with exponential back-off (5 s, 10 s, ... about 21 min in
 * all over 8 attempts); completed jobs stay a week (their ids keep re-enqueuing a no-op), failed
 * ones a month.
 */
export const JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 200_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
} as const;

export function checkRedisUrl(url: string | undefined, option = '--redis'): string {
  if (url === undefined) throw new UsageError(`${option} URL is needed: the Redis that holds the queue, e.g. redis://127.0.0.1:6379`);
  if (!/^rediss?:\/\/[^/\s]*[^/\s:](:\d+)?(\/\d+)?\/?$/i.test(url)) throw new UsageError(`${option} must be a Redis URL such as redis://host:6379 or redis://:password@host:6379/0 (got '${url}')`);
  return url;
}

/**
 * A Redis connection for BullMQ: requests wait through a Redis restart (maxRetriesPerRequest null,
 * as BullMQ requires for workers) and reconnect with a capped back-off; connection errors are
 * reported once per outage on `log`, never thrown into the process.
 */
export function redisConnection(url: string, log: (line: string) => void): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(200 * times, 5000),
  });
  let down = false;
  let everReady = false;
  const lost = (why: string) => {
    if (down) return;
    down = true;
    log(`Redis at ${redactUrl(url)} ${everReady ? 'connection lost' : 'is not answering'} (${why}); retrying`);
  };
  redis.on('error', (e: Error) => lost(e.message));
  redis.on('reconnecting', () => everReady && lost('reconnecting'));
  redis.on('ready', () => {
    if (down) log(`Redis at ${redactUrl(url)} is back`);
    down = false;
    everReady = true;
  });
  return redis;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

/** One line of a long-running command's log on stdout, time-stamped (UTC, to the second). */
export function logLine(line: string): void {
  process.stdout.write(`${new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')} ${line}\n`);
}

/**
 * --dicomweb and --redis of `cacs screen` and `cacs worker`, checked (no folder argument);
 * `role` says in the message what the archive is for.
 */
export function queueEndpoints(args: ParsedArgs, command: string, role: string): { url: string; redisUrl: string } {
  if (args.positionals.length > 0) throw new UsageError(`cacs ${command} takes no folder (got ${args.positionals.join(' ')}); give --dicomweb URL`);
  const url = args.values.get('dicomweb');
  if (url === undefined) throw new UsageError(`--dicomweb URL is needed: ${role}, e.g. http://127.0.0.1:8042/dicom-web`);
  return { url: checkArchiveUrl(url, '--dicomweb'), redisUrl: checkRedisUrl(args.values.get('redis')) };
}
