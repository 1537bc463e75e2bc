/**
 * `cacs anatomy <folder> --png DIR [--labels] [--reader FILE]`: check images of the anatomy
 * finder (core/anatomy) on any series, so anyone can see at once where the heart, aorta, bone,
 * lungs, exclusion zones and landmarks went (core/encode/check-images.ts draws them), plus
 * anatomy.json (the landmarks, volumes, found flag, warnings, timings) and captions.txt.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Anatomy } from '../core/anatomy/index';
import type { LesionSet } from '../core/scoring/detect';
import type { CtVolume, LesionLabel, Vec3 } from '../core/types';
import { dist } from '../core/math';
import { parseArgs, UsageError, type OptionTable } from './args';
import { Progress, readFolder } from './folder';

export const ANATOMY_HELP = `cacs anatomy: check images of the anatomy finder on a CT series

Usage:
  cacs anatomy <folder> --png DIR [--labels] [--reader FILE] [--series UID] [--allow-gaps]

Writes into DIR (created when missing):
  axial-root.png        the axial slice nearest the aortic root
  axial-midheart.png    the axial slice through the heart centre (40 mm below the root without one)
  coronal.png           coronal reformat through the root (patient's right on the image left)
  sagittal.png          sagittal reformat through the root (anterior on the image left)
  anatomy.json          root, apex, carina, heart centre and volume, aorta radius, found, warnings, timings
  captions.txt          what each image shows, one paragraph per image
Drawn: outlines of the anatomy labels (heart red, aorta yellow, bone blue, lung faint cyan),
exclusion zones as tints, the finder's landmarks as green crosses (R root, A apex, C carina),
tracked aorta centres as yellow dots, and every calcium candidate (>= 130 HU, 1 mm^2) on the plane.

Options:
  --png DIR             folder for the images (required)
  --labels              run the automatic labeller and colour the candidates by its labels
                        (LM, LAD, LCX, RCA in their colours, OTHER light grey, UNASSIGNED white);
                        without it every candidate is white
  --reader FILE         a reader-label JSON whose "landmarksMm" holds aorticRoot, apex, carina
                        ([x,y,z] in patient mm, LPS, or null): drawn as magenta circles, and each
                        landmark's distance from the finder's is printed
  --series UID          SeriesInstanceUID to use when the folder holds several CT series
  --allow-gaps          use a series with missing slices (warned) instead of refusing it
  --progress            progress on stderr even when stderr is not a terminal

Exit codes: 0 written; 2 bad input (one line on stderr says what to fix); 1 internal error.`;

const SPEC: OptionTable = {
  png: { type: 'string' },
  labels: { type: 'boolean' },
  reader: { type: 'string' },
  series: { type: 'string' },
  'allow-gaps': { type: 'boolean' },
  progress: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** A reader's landmarks (patient mm, LPS); null where the reader gave none. */
export interface ReaderLandmarks {
  aorticRoot: Vec3 | null;
  apex: Vec3 | null;
  carina: Vec3 | null;
}

const LANDMARK_KEYS = ['aorticRoot', 'apex', 'carina'] as const;

