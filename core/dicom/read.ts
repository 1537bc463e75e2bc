/**
 * DICOM CT series -> CtVolume (Hounsfield units, slices sorted along the slice normal).
 *
 * Pure: takes bytes, never touches the file system or the network, so the CLI, a browser
 * Worker and the tests read series the same way. Part-10 parsing is dcmjs; compressed pixel
 * data is decoded by dcmjs-codecs' WebAssembly (see ./pixels.ts: `await initCodecs()` once
 * before reading a compressed series; uncompressed series need nothing).
 *
 * What a folder can hold and what happens to it:
 * - files that are not DICOM Part-10 (no "DICM" at byte 128: README, LICENSE, DICOMDIR-less junk)
 *   are skipped and reported in `skipped`;
 * - a file that claims to be DICOM but cannot be parsed is an error naming the file;
 * - localizers (ImageType LOCALIZER/SCOUT/TOPOGRAM), SR, SEG, PR, KO and other non-image
 *   objects are set aside; other modalities (PET of a PET/CT) are listed but not scored;
 * - several series: the only CT axial series with more than one slice is read, or the
 *   caller must name one (error listing uid, description and slice count of each).
 */
import dcmjs from 'dcmjs';
import type { CtVolume, SeriesFacts, SourceContext, Vec3 } from '../types';
import { has, num, nums, str, strs, type NaturalDataset } from './dataset';
import { GeometryError, volumeGeometry } from './geometry';
import { cross, norm } from '../math';
import { checkPixelModule, MAX_CT_MATRIX, MAX_VOLUME_VOXELS } from '../checks';
import { checkEncodedFrame, decodeFailureMessage, frameToHu, isSupportedTransferSyntax, needsCodecs, transferSyntaxName, TS, type PixelLayout } from './pixels';

export { initCodecs, codecsReady } from './pixels';
export type { NaturalDataset } from './dataset';

/** An input file: a name for messages and its bytes. */
export interface DicomFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * The input cannot be read as one CT series, for a reason the user can fix (wrong folder,
 * several series, missing slices, corrupt file). `message` is one line saying what and what to do.
 */
export class DicomReadError extends Error {
  override name = 'DicomReadError';
  constructor(
    message: string,
    readonly series: SeriesSummary[] = [],
  ) {
    super(message);
  }
}

