/**
 * `cacs score`: read a CT series (folder or DICOMweb), detect and score calcium, print JSON or a table.
 */
import type { ScoringSettings } from '../core/types';
import { numberOption, parseArgs, UsageError, type OptionTable } from './args';
import { Progress } from './folder';
import { phaseTimer, scoreSeries } from './score-series';
import { priorJson, resultJson, resultTable } from './output';
import { readSeedsFile, type SeedPoint } from './seeds';
import { readClinicalFile } from './clinical';
import { STORE_HELP, STORE_OPTIONS, checkArchiveUrl, storeScore, storeSettings, timeoutMs, type StoreReport } from './store';
import { PRIOR_HELP, findPrior } from './prior';
import { comparePrior, snapshotOfReport, snapshotOfResult, type PriorComparison } from '../core/prior';
import { settingsParameters } from '../core/encode/sr';

export const SCORE_HELP = `cacs score: Agatston, volume and mass per coronary artery from a non-contrast CT series

Usage:
  cacs score <folder> [options]
  cacs score --dicomweb URL --study UID [--series UID] [options]

Input:
  <folder>              folder with the series' DICOM files (searched recursively; other files are skipped)
  --series UID          SeriesInstanceUID to score when the input holds several CT series
  --dicomweb URL        DICOMweb root (e.g. http://localhost:8042/dicom-web) instead of a folder
  --study UID           StudyInstanceUID to read from --dicomweb
  --allow-gaps          score a series with missing slices (warned) instead of refusing it

Scoring (defaults follow the Agatston method, docs/scoring.md §1.1):
  --threshold HU        calcium threshold in HU, voxels >= HU count (default 130)
  --min-area MM2        smallest 2D lesion area in mm^2 (default 1)
  --mass-factor C       calibration factor in mg HA/cm^3 per HU for calcium mass; a factor in the
                        header (0018,9351) takes precedence. Without either, mass is not reported.
  --seeds FILE          JSON [{"pointMm":[x,y,z],"artery":"LAD"}, ...] in patient mm (LPS); every
                        lesion a seed touches (within 2 mm) takes that artery (LM, LAD, LCX, RCA, or
                        OTHER = not coronary). Seeds always win over automatic labels.
  --no-auto             do not run automatic artery labelling (default: the anatomy rules propose an
                        artery or OTHER for every lesion; proposals are marked "automatic, not
                        reviewed" and decision support waits for a reader's review). Without it,
                        lesions without a seed stay UNASSIGNED and are left out of the totals.
  --labeller NAME       rules (default: anatomy rules, whole lesions by the heart's grooves) or
                        model (the shipped ONNX model, models/cac-labeller.*; CACS_MODEL=manifest)
  --force               score even when the input checks find errors (they become warnings, the
                        result is provisional and carries no guideline text)
  --clinical FILE       JSON with the MESA inputs (ageYears, sex, race, diabetes, currentSmoker,
                        systolicBpMmHg, antihypertensiveMedication, totalCholesterolMgDl, hdlMgDl or
                        ...MmolL, lipidLoweringMedication, familyHistoryOfHeartAttack): adds the MESA
                        10-year CHD risk with CAC beside the guideline text (risk in the JSON, stored SR)

Output:
  --format table|json   table for people (default), json for scripts
${STORE_HELP}
${PRIOR_HELP}
  --progress            progress on stderr even when stderr is not a terminal

Exit codes: 0 scored (and stored); 2 bad input (one line on stderr says what to fix); 3 scored and
printed, but the archive did not take the result (kept in the outbox, named on stderr);
1 internal error.`;


