/**
 * Malformed CT series for the input-safety tests, built from the project's own phantom
 * (core/phantom + core/dicom/write-ct.ts) and then edited with dcmjs the way a broken
 * exporter, a bad anonymiser or a damaged disk would: wrong rescale, wrong pixel depth,
 * impossible sizes, one corrupt compressed slice.
 */
import dcmjs from 'dcmjs';
import * as codecsNs from 'dcmjs-codecs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generatePhantom } from '../../core/phantom/index';
import type { PhantomTruth } from '../../core/phantom/types';
import { ctFileName, writeCtSeries } from '../../core/dicom/write-ct';
import { initCodecs } from '../../core/dicom/pixels';

export const TS_EXPLICIT = '1.2.840.10008.1.2.1';
export const TS_RLE = '1.2.840.10008.1.2.5';
export const TS_JPEG_LS = '1.2.840.10008.1.2.4.80';
export const TS_JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';

type Dataset = Record<string, unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const codecs: typeof codecsNs = ((codecsNs as any).default ?? codecsNs) as typeof codecsNs;

const phantomCache = new Map<string, { files: Uint8Array[]; truth: PhantomTruth }>();

function phantom(opts: { size?: number; slices?: number }): { files: Uint8Array[]; truth: PhantomTruth } {
  const key = `${opts.size ?? 128}x${opts.slices ?? 48}`;
  let cached = phantomCache.get(key);
  if (!cached) {
    const { volume, truth } = generatePhantom({ size: opts.size ?? 128, slices: opts.slices ?? 48, seed: 7 });
    cached = { files: writeCtSeries(volume), truth };
    phantomCache.set(key, cached);
  }
  return cached;
}

/** The truth (plaque centres per artery) of the phantom behind phantomDatasets. */
export function phantomTruth(opts: { size?: number; slices?: number } = {}): PhantomTruth {
  return phantom(opts).truth;
}

/** A small gated phantom with calcium (seeded, so identical on every run), as naturalized datasets with pixel bytes. */
export function phantomDatasets(opts: { size?: number; slices?: number } = {}): Dataset[] {
  // Parsed afresh on every call, so callers may edit their copy.
  return phantom(opts).files.map((bytes) => {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const message = dcmjs.data.DicomMessage.readFile(buffer);
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict) as Dataset;
    const pixels = ds.PixelData as ArrayBuffer[] | ArrayBuffer;
    ds.PixelData = new Uint8Array(Array.isArray(pixels) ? pixels[0] : pixels).slice();
    return ds;
  });
}

/** Pixel bytes of a dataset from phantomDatasets. */
export function pixelBytes(ds: Dataset): Uint8Array {
  return ds.PixelData as Uint8Array;
}

/** Part-10 bytes; `frame` (already encoded for `transferSyntaxUid`) replaces the pixel bytes. */
export function toPart10(ds: Dataset, transferSyntaxUid = TS_EXPLICIT, frame: Uint8Array = pixelBytes(ds)): Uint8Array {
  const encapsulated = transferSyntaxUid !== TS_EXPLICIT;
  const copy: Dataset = { ...ds, PixelData: [frame.slice().buffer], _vrMap: { PixelData: encapsulated ? 'OB' : 'OW' } };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: '2.25.4242',
    ImplementationVersionName: 'CACS-MALFORMED',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(copy);
  return new Uint8Array(dict.write());
}

/** Compress one slice's pixels (signed 16-bit) with dcmjs-codecs. */
export async function encodeFrame(ds: Dataset, transferSyntaxUid: string): Promise<Uint8Array> {
  await initCodecs();
  const ctx = new codecs.Context({
    width: ds.Columns as number,
    height: ds.Rows as number,
    bitsAllocated: 16,
    bitsStored: 16,
    samplesPerPixel: 1,
    pixelRepresentation: 1,
    planarConfiguration: 0,
    photometricInterpretation: 'MONOCHROME2',
    decodedBuffer: pixelBytes(ds),
  });
  const encoded =
    transferSyntaxUid === TS_RLE
      ? codecs.NativeCodecs.encodeRle(ctx, {})
      : transferSyntaxUid === TS_JPEG_LS
        ? codecs.NativeCodecs.encodeJpegLs(ctx, { lossy: false })
        : codecs.NativeCodecs.encodeJpeg(ctx, { lossy: false, predictor: 1, pointTransform: 0 });
  return encoded.getEncodedBuffer()!.slice();
}

/** A fresh temporary folder. */
export function tmpDir(prefix = 'cacs-malformed-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Write Part-10 files into `dir` (created), named CT000001.dcm ... */
export function writeFiles(dir: string, files: Uint8Array[]): string {
  fs.mkdirSync(dir, { recursive: true });
  files.forEach((bytes, k) => fs.writeFileSync(path.join(dir, ctFileName(k)), bytes));
  return dir;
}

/** The phantom with `edit` applied to every dataset, written uncompressed into a new folder. */
export function editedSeries(edit: (ds: Dataset, k: number) => void, opts: { size?: number; slices?: number } = {}): string {
  const datasets = phantomDatasets(opts);
  datasets.forEach(edit);
  return writeFiles(tmpDir(), datasets.map((d) => toPart10(d)));
}

/** The phantom compressed with `transferSyntaxUid`; `corrupt` may damage slice k's bitstream. */
export async function compressedSeries(
  transferSyntaxUid: string,
  corrupt?: (frame: Uint8Array, k: number) => Uint8Array,
  opts: { size?: number; slices?: number; edit?: (ds: Dataset, k: number) => void } = {},
): Promise<string> {
  const datasets = phantomDatasets(opts);
  const files: Uint8Array[] = [];
  for (const [k, ds] of datasets.entries()) {
    let frame = await encodeFrame(ds, transferSyntaxUid);
    if (corrupt) frame = corrupt(frame, k);
    opts.edit?.(ds, k);
    files.push(toPart10(ds, transferSyntaxUid, frame));
  }
  return writeFiles(tmpDir(), files);
}
