/**
 * Thin edge over dcmjs: naturalized dataset <-> Part-10 bytes, UIDs, DICOM date/time and DS
 * formatting. Pure (no node: imports): runs in the browser, a Worker and Node.
 */
// dcmjs ships no type declarations; the few calls used here are typed below.
// @ts-ignore -- untyped package
import dcmjs from 'dcmjs';

/** A dataset in dcmjs "naturalized" form (keyword -> value). */
export type Dataset = Record<string, unknown>;

interface DcmjsData {
  DicomDict: new (meta: unknown) => { dict: unknown; write(opts?: unknown): ArrayBuffer };
  DicomMessage: { readFile(buffer: ArrayBuffer, opts?: unknown): { meta: unknown; dict: unknown } };
  DicomMetaDictionary: {
    denaturalizeDataset(ds: unknown): unknown;
    naturalizeDataset(ds: unknown): Dataset;
  };
}
const data = (dcmjs as { data: DcmjsData }).data;

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** The project's implementation class UID root (a 2.25 UUID-derived UID, PS3.5 B.2). */
export const IMPLEMENTATION_CLASS_UID = '2.25.186416587126812349012375923518234191';
export const IMPLEMENTATION_VERSION_NAME = 'OHIF_CACS_0.1';

/** Serialise a naturalized dataset to a Part-10 file (explicit VR little endian). */
export function writePart10(ds: Dataset): Uint8Array {
  const sopClassUid = ds.SOPClassUID as string;
  const sopInstanceUid = ds.SOPInstanceUID as string;
  if (!sopClassUid || !sopInstanceUid) throw new Error('writePart10: dataset has no SOPClassUID / SOPInstanceUID');
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  const dict = new data.DicomDict(data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = data.DicomMetaDictionary.denaturalizeDataset(ds);
  return new Uint8Array(dict.write());
}

/** Parse a Part-10 file into a naturalized dataset. */
export function readPart10(bytes: Uint8Array): Dataset {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const msg = data.DicomMessage.readFile(buffer);
  const ds = data.DicomMetaDictionary.naturalizeDataset(msg.dict);
  const meta = data.DicomMetaDictionary.naturalizeDataset(msg.meta);
  (ds as Dataset)._meta = meta;
  return ds;
}

/**
 * A new globally unique UID under the 2.25 root (PS3.5 B.2: a UUID as one decimal integer).
 * Uses crypto.getRandomValues, present in browsers, Workers and Node >= 19.
 */
export function newUid(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // UUID version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return `2.25.${n.toString()}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** DICOM DA (YYYYMMDD) in UTC. */
export function dicomDate(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}
/** DICOM TM (HHMMSS.ffffff) in UTC. */
export function dicomTime(d: Date): string {
  return `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`;
}
/** DICOM DT in UTC with an explicit offset, so "which version is newest" never depends on local time. */
export function dicomDateTime(d: Date): string {
  return `${dicomDate(d)}${dicomTime(d)}+0000`;
}

/** A number as a DS string (at most 16 characters, PS3.5 6.2). */
export function ds(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`ds: not a finite number: ${value}`);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  for (let p = 10; p >= 1; p--) {
    const s = String(Number(value.toPrecision(p)));
    if (s.length <= 16) return s;
  }
  return value.toExponential(6);
}

/** First element of a multi-valued attribute, or the value itself. */
export function first<T = unknown>(v: unknown): T | undefined {
  return (Array.isArray(v) ? v[0] : v) as T | undefined;
}

/** A PN value from dcmjs (string or {Alphabetic}) as plain text. */
export function personName(v: unknown): string | null {
  const f = first<unknown>(v);
  if (f == null) return null;
  if (typeof f === 'string') return f;
  if (typeof f === 'object' && f && 'Alphabetic' in f) return String((f as { Alphabetic: unknown }).Alphabetic ?? '');
  return String(f);
}
