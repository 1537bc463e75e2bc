/**
 * `cacs worker`: the screening queue's consumer. Each job is one series: it is scored with
 * automatic labelling exactly as `cacs score --dicomweb ... --store ...` scores it (cli/score-series.ts)
 * and stored through the same store (version chain, "unchanged" check, outbox, time limit), so
 * the SEG, SR and PDF say "automatic, not reviewed" as the viewer's automatic proposals do.
 *
 * Faults:
 *  - the archive fails (no answer, time limit, HTTP 408/429/5xx, store refused for such a reason):
 *    the job is retried with exponential back-off (cli/queue-shared.ts JOB_OPTIONS); what was
 *    encoded but not stored stays in this worker's outbox and is sent first on the retry, so a
 *    retry never makes a second version;
 *  - bad input (not scorable, refused by the input checks, missing series): the job fails at once
 *    with its one-line reason, no retry;
 *  - the worker dies mid-job (SIGKILL, power): BullMQ's lock on the job lapses after
 *    --lock-duration and another worker takes it (stalled-job recovery); the job first asks the
 *    archive whether the result is already there, so the archive ends with one current result;
 *  - SIGTERM / SIGINT: the job in hand is finished, then the worker exits (drain).
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { numberOption, parseArgs, UsageError, type OptionTable } from './args';
import { Progress } from './folder';
import { phaseTimer, scoreSeries } from './score-series';
import { checkArchiveUrl, DEFAULT_OUTBOX, outboxStudyFolder, storeScore, timeoutMs } from './store';
import { PREFIX, QUEUE_NAME, logLine, queueEndpoints, redactUrl, redisConnection, type ScreenJob, type ScreenJobResult } from './queue-shared';
import { LABELLER_HELP, labellerIdentity, labellerOption } from './worker-labeller';
import { alreadyScored, screeningMaker } from '../core/screening/current';
import { DicomwebError, loadCalciumReports } from '../core/store/dicomweb';
import { ArchiveFault } from './dicomweb';
import type { DecodePool } from './decode-pool';

export const WORKER_HELP = `cacs worker: score the series the screening queue holds, and store the results

Usage:
  cacs worker --dicomweb URL --redis URL [options]

  --dicomweb URL        DICOMweb root to read series from (and to store results in)
  --redis URL           the Redis that holds the queue, e.g. redis://127.0.0.1:6379
  --store URL           store results in this DICOMweb root instead of --dicomweb
  --concurrency N       jobs at once in this process (default 1; scoring is CPU-bound, so run one
                        worker process per core rather than raising this)
  --outbox DIR          where results wait until the archive has them (default ./cacs-outbox)
${LABELLER_HELP}
  --lock-duration S     seconds without a sign of life after which another worker takes a job
                        over (default 30)
  --timeout S           time limit of one request to the archive in seconds (default 60)

Results are stored as SEG, SR and PDF, marked "automatic, not reviewed", as the next version of
the study's calcium report. SIGTERM or SIGINT: the job in hand is finished, then the worker
exits; a second signal exits at once (the job is then taken over by another worker).

Exit codes: 0 stopped by a signal; 2 bad input; 1 internal error.`;

const SPEC: OptionTable = {
  dicomweb: { type: 'string' },
  redis: { type: 'string' },
  store: { type: 'string' },
  concurrency: { type: 'string' },
  outbox: { type: 'string' },
  labeller: { type: 'string' },
  'lock-duration': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export async function workerCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'worker');
  if (args.flags.has('help')) {
    process.stdout.write(`${WORKER_HELP}\n`);
    return 0;
  }
  const { url, redisUrl } = queueEndpoints(args, 'worker', 'the archive to read series from');
  const storeUrl = checkArchiveUrl(args.values.get('store') ?? url, '--store');
  const concurrency = numberOption(args, 'concurrency', 'a number of jobs, e.g. 1', 1, 64) ?? 1;
  const lockS = numberOption(args, 'lock-duration', 'a number of seconds, e.g. 30', 2, 3600) ?? 30;
  const outbox = path.resolve(args.values.get('outbox') ?? DEFAULT_OUTBOX);
  const timeout = timeoutMs(args);
  const kind = labellerOption(args);
  const maker = screeningMaker(await labellerIdentity(kind));
  const name = `${os.hostname()}:${process.pid}`;

  const log = logLine;
  const progress = new Progress(false);
  const { DecodePool } = await import('./decode-pool');
  const pool: DecodePool = new DecodePool();
  const redis = redisConnection(redisUrl, log);

  const processJob = async (job: Job<ScreenJob>): Promise<ScreenJobResult> => {
    const t0 = performance.now();
    const { studyInstanceUid: study, seriesInstanceUid: series } = job.data;
    const label = `series ${series} of study ${study}`;
    // CACS_TIMING=1: each phase's time on stdout (bench:screen's breakdown), as `cacs score` does on stderr.
    const phase = phaseTimer((name, ms) => log(`timing ${series} ${name} ${ms.toFixed(0)} ms`));
    try {
      // 1. What an earlier attempt encoded but could not store goes first (never a second version).
      const studyDir = outboxStudyFolder(outbox, study);
      if (fs.existsSync(studyDir)) {
        const { resultFolders, sendResultFolder } = await import('./send');
        for (const folder of resultFolders(studyDir)) {
          const sent = await sendResultFolder(folder, { url: storeUrl, timeoutMs: timeout, progress });
          if (!sent.done) throw new RetryLater(sent.message);
          log(`${label}: ${sent.message}`);
        }
      }
      // 2. Nothing to do when the archive already holds what this worker would store.
      const already = alreadyScored(await loadCalciumReports({ url: storeUrl, timeoutMs: timeout }, study), maker);
      if (already) {
        const ms = Math.round(performance.now() - t0);
        return { outcome: 'skipped', message: `no scoring needed: ${already}`, totalAgatston: null, version: null, scoringMs: ms, totalMs: ms };
      }
      // 3. Score and store.
      phase('archive-check');
      const scored = await scoreSeries({ input: { dicomweb: url, studyUid: study, seriesUid: series }, labeller: kind, timeoutMs: timeout, progress, pool, phase });
      const scoringMs = Math.round(performance.now() - t0);
      const stored = await storeScore({ result: scored.result, lesionSet: scored.lesionSet, assignment: scored.assignment, volume: scored.volume }, { url: storeUrl, outbox, timeoutMs: timeout }, progress);
      phase('store');
      if (!stored.ok) throw new RetryLater(stored.message);
      return {
        outcome: stored.unchanged ? 'unchanged' : 'stored',
        message: stored.message,
        totalAgatston: scored.result.total.agatston,
        version: stored.version,
        scoringMs,
        totalMs: Math.round(performance.now() - t0),
      };
    } catch (e) {
      throw classify(e);
    }
  };

  const worker = new Worker<ScreenJob, ScreenJobResult>(QUEUE_NAME, processJob, {
    connection: redis,
    prefix: PREFIX,
    concurrency,
    name,
    lockDuration: lockS * 1000,
    stalledInterval: lockS * 1000,
    maxStalledCount: 3,
    autorun: false,
  });
  worker.on('error', () => {}); // the connection's own handler reports outages once
  worker.on('completed', (job, r) => log(`${r.outcome === 'skipped' ? 'skipped' : 'scored'}: series ${job.data.seriesInstanceUid} of study ${job.data.studyInstanceUid}${r.totalAgatston !== null ? `, total ${r.totalAgatston.toFixed(1)} AU` : ''}; ${r.message} (${(r.totalMs / 1000).toFixed(1)} s)`));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    log(`${final ? 'failed' : `attempt ${job.attemptsMade} failed, will retry`}: series ${job.data.seriesInstanceUid} of study ${job.data.studyInstanceUid}: ${err.message}`);
  });
  worker.on('stalled', (jobId) => log(`job ${jobId} lost its worker; taking it over`));

  let closing: Promise<void> | null = null;
  const stop = (signal: string) => {
    if (closing) {
      log(`${signal} again: exiting now; the job in hand goes back to the queue after ${lockS} s`);
      process.exit(130);
    }
    log(`${signal}: finishing the job in hand, then exiting`);
    closing = worker.close();
  };
  const onTerm = () => stop('SIGTERM');
  const onInt = () => stop('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  log(`worker ${name}: ${url} -> ${storeUrl}, queue at ${redactUrl(redisUrl)}, ${concurrency} at a time, ${maker.algorithm.name} ${maker.algorithm.version}`);
  try {
    await worker.run();
    if (closing) await closing;
    return 0;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    pool.close();
    redis.disconnect();
  }
}

/** The archive did not take a result (it waits in the outbox): try again later. */
class RetryLater extends Error {}

/**
 * Bad input fails the job at once (UnrecoverableError: BullMQ does not retry it); archive faults
 * and a result left in the outbox are retried with back-off; an internal error is not retried
 * either (it would fail again), but says so.
 */
function classify(e: unknown): Error {
  if (e instanceof ArchiveFault) return e.transient ? new Error(e.message) : new UnrecoverableError(e.message);
  if (e instanceof DicomwebError) return e.transient ? new Error(e.message) : new UnrecoverableError(e.message);
  if (e instanceof UsageError || (e as Error)?.name === 'UsageError') return new UnrecoverableError((e as Error).message.split('\n')[0]);
  if (e instanceof RetryLater) return e;
  return new UnrecoverableError(`internal error: ${e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 3).join(' | ') : String(e)}`);
}