/** The options of `cacs score`, one a line (cli/args.ts). */
const SPEC: OptionTable = {
  format: { type: 'string' },
  seeds: { type: 'string' },
  clinical: { type: 'string' },
  threshold: { type: 'string' },
  'min-area': { type: 'string' },
  'mass-factor': { type: 'string' },
  dicomweb: { type: 'string' },
  study: { type: 'string' },
  series: { type: 'string' },
  prior: { type: 'string' },
  ...STORE_OPTIONS,
  'no-auto': { type: 'boolean' },
  labeller: { type: 'string' },
  progress: { type: 'boolean' },
  'allow-gaps': { type: 'boolean' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export async function scoreCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'score');
  if (args.flags.has('help')) {
    process.stdout.write(`${SCORE_HELP}\n`);
    return 0;
  }
  const format = args.values.get('format') ?? 'table';
  if (format !== 'json' && format !== 'table') throw new UsageError(`--format must be json or table (got '${format}')`);
  const labellerName = args.values.get('labeller') ?? 'rules';
  if (labellerName !== 'rules' && labellerName !== 'model') throw new UsageError(`--labeller must be rules or model (got '${labellerName}')`);
  const labeller: 'rules' | 'model' = labellerName;
  if (args.flags.has('no-auto') && args.values.has('labeller')) throw new UsageError('--labeller chooses the automatic labeller, which --no-auto switches off; give one of them');
  const settings: Partial<ScoringSettings> = {};
  const threshold = numberOption(args, 'threshold', 'a calcium threshold in HU, e.g. 130', 1, 3000);
  if (threshold !== undefined) settings.thresholdHu = threshold;
  const minArea = numberOption(args, 'min-area', 'an area in mm^2, e.g. 1', 0, 100);
  if (minArea !== undefined) settings.minAreaMm2 = minArea;
  const massFactor = numberOption(args, 'mass-factor', 'a calibration factor in mg HA/cm^3 per HU, e.g. 0.78', 1e-6, 100);
  if (massFactor !== undefined) {
    settings.massFactor = massFactor;
    settings.massFactorSource = 'user';
  }
  const storeTo = storeSettings(args);
  const seedsFile = args.values.get('seeds');
  const seeds: SeedPoint[] = seedsFile !== undefined ? readSeedsFile(seedsFile) : [];
  const clinicalFile = args.values.get('clinical');
  const clinical = clinicalFile !== undefined ? readClinicalFile(clinicalFile) : null;

  const dicomweb = args.values.get('dicomweb');
  const study = args.values.get('study');
  const seriesUid = args.values.get('series');
  if (args.positionals.length > 1) throw new UsageError(`cacs score takes one folder (got ${args.positionals.length}: ${args.positionals.join(' ')})`);
  const folder = args.positionals[0];
  if (dicomweb !== undefined && folder !== undefined) throw new UsageError('give either a folder or --dicomweb URL --study UID, not both');
  if (dicomweb === undefined && study !== undefined) throw new UsageError('--study needs --dicomweb URL');
  if (dicomweb !== undefined && study === undefined) throw new UsageError('--dicomweb needs --study UID (the study to score)');
  if (dicomweb === undefined && folder === undefined) throw new UsageError('no input: cacs score <folder>, or --dicomweb URL --study UID (see cacs score --help)');
  const priorRequest = args.values.get('prior')?.trim();
  if (priorRequest !== undefined) {
    if (priorRequest === '') throw new UsageError('--prior needs a StudyInstanceUID or auto');
    if (priorRequest !== 'auto' && !/^[0-9]+(\.[0-9]+)*$/.test(priorRequest)) throw new UsageError(`--prior must be a StudyInstanceUID (digits and dots) or auto (got '${priorRequest}')`);
    if (!storeTo && dicomweb === undefined) throw new UsageError('--prior reads the prior result from the archive: give --store URL or --dicomweb URL');
  }

  const progress = new Progress(args.flags.has('progress') || Boolean(process.stderr.isTTY));
  // CACS_TIMING=1: phase times on stderr (used by scripts/bench.ts to say where the time goes).
  const phase = phaseTimer((name, ms) => process.stderr.write(`timing ${name} ${ms.toFixed(0)} ms\n`));
  phase('start');
  const scored = await scoreSeries({
    input: dicomweb !== undefined ? { dicomweb, studyUid: study!, seriesUid } : { folder: folder!, seriesUid },
    settings,
    seeds,
    clinical,
    force: args.flags.has('force'),
    allowGaps: args.flags.has('allow-gaps'),
    labeller: args.flags.has('no-auto') ? null : labeller,
    timeoutMs: timeoutMs(args),
    progress,
    phase,
  });
  const { result, source, autoLabelling } = scored;
  // --prior: the patient's earlier calcium result, from the archive results are stored in.
  let prior: { lookup: Awaited<ReturnType<typeof findPrior>>; comparison: PriorComparison | null } | null = null;
  if (priorRequest !== undefined) {
    const src = scored.volume.source;
    const lookup = await findPrior({
      requested: priorRequest,
      url: storeTo ? storeTo.url : checkArchiveUrl(dicomweb!, '--dicomweb'),
      timeoutMs: timeoutMs(args),
      current: { studyInstanceUid: src.studyInstanceUid, studyDate: src.studyDate, patientId: src.patientId },
      progress,
    });
    const comparison = lookup.report
      ? comparePrior(snapshotOfResult(result, src, settingsParameters(result.settings)), snapshotOfReport(lookup.report))
      : null;
    prior = { lookup, comparison };
    phase('prior');
  }
  // The score is printed whatever happens to the store (cli/store.ts keeps what is not stored).
  let stored: StoreReport | null = null;
  let storeError: unknown = null;
  if (storeTo) {
    try {
      stored = await storeScore({ result, lesionSet: scored.lesionSet, assignment: scored.assignment, volume: scored.volume, prior: prior?.comparison ?? null }, storeTo, progress);
      result.warnings.push(...stored.warnings);
    } catch (e) {
      storeError = e;
    }
  }
  phase('store');
  const priorOut = prior ? priorJson(prior.lookup, prior.comparison) : undefined;
  if (format === 'json') process.stdout.write(`${JSON.stringify({ ...resultJson(result, source, { autoLabelling }), ...(priorOut ? { prior: priorOut } : {}), ...(stored ? { stored } : {}) }, null, 2)}\n`);
  else {
    process.stdout.write(`${resultTable(result, source, { autoLabelling, prior: priorOut })}\n`);
    if (stored) process.stdout.write(`\n${stored.message}\n`);
  }
  phase('output');
  if (storeError) throw storeError;
  if (stored && !stored.ok) {
    process.stderr.write(`cacs: ${stored.message}\n`);
    return 3;
  }
  return 0;
}