// dcmjs reports unknown VRs of private elements (e.g. Canon's implicit-VR private groups) on
// the console for every file; they are harmless to the reader, so its validation log stays quiet.
dcmjs.log?.getLogger?.('validation.dcmjs')?.setLevel?.('silent');
// Its other messages (e.g. "Invalid length for fixed length tag" on a damaged header) would reach
// stderr beside the reader's own one-line report of the problem (found by npm run fuzz): silent too.
(dcmjs.log as { setLevel?: (level: string) => void } | undefined)?.setLevel?.('silent');

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const ENHANCED_CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2.1';
const MEDIA_DIRECTORY_STORAGE = '1.2.840.10008.1.3.10';
const NON_IMAGE_MODALITIES = new Set(['SR', 'SEG', 'PR', 'KO', 'DOC', 'REG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'FID', 'PLAN']);

/** One parsed file: header (without pixels), transfer syntax and its raw pixel frames. */
export interface ParsedInstance {
  name: string;
  dataset: NaturalDataset;
  transferSyntaxUid: string;
  /** Pixel data as stored: one entry per frame (uncompressed bytes or the compressed bitstream). */
  frames: Uint8Array[] | null;
  kind: 'image' | 'localizer' | 'non-image';
}

/** What a folder holds, per series (to choose one, or to tell the user what is there). */
export interface SeriesSummary {
  seriesInstanceUid: string;
  seriesNumber: number | null;
  seriesDescription: string | null;
  modality: string | null;
  /** Image files of the series that are not localizers. */
  sliceCount: number;
  localizerCount: number;
  nonImageCount: number;
  /** Why the series cannot be scored; null when it can. */
  notScorable: string | null;
}

export interface ReadOptions {
  /** SeriesInstanceUID to read when the files hold several series. */
  seriesUid?: string;
  /** How the caller's user names a series choice in messages (the CLI says "pass --series UID"). */
  chooseSeriesHint?: string;
  /** Build the volume even when slices are missing (a warning instead of an error). */
  allowGaps?: boolean;
  /** Called after each slice is decoded (for progress displays). */
  onSlice?: (done: number, total: number) => void;
}

export interface ReadResult {
  volume: CtVolume;
  /** Reader warnings (skipped files, spacing, tilt): add them to the scoring result's warnings. */
  warnings: string[];
  /** Files that were not used, with the reason. */
  skipped: { name: string; reason: string }[];
  /** Every series found, the scored one included. */
  series: SeriesSummary[];
}

/** Whether the bytes are a DICOM Part-10 file (128-byte preamble + "DICM", PS3.10 7.1). */
export function isDicomPart10(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** Parse one Part-10 file. Throws DicomReadError naming the file when it cannot be parsed. */
export function parseInstance(file: DicomFile): ParsedInstance {
  const { bytes } = file;
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  let message: { dict: Record<string, unknown>; meta: Record<string, { Value?: unknown[] }> };
  let dataset: NaturalDataset;
  try {
    message = dcmjs.data.DicomMessage.readFile(buffer);
    dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
  } catch (e) {
    throw new DicomReadError(`${file.name}: not a readable DICOM file (${oneLine(e)}); remove it or replace it with a good copy`);
  }
  const transferSyntaxUid = String(message.meta['00020010']?.Value?.[0] ?? TS.explicitLittle).replace(/\0/g, '').trim();
  const pixelData = dataset.PixelData as unknown;
  delete dataset.PixelData;
  // (0018,9351) Calcium Scoring Mass Factor Patient: keep it even if the dictionary lacks the keyword.
  const massFactorRaw = (message.dict['00189351'] as { Value?: unknown[] } | undefined)?.Value?.[0];
  if (dataset.CalciumScoringMassFactorPatient === undefined && massFactorRaw !== undefined) dataset.CalciumScoringMassFactorPatient = massFactorRaw;
  return { name: file.name, dataset, transferSyntaxUid, frames: framesOf(pixelData, dataset, transferSyntaxUid), kind: classify(dataset, pixelData !== undefined) };
}

function framesOf(pixelData: unknown, ds: NaturalDataset, tsUid: string): Uint8Array[] | null {
  if (pixelData === undefined || pixelData === null) return null;
  const list = (Array.isArray(pixelData) ? pixelData : [pixelData]).map((p) =>
    p instanceof Uint8Array ? p : ArrayBuffer.isView(p) ? new Uint8Array(p.buffer, p.byteOffset, p.byteLength) : new Uint8Array(p as ArrayBuffer),
  );
  const frameCount = num(ds, 'NumberOfFrames') ?? 1;
  if (needsCodecs(tsUid) && frameCount === 1 && list.length > 1) {
    // One frame split into several fragments (PS3.5 A.4): join them into one bitstream.
    const total = list.reduce((s, f) => s + f.byteLength, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const f of list) {
      joined.set(f, at);
      at += f.byteLength;
    }
    return [joined];
  }
  return list;
}

function classify(ds: NaturalDataset, hasPixels: boolean): ParsedInstance['kind'] {
  const sopClass = str(ds, 'SOPClassUID') ?? '';
  const modality = (str(ds, 'Modality') ?? '').toUpperCase();
  if (sopClass === MEDIA_DIRECTORY_STORAGE || NON_IMAGE_MODALITIES.has(modality) || !hasPixels || !has(ds, 'Rows')) return 'non-image';
  return isLocalizer(ds) ? 'localizer' : 'image';
}

/** A localizer (scout, topogram) by its ImageType: a projection image, not a slice of the volume. */
export function isLocalizer(ds: NaturalDataset): boolean {
  return strs(ds, 'ImageType').some((t) => t === 'LOCALIZER' || t === 'SCOUT' || t === 'TOPOGRAM');
}

/**
 * Series summaries from header-only datasets (e.g. DICOMweb series metadata, where pixel data is
 * a BulkDataURI): lets a client choose the series before retrieving any pixels.
 */
export function summariseDatasets(datasets: NaturalDataset[]): SeriesSummary[] {
  return summariseSeries(
    datasets.map((d, n) => ({ name: `instance ${n + 1}`, dataset: d, transferSyntaxUid: TS.explicitLittle, frames: null, kind: classify(d, has(d, 'Rows')) })),
  );
}

/** Group instances by series and say which can be scored. */
export function summariseSeries(instances: ParsedInstance[]): SeriesSummary[] {
  const groups = new Map<string, ParsedInstance[]>();
  for (const inst of instances) {
    const uid = str(inst.dataset, 'SeriesInstanceUID') ?? '(no SeriesInstanceUID)';
    const g = groups.get(uid);
    if (g) g.push(inst);
    else groups.set(uid, [inst]);
  }
  const out: SeriesSummary[] = [];
  for (const [uid, list] of groups) {
    const images = list.filter((i) => i.kind === 'image');
    const ref = images[0] ?? list[0];
    const modality = str(ref.dataset, 'Modality');
    const summary: SeriesSummary = {
      seriesInstanceUid: uid,
      seriesNumber: num(ref.dataset, 'SeriesNumber'),
      seriesDescription: str(ref.dataset, 'SeriesDescription'),
      modality,
      sliceCount: images.length,
      localizerCount: list.filter((i) => i.kind === 'localizer').length,
      nonImageCount: list.filter((i) => i.kind === 'non-image').length,
      notScorable: null,
    };
    summary.notScorable = whyNotScorable(summary, images);
    out.push(summary);
  }
  // Most slices first: the likeliest choice heads any list shown to the user.
  return out.sort((a, b) => b.sliceCount - a.sliceCount);
}

function whyNotScorable(s: SeriesSummary, images: ParsedInstance[]): string | null {
  if (s.sliceCount === 0) {
    if (s.localizerCount > 0) return 'localizer';
    return `no images (${s.modality ?? 'unknown modality'})`;
  }
  if ((s.modality ?? '').toUpperCase() !== 'CT') return `modality ${s.modality ?? 'unknown'}, not CT`;
  const sopClass = str(images[0].dataset, 'SOPClassUID');
  if (sopClass === ENHANCED_CT_IMAGE_STORAGE || (num(images[0].dataset, 'NumberOfFrames') ?? 1) > 1) {
    return 'multi-frame (Enhanced CT) images are not supported yet';
  }
  if (sopClass !== CT_IMAGE_STORAGE) return `SOP class ${sopClass ?? 'missing'} is not CT Image Storage`;
  if (s.sliceCount < 2) return 'a single slice';
  const iop = nums(images[0].dataset, 'ImageOrientationPatient', 6);
  if (iop) {
    const n = cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]);
    // Axial (up to ~35 degrees of gantry tilt): the slice normal runs mostly head-foot.
    if (Math.abs(n[2]) / norm(n) < 0.8) return 'not axial (sagittal, coronal or oblique reformat)';
  }
  return null;
}

export function describeSeries(s: SeriesSummary): string {
  const desc = s.seriesDescription ? ` "${s.seriesDescription}"` : '';
  const what = s.notScorable ? `, ${s.notScorable}` : '';
  return `${s.seriesInstanceUid}${desc} (${s.modality ?? '?'}, ${s.sliceCount} slice${s.sliceCount === 1 ? '' : 's'}${what})`;
}

/** Pick the series to score. Throws DicomReadError (listing the series) when none or several fit. */
export function chooseSeries(series: SeriesSummary[], opts: ReadOptions = {}): SeriesSummary {
  const hint = opts.chooseSeriesHint ?? 'choose one by its SeriesInstanceUID';
  const list = series.map(describeSeries).join('; ');
  if (opts.seriesUid) {
    const s = series.find((x) => x.seriesInstanceUid === opts.seriesUid);
    if (!s) throw new DicomReadError(`series ${opts.seriesUid} is not among the files; found: ${list}`, series);
    if (s.notScorable) throw new DicomReadError(`series ${opts.seriesUid} cannot be scored: ${s.notScorable}`, series);
    return s;
  }
  const candidates = series.filter((s) => !s.notScorable);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new DicomReadError(`no axial CT series with more than one slice found; found: ${list || 'no DICOM images'}`, series);
  }
  throw new DicomReadError(`${candidates.length} CT series could be scored, ${hint}: ${candidates.map(describeSeries).join('; ')}`, series);
}

