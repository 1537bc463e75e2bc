/**
 * `cacs queue`: what the screening queue is doing, read-only. Counts by state (BullMQ), series per
 * minute over the last hour (completed jobs' finish times), each failed series with its reason,
 * and the latest series the producer refused. Changes nothing in Redis.
 */
import { Queue, type Job } from 'bullmq';
import { parseArgs, numberOption, UsageError, type OptionTable } from './args';
import { LAST_PASS_KEY, PREFIX, QUEUE_NAME, REFUSED_KEY, checkRedisUrl, redactUrl, redisConnection, type ScreenJob, type ScreenJobResult } from './queue-shared';

export const QUEUE_HELP = `cacs queue: the screening queue's state (read-only)

Usage:
  cacs queue --redis URL [--format table|json] [--failed N]

  --redis URL           the Redis that holds the queue, e.g. redis://127.0.0.1:6379
  --format table|json   table for people (default), json for scripts and monitoring
  --failed N            how many failed series to list, newest first (default 20)

Prints waiting (including retries waiting for their back-off), active, completed and failed
job counts, series per minute over the last hour, each failed series with its reason, and the
series the producer refused most recently.

Exit codes: 0 done; 2 bad input or Redis not reachable; 1 internal error.`;

const SPEC: OptionTable = {
  redis: { type: 'string' },
  format: { type: 'string' },
  failed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export interface QueueStatus {
  redis: string;
  counts: { waiting: number; delayed: number; active: number; completed: number; failed: number };
  lastHour: { completed: number; seriesPerMinute: number; medianScoringMs: number | null };
  failed: { seriesInstanceUid: string; studyInstanceUid: string; reason: string; attempts: number; failedAt: string | null }[];
  refused: { at: string; study: string; series: string; reason: string }[];
  refusedTotal: number;
  /** The producer's last pass (null: no producer has run against this Redis). */
  lastPass: { at: string; summary: string } | null;
}

export async function queueCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'queue');
  if (args.flags.has('help')) {
    process.stdout.write(`${QUEUE_HELP}\n`);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`cacs queue takes no arguments besides its options (got ${args.positionals.join(' ')})`);
  const format = args.values.get('format') ?? 'table';
  if (format !== 'json' && format !== 'table') throw new UsageError(`--format must be json or table (got '${format}')`);
  const redisUrl = checkRedisUrl(args.values.get('redis'));
  const failedN = numberOption(args, 'failed', 'a number of series, e.g. 20', 0, 10_000) ?? 20;
  const status = await readStatus(redisUrl, failedN);
  process.stdout.write(format === 'json' ? `${JSON.stringify(status, null, 2)}\n` : `${statusTable(status)}\n`);
  return 0;
}

/** The queue's state; throws a UsageError when Redis does not answer within 5 s. */
export async function readStatus(redisUrl: string, failedN = 20): Promise<QueueStatus> {
  let complaint = '';
  const redis = redisConnection(redisUrl, (line) => {
    complaint = line;
  });
  const queue = new Queue<ScreenJob, ScreenJobResult>(QUEUE_NAME, { connection: redis, prefix: PREFIX });
  queue.on('error', () => {});
  const timer = setTimeout(() => redis.disconnect(), 5000);
  try {
    await redis.ping().catch(() => {
      throw new UsageError(`${complaint || `Redis at ${redactUrl(redisUrl)} did not answer`}; is --redis right and Redis running?`);
    });
    clearTimeout(timer);
    const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const since = Date.now() - 3600_000;
    const recent: Job<ScreenJob, ScreenJobResult>[] = [];
    // Completed jobs come newest first; read pages until one reaches past the hour.
    for (let start = 0; ; start += 500) {
      const page = await queue.getCompleted(start, start + 499);
      recent.push(...page.filter((j) => (j.finishedOn ?? 0) >= since));
      if (page.length < 500 || page.some((j) => (j.finishedOn ?? 0) < since)) break;
    }
    const times = recent.map((j) => j.returnvalue?.scoringMs).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
    const failedJobs = failedN > 0 ? await queue.getFailed(0, failedN - 1) : [];
    const refusedRaw = await redis.lrange(REFUSED_KEY, 0, 9);
    return {
      redis: redactUrl(redisUrl),
      counts: { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), delayed: c.delayed ?? 0, active: c.active ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0 },
      lastHour: { completed: recent.length, seriesPerMinute: Math.round((recent.length / 60) * 100) / 100, medianScoringMs: times.length ? times[Math.floor(times.length / 2)] : null },
      failed: failedJobs.map((j) => ({
        seriesInstanceUid: j.data.seriesInstanceUid,
        studyInstanceUid: j.data.studyInstanceUid,
        reason: j.failedReason ?? '',
        attempts: j.attemptsMade,
        failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
      })),
      refused: refusedRaw.map((r) => JSON.parse(r) as QueueStatus['refused'][number]),
      refusedTotal: await redis.llen(REFUSED_KEY),
      lastPass: await redis.get(LAST_PASS_KEY).then((v) => (v ? (JSON.parse(v) as QueueStatus['lastPass']) : null)),
    };
  } finally {
    clearTimeout(timer);
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}

export function statusTable(s: QueueStatus): string {
  const c = s.counts;
  const lines = [
    `Screening queue at ${s.redis}`,
    `Jobs     ${c.waiting} waiting, ${c.delayed} waiting to retry, ${c.active} active, ${c.completed} completed, ${c.failed} failed`,
    `Producer ${s.lastPass ? `last ${s.lastPass.summary.replace(/^pass done/, 'pass')} at ${s.lastPass.at}` : 'no pass yet (is cacs screen running?)'}`,
    `Speed    ${s.lastHour.seriesPerMinute} series per minute over the last hour (${s.lastHour.completed} completed${s.lastHour.medianScoringMs !== null ? `, median ${(s.lastHour.medianScoringMs / 1000).toFixed(1)} s each` : ''})`,
  ];
  if (s.failed.length > 0) {
    lines.push('', `Failed (newest first${c.failed > s.failed.length ? `, ${s.failed.length} of ${c.failed}` : ''}):`);
    for (const f of s.failed) lines.push(`  ${f.failedAt ?? '?'}  series ${f.seriesInstanceUid} of study ${f.studyInstanceUid}: ${f.reason} (${f.attempts} attempt${f.attempts === 1 ? '' : 's'})`);
  }
  if (s.refused.length > 0) {
    lines.push('', `Not scored by the producer (latest ${s.refused.length} of ${s.refusedTotal}):`);
    for (const r of s.refused) lines.push(`  ${r.at}  series ${r.series} of study ${r.study}: ${r.reason}`);
  }
  return lines.join('\n');
}