/** Reads the landmarks of a reader-label JSON (e.g. shared/data/reader-labels/acrin.json). */
export function readReaderLandmarks(file: string): ReaderLandmarks {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `--reader file ${file} does not exist` : `--reader file ${file} cannot be read (${code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--reader file ${file} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const marks = (json as { landmarksMm?: unknown } | null)?.landmarksMm;
  if (typeof marks !== 'object' || marks === null || Array.isArray(marks)) {
    throw new UsageError(`--reader file ${file} has no "landmarksMm" object (expected {"landmarksMm": {"aorticRoot": [x,y,z], "apex": [x,y,z], "carina": [x,y,z]}})`);
  }
  const out: ReaderLandmarks = { aorticRoot: null, apex: null, carina: null };
  for (const key of LANDMARK_KEYS) {
    const p = (marks as Record<string, unknown>)[key];
    if (p === undefined || p === null) continue;
    if (!Array.isArray(p) || p.length !== 3 || !p.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new UsageError(`--reader file ${file}: landmarksMm.${key} must be three numbers [x, y, z] in patient mm (LPS) or null, got ${JSON.stringify(p)}`);
    }
    out[key] = [p[0], p[1], p[2]];
  }
  if (LANDMARK_KEYS.every((k) => out[k] === null)) throw new UsageError(`--reader file ${file}: landmarksMm gives none of ${LANDMARK_KEYS.join(', ')}`);
  return out;
}

/**
 * Checks the output folder: a path that exists and is not a folder, or lies under a file, is
 * refused in one line. Returns whether it exists already.
 */
function checkOutputDir(dir: string): boolean {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' ? 'a part of the path is a file' : (code ?? String(e));
    throw new UsageError(`--png ${dir} cannot be used (${why}): give a folder for the check images`);
  }
  if (st && !st.isDirectory()) throw new UsageError(`--png ${dir} exists and is a file, not a folder: give a folder for the check images (it is created when missing)`);
  return st !== undefined;
}

/** Makes the output folder (checked by checkOutputDir first). */
function makeOutputDir(dir: string): void {
  if (checkOutputDir(dir)) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a part of the path is a file' : (code ?? String(e));
    throw new UsageError(`--png ${dir} cannot be created (${why}): give a folder for the check images`);
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const vec = (p: Vec3 | null) => (p ? p.map(round1) : null);

export interface AnatomyCommandIo {
  /** Where the command's lines go (default: stdout). */
  out?: (line: string) => void;
}

export async function anatomyCommand(argv: string[], io: AnatomyCommandIo = {}): Promise<number> {
  const say = io.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const args = parseArgs(argv, SPEC, 'anatomy');
  if (args.flags.has('help')) {
    say(ANATOMY_HELP);
    return 0;
  }
  if (args.positionals.length > 1) throw new UsageError(`cacs anatomy takes one folder (got ${args.positionals.length}: ${args.positionals.join(' ')})`);
  const folder = args.positionals[0];
  if (folder === undefined) throw new UsageError('no input: cacs anatomy <folder> --png DIR (see cacs anatomy --help)');
  const outDir = args.values.get('png');
  if (outDir === undefined) throw new UsageError('--png DIR is required: the folder to write the check images into (see cacs anatomy --help)');
  if (outDir.trim() === '') throw new UsageError('--png needs a folder name (got an empty one)');
  const readerFile = args.values.get('reader');
  const reader = readerFile !== undefined ? readReaderLandmarks(readerFile) : null;
  checkOutputDir(outDir); // refuse a bad target at once; the folder is made once the series is read

  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const t = performance.now();
    timings[name] = Math.round(t - mark);
    mark = t;
  };
  const progress = new Progress(args.flags.has('progress') || Boolean(process.stderr.isTTY));
  const read = await import('../core/dicom/read');
  const codecsReady = read.initCodecs();
  codecsReady.catch(() => {}); // awaited below; an input error first must not leave an unhandled rejection
  const notes: string[] = [];
  const files = readFolder(folder, progress, notes);
  await codecsReady;
  // A DicomReadError is a user error: main.ts reports it in one line with exit code 2.
  const r = read.readSeries(files, {
    seriesUid: args.values.get('series'),
    chooseSeriesHint: 'pass --series UID',
    allowGaps: args.flags.has('allow-gaps'),
    onSlice: (done, total) => progress.update('decoding slices', done, total),
  });
  const volume: CtVolume = r.volume;
  const readWarnings = [...notes, ...r.warnings];
  files.length = 0;
  makeOutputDir(outDir);
  lap('read');

  const { findAnatomy } = await import('../core/anatomy/index');
  progress.note(`finding the anatomy of ${volume.columns}x${volume.rows}x${volume.slices} voxels`);
  const anatomy: Anatomy = findAnatomy(volume);
  lap('anatomy');

  let lesionSet: LesionSet;
  let labelOf: ((id: number) => { label: LesionLabel; fineClass: string | null }) | undefined;
  let labelling: string | null = null;
  if (args.flags.has('labels')) {
    const core = await import('../core/index');
    // The check images show what the labeller makes of any series: score it even where the input
    // checks object (their findings stay in the scorer's warnings).
    const scored = core.scoreVolume(volume, { ignoreErrors: true });
    lap('detect');
    const { autoLabelScored } = await import('./labeller');
    const labelled = await autoLabelScored(volume, scored, { anatomy });
    labelling = labelled.note;
    lesionSet = scored.lesionSet;
    const assignment = scored.assignment;
    labelOf = (id) => ({ label: assignment.labelOfComponent(id), fineClass: assignment.fineClassOfComponent(id) });
    lap('label');
  } else {
    const { detectLesions } = await import('../core/scoring/detect');
    lesionSet = detectLesions(volume);
    lap('detect');
  }

  // The exclusion zones as the rule labeller applies them (a point-sized lesion at each place).
  const { exclusionZones } = await import('../core/labelling/rules');
  exclusionZones(anatomy);
  lap('zones');

  const { renderAnatomyChecks } = await import('../core/encode/check-images');
  const images = renderAnatomyChecks(volume, anatomy, { lesionSet, labelOf, reader: reader ?? undefined });
  lap('render');

  const written: string[] = [];
  for (const image of images) {
    const file = path.join(outDir, image.name);
    fs.writeFileSync(file, image.png);
    written.push(`${file}  ${image.width}x${image.height}`);
  }
  const readerReport = reader
    ? Object.fromEntries(
        LANDMARK_KEYS.map((key) => {
          const finder = key === 'aorticRoot' ? anatomy.aorticRootMm : key === 'apex' ? anatomy.apexMm : anatomy.carinaMm;
          const mark = reader[key];
          return [key, { reader: vec(mark), finder: vec(finder), distanceMm: mark && finder ? round1(dist(mark, finder)) : null }];
        }),
      )
    : null;
  const json = {
    source: {
      from: folder,
      studyInstanceUid: volume.source.studyInstanceUid,
      seriesInstanceUid: volume.source.seriesInstanceUid,
      seriesDescription: volume.source.seriesDescription,
      size: [volume.columns, volume.rows, volume.slices],
      spacingMm: [volume.columnSpacingMm, volume.rowSpacingMm, volume.sliceIncrementMm],
    },
    found: anatomy.found,
    warnings: anatomy.warnings,
    readWarnings,
    aorticRootMm: vec(anatomy.aorticRootMm),
    apexMm: vec(anatomy.apexMm),
    carinaMm: vec(anatomy.carinaMm),
    heartCentreMm: vec(anatomy.heartCentreMm),
    heartVolumeMl: round1(anatomy.heartVolumeMl),
    lungVolumeMl: round1(anatomy.lungVolumeMl),
    aortaRadiusMm: anatomy.aortaRadiusMm === null ? null : round1(anatomy.aortaRadiusMm),
    ascendingAortaSections: anatomy.ascendingAorta.length,
    descendingAortaSections: anatomy.descendingAorta.length,
    candidates: lesionSet.components.length,
    labelling,
    reader: readerReport,
    images: images.map((i) => ({ name: i.name, width: i.width, height: i.height })),
    timingsMs: { ...timings, anatomySteps: anatomy.timingsMs },
  };
  const jsonFile = path.join(outDir, 'anatomy.json');
  fs.writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  written.push(jsonFile);
  const captionsFile = path.join(outDir, 'captions.txt');
  fs.writeFileSync(captionsFile, `${images.map((i) => i.caption).join('\n\n')}\n`);
  written.push(captionsFile);

  for (const line of written) say(line);
  say(`anatomy ${anatomy.found ? 'found' : 'NOT found'}${anatomy.warnings.length > 0 ? `: ${anatomy.warnings.join(' ')}` : ''}`);
  if (labelling) say(labelling);
  if (readerReport) {
    for (const key of LANDMARK_KEYS) {
      const r = readerReport[key] as { reader: number[] | null; finder: number[] | null; distanceMm: number | null };
      if (!r.reader) continue;
      say(r.distanceMm !== null ? `reader ${key}: ${r.distanceMm.toFixed(1)} mm from the finder's` : `reader ${key}: the finder found none`);
    }
  }
  return 0;
}