/**
 * Read a CT series from Part-10 files: parse, choose the series, sort and check the slices,
 * decode and rescale the pixels once. Synchronous; compressed data needs `await initCodecs()` first.
 */
export function readSeries(files: DicomFile[], opts: ReadOptions = {}): ReadResult {
  const planned = planSeries(files, opts);
  const { geometry, jobs } = planned.plan;
  const hu = new Int16Array(geometry.columns * geometry.rows * geometry.slices);
  for (const job of jobs) {
    decodeSlice(job, hu);
    opts.onSlice?.(job.k + 1, jobs.length);
  }
  return { volume: { ...geometry, hu }, warnings: planned.warnings, skipped: planned.skipped, series: planned.series };
}

/** readSeries without the decoding: for callers that decode the slices themselves (in parallel). */
export function planSeries(files: DicomFile[], opts: ReadOptions = {}): Omit<ReadResult, 'volume'> & { plan: VolumePlan } {
  const skipped: ReadResult['skipped'] = [];
  const instances: ParsedInstance[] = [];
  for (const f of files) {
    if (!isDicomPart10(f.bytes)) {
      skipped.push({ name: f.name, reason: 'not a DICOM file' });
      continue;
    }
    instances.push(parseInstance(f));
  }
  if (instances.length === 0) {
    const why = 'DICOM Part-10 files have "DICM" at byte 128';
    throw new DicomReadError(
      files.length === 0
        ? 'no files to read'
        : files.length === 1
          ? `the only file, ${files[0].name}, is not DICOM (${why})`
          : `none of the ${files.length} files is DICOM (${why})`,
    );
  }
  const series = summariseSeries(instances);
  const chosen = chooseSeries(series, opts);
  const warnings: string[] = [];
  for (const inst of instances) {
    const uid = str(inst.dataset, 'SeriesInstanceUID') ?? '(no SeriesInstanceUID)';
    if (uid !== chosen.seriesInstanceUid) skipped.push({ name: inst.name, reason: `other series ${uid}` });
    else if (inst.kind === 'localizer') skipped.push({ name: inst.name, reason: 'localizer' });
    else if (inst.kind === 'non-image') skipped.push({ name: inst.name, reason: 'not an image' });
  }
  const notDicom = skipped.filter((s) => s.reason === 'not a DICOM file');
  if (notDicom.length > 0) {
    const names = notDicom.slice(0, 3).map((s) => s.name).join(', ') + (notDicom.length > 3 ? ', ...' : '');
    warnings.push(`${notDicom.length} file${notDicom.length === 1 ? ' is' : 's are'} not DICOM and ${notDicom.length === 1 ? 'was' : 'were'} skipped: ${names}`);
  }
  if (chosen.localizerCount > 0) warnings.push(`${chosen.localizerCount} localizer image${chosen.localizerCount === 1 ? '' : 's'} in the series skipped`);
  const others = series.filter((s) => s !== chosen);
  if (others.length > 0) warnings.push(`other series in the input not scored: ${others.map(describeSeries).join('; ')}`);
  const slices = instances.filter((i) => i.kind === 'image' && (str(i.dataset, 'SeriesInstanceUID') ?? '(no SeriesInstanceUID)') === chosen.seriesInstanceUid);
  const plan = planVolume(slices, opts);
  return { plan, warnings: [...warnings, ...plan.warnings], skipped, series };
}

