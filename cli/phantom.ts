/**
 * `cacs phantom`: write a synthetic non-contrast chest CT with known calcium as Part-10 files
 * plus truth.json (where every calcification is, its artery, size and peak HU), for tests,
 * demos and benchmarking a scorer against a known answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, numberOption, parseArgs, type OptionTable } from './args';
import { generatePhantom, randomPlaques, truthToJson, type PhantomOptions, type PlaqueSpec } from '../core/phantom/index';
import { ctFileName, writeCtSeries } from '../core/dicom/write-ct';

export const PHANTOM_HELP = `Usage: cacs phantom --out DIR [options]

Writes a synthetic non-contrast chest CT (one Part-10 file per slice, CT Image Storage,
Explicit VR Little Endian, HU in signed 16-bit pixels), DIR/truth.json with every
calcification's artery, centre (patient mm), radii and peak HU, and DIR/seeds.json with those
centres as seeds for \`cacs score DIR --seeds DIR/seeds.json\`.

Options:
  --out DIR                  output folder (created if missing)              (required)
  --geometry gated|nongated  gated: 200 mm cardiac FOV, 3 mm slices;
                             nongated: 350 mm chest FOV                       (default gated)
  --seed N                   noise and UIDs: same seed, same files            (default 1)
  --size N                   matrix size, rows = columns (16-1024)            (default 512)
  --slices N                 number of slices           (default gated 48, nongated 240 mm / increment)
  --thickness MM             slice thickness, 0.5-10 mm                       (default 3)
  --increment MM             distance between slices                          (default = thickness)
  --noise HU                 standard deviation of image noise (0 = none)     (default 12)
  --kvp KV                   tube voltage written in the header               (default 120)
  --mass-factor C            write (0018,9351) Calcium Scoring Mass Factor Patient
  --plaques FILE.json        calcifications: a JSON array of
                             {"site": "LM|LAD|LCX|RCA|aortic-wall|aortic-valve|mitral-annulus",
                              "at": 0..1, "sizeMm": mm, "widthMm": mm, "peakHu": HU}
                             (default: the demo set, a few plaques per artery + aortic wall)
  --random-plaques N         N random coronary plaques (from --seed) plus 2 distractors,
                             instead of the demo set
  --vary-anatomy             vary the heart with the seed (position, tilt, size, coronary
                             courses) instead of the reference heart
  --metal                    add a sternal wire (~3000 HU)
  --partial-volume           average each slice over its thickness (small plaques lose
                             peak HU and area, as on a scanner); default: exact peaks
  --help                     this text`;

/** The options of `cacs phantom`, one a line (cli/args.ts). */
const SPEC: OptionTable = {
  out: { type: 'string' },
  geometry: { type: 'string' },
  seed: { type: 'string' },
  size: { type: 'string' },
  slices: { type: 'string' },
  thickness: { type: 'string' },
  increment: { type: 'string' },
  noise: { type: 'string' },
  kvp: { type: 'string' },
  'mass-factor': { type: 'string' },
  plaques: { type: 'string' },
  'random-plaques': { type: 'string' },
  metal: { type: 'boolean' },
  'partial-volume': { type: 'boolean' },
  'vary-anatomy': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function readPlaques(file: string): PlaqueSpec[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the plaques file ${file}: check the path`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the plaques file ${file} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(parsed)) throw new UsageError(`the plaques file ${file} must hold a JSON array of plaques (see cacs phantom --help)`);
  return parsed as PlaqueSpec[];
}

/** Parse, generate, write; errors the user can fix are thrown as UsageError. */
async function phantom(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'phantom');
  if (args.flags.has('help')) {
    process.stdout.write(`${PHANTOM_HELP}\n`);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (did you mean --out ${args.positionals[0]}?)`);
  const out = args.values.get('out');
  if (!out) throw new UsageError('--out DIR is required: the folder to write the phantom to (see cacs phantom --help)');
  const geometry = args.values.get('geometry') ?? 'gated';
  if (geometry !== 'gated' && geometry !== 'nongated') throw new UsageError(`--geometry must be gated or nongated (got '${geometry}')`);
  const integer = (name: string, what: string, min: number, max: number) => {
    const v = numberOption(args, name, what, min, max);
    if (v !== undefined && !Number.isInteger(v)) throw new UsageError(`--${name} must be a whole number (got ${v})`);
    return v;
  };
  const opts: PhantomOptions = {
    geometry,
    seed: integer('seed', 'an integer seed', 0, 2 ** 31 - 1),
    size: integer('size', 'the matrix size', 16, 1024),
    slices: integer('slices', 'the number of slices', 1, 2000),
    sliceThicknessMm: numberOption(args, 'thickness', 'the slice thickness in mm', 0.5, 10),
    sliceIncrementMm: numberOption(args, 'increment', 'the slice increment in mm', 0.1, 10),
    noiseSdHu: numberOption(args, 'noise', 'the noise standard deviation in HU', 0, 200),
    kvp: numberOption(args, 'kvp', 'the tube voltage in kV', 70, 150),
    massFactorPatient: numberOption(args, 'mass-factor', 'the mass calibration factor (mg/cm^3/HU)', 0.1, 5) ?? null,
    metal: args.flags.has('metal'),
    partialVolume: args.flags.has('partial-volume'),
    anatomyVariation: args.flags.has('vary-anatomy'),
  };
  const plaquesFile = args.values.get('plaques');
  const randomCount = integer('random-plaques', 'the number of random coronary plaques', 0, 40);
  if (plaquesFile && randomCount !== undefined) throw new UsageError('give either --plaques FILE or --random-plaques N, not both');
  if (plaquesFile) opts.plaques = readPlaques(plaquesFile);
  if (randomCount !== undefined) opts.plaques = randomPlaques(opts.seed ?? 1, { coronary: randomCount });

  let generated;
  try {
    generated = generatePhantom(opts);
  } catch (e) {
    // The generator's RangeErrors describe a bad option or plaque: the user's to fix.
    if (e instanceof RangeError) throw new UsageError(e.message.replace(/^phantom: /, ''));
    throw e;
  }
  const { volume, truth } = generated;
  const files = writeCtSeries(volume);
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch {
    throw new UsageError(`cannot create the output folder ${out}: check the path and permissions`);
  }
  files.forEach((bytes, k) => fs.writeFileSync(path.join(out, ctFileName(k)), bytes));
  fs.writeFileSync(path.join(out, 'truth.json'), truthToJson(truth));
  // The clicks a reader would make: each calcification's centre with its artery (OTHER for the
  // distractors), in the format of `cacs score --seeds`.
  const seedLines = truth.plaques.map((p) => `  {"pointMm": [${p.centreMm.map((v) => Math.round(v * 1e4) / 1e4).join(', ')}], "artery": "${p.artery}"}`);
  fs.writeFileSync(path.join(out, 'seeds.json'), `[\n${seedLines.join(',\n')}\n]\n`);
  const coronary = truth.plaques.filter((p) => p.kind === 'coronary').length;
  process.stdout.write(
    `wrote ${files.length} CT images (${volume.columns} x ${volume.rows}, ${volume.facts.sliceThicknessMm} mm, ${geometry})` +
      `, truth.json and seeds.json (${coronary} coronary, ${truth.plaques.length - coronary} other) to ${out}\n` +
      `study ${volume.source.studyInstanceUid}\n`,
  );
  return 0;
}

/** `cacs phantom ARGS`: resolves to the exit code (0 done, 2 bad input with one line on stderr). */
export async function runPhantom(argv: string[]): Promise<number> {
  try {
    return await phantom(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cacs: ${e.message.split('\n')[0]}\n`);
      return 2;
    }
    throw e;
  }
}

/** The name cli/main.ts looks for. */
export const phantomCommand = runPhantom;
