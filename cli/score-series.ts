/**
 * One series from input to labelled result, as `cacs score` and the screening worker
 * (`cacs worker`) both run it: read (folder or DICOMweb), decode in the worker-thread pool,
 * check, score, and label automatically. Storing is the caller's (cli/store.ts storeScore).
 *
 * Errors: bad input is a UsageError (one line; the worker fails the job with it, no retry); an
 * archive fault while reading is an ArchiveFault (a UsageError for `cacs score`, whose
 * `transient` tells the worker to retry with back-off).
 */
import type { Assignment } from '../core/scoring/assign';
import type { LesionSet } from '../core/scoring/detect';
import type { ClinicalInputs, CtVolume, ScoringResult, ScoringSettings } from '../core/types';
import type { LabellerKind } from '../core/labelling/rules';
import { UsageError } from './args';
import type { DecodePool } from './decode-pool';
import { Progress, readFolder } from './folder';
import type { ScoreSource } from './output';
import type { SeedPoint } from './seeds';

export type SeriesInput = { folder: string; seriesUid?: string } | { dicomweb: string; studyUid: string; seriesUid?: string };

export interface ScoreSeriesOptions {
  input: SeriesInput;
  settings?: Partial<ScoringSettings>;
  seeds?: SeedPoint[];
  clinical?: ClinicalInputs | null;
  /** Input-check errors become warnings (provisional result). */
  force?: boolean;
  /** Score a series with missing slices (warned). */
  allowGaps?: boolean;
  /** Automatic labelling (null: off, lesions stay for the reader). */
  labeller: LabellerKind | null;
  timeoutMs: number;
  progress: Progress;
  /** Decoding workers; one is made (and closed) for the call when not given. */
  pool?: DecodePool;
  /** Called at the end of each phase with its name (CACS_TIMING of `cacs score`). */
  phase?: (name: string) => void;
}

export interface ScoredSeries {
  result: ScoringResult;
  lesionSet: LesionSet;
  assignment: Assignment;
  volume: CtVolume;
  source: ScoreSource;
  /** One line on what the automatic labelling did (or why it did not run). */
  autoLabelling: string;
}

/**
 * CACS_TIMING=1: a function to call at the end of each phase, which reports how long the phase
 * took (scripts/bench.ts and bench:screen read these lines); without it, nothing is reported.
 */
export function phaseTimer(report: (name: string, ms: number) => void): (name: string) => void {
  const on = process.env.CACS_TIMING === '1';
  let mark = performance.now();
  return (name) => {
    const now = performance.now();
    if (on) report(name, now - mark);
    mark = now;
  };
}

export async function scoreSeries(opts: ScoreSeriesOptions): Promise<ScoredSeries> {
  const phase = opts.phase ?? (() => {});
  const { progress, input } = opts;
  const read = await import('../core/dicom/read');
  const codecsReady = read.initCodecs();
  codecsReady.catch(() => {}); // awaited below; do not let an early input error turn into an unhandled rejection
  let pool = opts.pool;
  let ownPool = false;
  if (!pool) {
    const { DecodePool } = await import('./decode-pool');
    pool = new DecodePool();
    ownPool = true;
  }
  try {
    let files;
    let from: string;
    const folderNotes: string[] = [];
    let chosenSeries = input.seriesUid;
    if ('dicomweb' in input) {
      if (!/^https?:\/\//i.test(input.dicomweb)) throw new UsageError(`--dicomweb must be an http(s) URL of the DICOMweb root (got '${input.dicomweb}')`);
      const { fetchSeries } = await import('./dicomweb');
      const fetched = await fetchSeries({ url: input.dicomweb, studyUid: input.studyUid, seriesUid: input.seriesUid, timeoutMs: opts.timeoutMs }, progress);
      files = fetched.files;
      chosenSeries = fetched.seriesUid;
      from = input.dicomweb;
    } else {
      files = readFolder(input.folder, progress, folderNotes);
      from = input.folder;
    }

    await codecsReady;
    phase('read-files');
    let readResult;
    let hu: Int16Array;
    try {
      readResult = read.planSeries(files, { seriesUid: chosenSeries, chooseSeriesHint: 'pass --series UID', allowGaps: opts.allowGaps });
      const g = readResult.plan.geometry;
      hu = await pool.decode(readResult.plan.jobs, g.columns * g.rows * g.slices, (done, total) => progress.update('decoding slices', done, total));
    } catch (e) {
      if (e instanceof read.DicomReadError) throw new UsageError(e.message);
      throw e;
    }
    const volume: CtVolume = { ...readResult.plan.geometry, hu };
    files = undefined; // let the encoded bytes go before scoring
    readResult.plan.jobs.length = 0;

    phase('parse-decode');
    const core = await import('../core/index');
    phase('import-core');
    progress.note(`scoring ${volume.columns}x${volume.rows}x${volume.slices} voxels`);
    let ignoreErrors = Boolean(opts.force);
    let readWarnings = readResult.warnings;
    if (opts.allowGaps && !ignoreErrors) {
      // The input checks also refuse gaps; --allow-gaps lets exactly that error through (as a warning).
      const errors = core.checkVolume(volume).errors;
      if (errors.length > 0 && errors.every((e) => /missing slice/i.test(e))) {
        ignoreErrors = true;
        readWarnings = readWarnings.filter((w) => !/slices? missing/.test(w));
      }
    }
    let scored;
    try {
      scored = core.scoreVolume(volume, { settings: opts.settings ?? {}, seeds: opts.seeds ?? [], ignoreErrors, clinical: opts.clinical ?? null });
    } catch (e) {
      if (e instanceof core.InputError) throw new UsageError(`${e.problems.join(' ')} (--force scores it anyway)`);
      if (e instanceof core.SettingsError) throw new UsageError(e.message);
      throw e;
    }
    phase('score');
    let autoLabelling = 'automatic artery labelling switched off (--no-auto)';
    if (opts.labeller) {
      // Auto mode: the labeller proposes labels; seeds already set stay (they outrank it).
      const { autoLabelScored } = await import('./labeller');
      const labelled = await autoLabelScored(volume, scored, { clinical: opts.clinical ?? null, labeller: opts.labeller });
      scored.result = labelled.result;
      autoLabelling = labelled.note;
      phase('auto-label');
    }
    const result = scored.result;
    result.warnings = [...folderNotes, ...readWarnings, ...result.warnings];
    const source: ScoreSource = {
      from,
      studyInstanceUid: volume.source.studyInstanceUid,
      seriesInstanceUid: volume.source.seriesInstanceUid,
      seriesDescription: volume.source.seriesDescription,
      filesRead: volume.slices,
      filesSkipped: readResult.skipped.length,
    };
    return { result, lesionSet: scored.lesionSet, assignment: scored.assignment, volume, source, autoLabelling };
  } finally {
    if (ownPool) pool.close();
  }
}