/** The agreed entry point: files -> CtVolume (warnings dropped; use readSeries to keep them). */
export function readSeriesFromFiles(files: DicomFile[], opts: ReadOptions = {}): CtVolume {
  return readSeries(files, opts).volume;
}

/**
 * Naturalized datasets (each with PixelData; optionally `TransferSyntaxUID`, default explicit VR
 * little endian) of ONE series -> CtVolume. For callers that already hold datasets.
 */
export function datasetsToVolume(datasets: NaturalDataset[], opts: ReadOptions = {}): CtVolume {
  const instances = datasets.map((d, n): ParsedInstance => {
    const { PixelData, ...dataset } = d;
    const tsUid = str(d, 'TransferSyntaxUID') ?? TS.explicitLittle;
    return { name: `dataset ${n + 1}`, dataset, transferSyntaxUid: tsUid, frames: framesOf(PixelData, d, tsUid), kind: classify(d, PixelData !== undefined) };
  });
  return assembleVolume(instances.filter((i) => i.kind === 'image'), opts).volume;
}

/** One slice to decode: where it goes (slice index k) and how its stored values become HU. */
export interface SliceJob {
  k: number;
  name: string;
  frame: Uint8Array;
  transferSyntaxUid: string;
  layout: PixelLayout;
}

/** A checked, sorted series before its pixels are decoded: geometry, decode jobs, warnings. */
export interface VolumePlan {
  geometry: Omit<CtVolume, 'hu'>;
  jobs: SliceJob[];
  warnings: string[];
}

/** Decode one slice into its place in `hu` (length columns x rows x slices). */
export function decodeSlice(job: SliceJob, hu: Int16Array): void {
  const sliceSize = job.layout.rows * job.layout.columns;
  try {
    frameToHu(job.frame, job.transferSyntaxUid, job.layout, hu.subarray(job.k * sliceSize, (job.k + 1) * sliceSize));
  } catch (e) {
    if (/initCodecs/.test(oneLine(e))) throw e; // a programming error of the caller, not the user's file
    throw new DicomReadError(decodeFailureMessage(job.name, e));
  }
}

