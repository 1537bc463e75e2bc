/**
 * Small synthetic CT Part-10 files built with dcmjs, for the reader's edge cases
 * (several series, localizers, corrupt files, gaps). Pixels are stored values; HU = stored
 * x slope + intercept as in a real scanner's output.
 */
import dcmjs from 'dcmjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const RLE = '1.2.840.10008.1.2.5';
export const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';

let uidCounter = 0;
export function uid(): string {
  uidCounter++;
  return `2.25.${process.pid}${Date.now() % 100000}${uidCounter}`;
}

export interface SliceOptions {
  studyUid: string;
  seriesUid: string;
  frameUid?: string;
  z: number;
  rows?: number;
  columns?: number;
  /** Stored values, rows x columns; default: all `fill`. */
  stored?: Int16Array | Uint16Array;
  fill?: number;
  slope?: number;
  intercept?: number;
  pixelRepresentation?: 0 | 1;
  orientation?: number[];
  pixelSpacing?: [number, number];
  imageType?: string[];
  seriesDescription?: string;
  instanceNumber?: number;
  extra?: Record<string, unknown>;
}

/** A naturalized CT slice dataset (pixel data included). */
export function ctSlice(o: SliceOptions): Record<string, unknown> {
  const rows = o.rows ?? 8;
  const columns = o.columns ?? 8;
  const pr = o.pixelRepresentation ?? 0;
  const stored = o.stored ?? (pr === 1 ? new Int16Array(rows * columns).fill(o.fill ?? 0) : new Uint16Array(rows * columns).fill(o.fill ?? 1024));
  return {
    SOPClassUID: CT_IMAGE,
    SOPInstanceUID: uid(),
    StudyInstanceUID: o.studyUid,
    SeriesInstanceUID: o.seriesUid,
    FrameOfReferenceUID: o.frameUid ?? '2.25.1',
    Modality: 'CT',
    ImageType: o.imageType ?? ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    PatientName: 'TEST^READER',
    PatientID: 'R1',
    StudyDate: '20260101',
    SeriesDescription: o.seriesDescription ?? 'CaSc 3.0',
    SeriesNumber: 2,
    InstanceNumber: o.instanceNumber ?? 1,
    Manufacturer: 'SYNTHETIC',
    KVP: 120,
    SliceThickness: 3,
    ConvolutionKernel: 'B35f',
    ImagePositionPatient: [-10, -10, o.z],
    ImageOrientationPatient: o.orientation ?? [1, 0, 0, 0, 1, 0],
    PixelSpacing: o.pixelSpacing ?? [0.5, 0.5],
    Rows: rows,
    Columns: columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: pr === 1 ? 16 : 12,
    HighBit: pr === 1 ? 15 : 11,
    PixelRepresentation: pr,
    RescaleSlope: o.slope ?? 1,
    RescaleIntercept: o.intercept ?? -1024,
    ...o.extra,
    PixelData: stored.buffer.slice(stored.byteOffset, stored.byteOffset + stored.byteLength),
    _vrMap: { PixelData: 'OW' },
  };
}

/** Write a naturalized dataset as Part-10 bytes. */
export function part10(dataset: Record<string, unknown>, transferSyntaxUid = EXPLICIT_LE): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: '2.25.999',
    ImplementationVersionName: 'CACS-TEST',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

/** A series of `count` slices stepping `stepMm` from z0; `fill(k)` gives slice k's stored value. */
export function series(count: number, opts: Partial<SliceOptions> & { z0?: number; stepMm?: number; fillOf?: (k: number) => number } = {}) {
  const studyUid = opts.studyUid ?? uid();
  const seriesUid = opts.seriesUid ?? uid();
  const out: Record<string, unknown>[] = [];
  for (let k = 0; k < count; k++) {
    out.push(ctSlice({ ...opts, studyUid, seriesUid, z: (opts.z0 ?? 0) + k * (opts.stepMm ?? 3), fill: opts.fillOf ? opts.fillOf(k) : opts.fill, instanceNumber: k + 1 }));
  }
  return { studyUid, seriesUid, datasets: out };
}

export function asFiles(datasets: Record<string, unknown>[], prefix = 'slice', transferSyntaxUid = EXPLICIT_LE) {
  return datasets.map((d, n) => ({ name: `${prefix}-${String(n).padStart(3, '0')}.dcm`, bytes: part10(d, transferSyntaxUid) }));
}

/** Write files into a fresh temporary folder; returns its path. */
export function writeFolder(files: { name: string; bytes: Uint8Array }[], prefix = 'cacs-read-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.bytes);
  return dir;
}