/** Sort, check and decode the image instances of one series into a volume. */
export function assembleVolume(slicesIn: ParsedInstance[], opts: ReadOptions = {}): { volume: CtVolume; warnings: string[] } {
  const plan = planVolume(slicesIn, opts);
  const hu = new Int16Array(plan.geometry.columns * plan.geometry.rows * plan.geometry.slices);
  for (const job of plan.jobs) {
    decodeSlice(job, hu);
    opts.onSlice?.(job.k + 1, plan.jobs.length);
  }
  return { volume: { ...plan.geometry, hu }, warnings: plan.warnings };
}

/** Sort and check the image instances of one series (everything but decoding the pixels). */
export function planVolume(slicesIn: ParsedInstance[], opts: ReadOptions = {}): VolumePlan {
  const warnings: string[] = [];
  if (slicesIn.length < 2) throw new DicomReadError(`a volume needs at least 2 slices, the series has ${slicesIn.length}`);
  // Size, orientation, spacing, order, copies, gaps and tilt: core/dicom/geometry.ts (shared with the viewer).
  let planned: ReturnType<typeof volumeGeometry<ParsedInstance>>;
  try {
    planned = volumeGeometry(slicesIn, { allowGaps: opts.allowGaps });
  } catch (e) {
    if (e instanceof GeometryError) throw new DicomReadError(e.message);
    throw e;
  }
  const { geometry } = planned;
  const { rows, columns } = geometry;
  warnings.push(...planned.warnings);

  const sliceCount = planned.slices.length;
  const sliceSize = rows * columns;
  if (sliceSize * sliceCount > MAX_VOLUME_VOXELS && rows <= MAX_CT_MATRIX && columns <= MAX_CT_MATRIX) {
    throw new DicomReadError(
      `${sliceCount} slices of ${columns} x ${rows} pixels (${Math.round((sliceSize * sliceCount) / 1e6)} million voxels) is more than the scorer holds in memory (${Math.round(MAX_VOLUME_VOXELS / 1e6)} million); score a 3 mm reconstruction of the heart instead`,
    );
  }
  const jobs: SliceJob[] = [];
  for (let k = 0; k < sliceCount; k++) {
    const inst = planned.slices[k];
    const ds = inst.dataset;
    if (!isSupportedTransferSyntax(inst.transferSyntaxUid)) {
      throw new DicomReadError(`${inst.name}: transfer syntax ${transferSyntaxName(inst.transferSyntaxUid)} is not supported; convert the series (e.g. dcmdjpeg/gdcmconv --raw) first`);
    }
    if (!inst.frames || inst.frames.length === 0) throw new DicomReadError(`${inst.name}: no pixel data`);
    if ((num(ds, 'SamplesPerPixel') ?? 1) !== 1) throw new DicomReadError(`${inst.name}: colour image (SamplesPerPixel ${num(ds, 'SamplesPerPixel')}), not a CT slice`);
    const layout: PixelLayout = {
      rows,
      columns,
      bitsAllocated: num(ds, 'BitsAllocated') ?? 16,
      bitsStored: num(ds, 'BitsStored') ?? num(ds, 'BitsAllocated') ?? 16,
      pixelRepresentation: num(ds, 'PixelRepresentation') === 1 ? 1 : 0,
      slope: num(ds, 'RescaleSlope') ?? 1,
      intercept: num(ds, 'RescaleIntercept') ?? 0,
      paddingValue: num(ds, 'PixelPaddingValue'),
      paddingRangeLimit: num(ds, 'PixelPaddingRangeLimit'),
    };
    const compressed = needsCodecs(inst.transferSyntaxUid);
    const headerProblem = checkPixelModule(layout, compressed ? null : inst.frames[0].byteLength);
    if (headerProblem) throw new DicomReadError(`${inst.name}: ${headerProblem}`);
    const frameProblem = compressed ? checkEncodedFrame(inst.frames[0], inst.transferSyntaxUid, layout) : null;
    if (frameProblem) throw new DicomReadError(`${inst.name}: ${frameProblem}`);
    const bytesNeeded = sliceSize * (layout.bitsAllocated / 8);
    if (!compressed && inst.frames[0].byteLength < bytesNeeded) {
      throw new DicomReadError(`${inst.name}: pixel data holds ${inst.frames[0].byteLength} bytes, ${rows}x${columns} pixels need ${bytesNeeded}; the file is truncated`);
    }
    jobs.push({ k, name: inst.name, frame: inst.frames[0], transferSyntaxUid: inst.transferSyntaxUid, layout });
  }
  return { geometry, jobs, warnings };
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
