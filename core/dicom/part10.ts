/**
 * The one Part-10 layer of the product (PS3.10): naturalized dataset <-> file bytes, DICOM JSON
 * (PS3.18 F.2, what QIDO-RS and WADO-RS metadata return) -> naturalized dataset, and how the
 * product names itself in every file it writes (File Meta Information). Over dcmjs; pure (no
 * node: imports): runs in the browser, a Worker and Node.
 */
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
/**
 * Implementation Class UID (0002,0012) of every file the product writes: a fixed UUID-derived
 * UID (PS3.5 B.2), so no organisational root is needed.
 */
export const IMPLEMENTATION_CLASS_UID = '2.25.186416587126812349012375923518234191';
/** Implementation Version Name (0002,0013), SH: at most 16 characters. */
export const IMPLEMENTATION_VERSION_NAME = 'OHIF_CACS_0.1';

/**
 * Serialise a naturalized dataset to a Part-10 file, Explicit VR Little Endian. VRs dcmjs cannot
 * infer (e.g. OW pixel data) go in `ds._vrMap`, as dcmjs expects.
 */
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

/** Parse a Part-10 file into a naturalized dataset; its File Meta Information is in `_meta`. */
export function readPart10(bytes: Uint8Array): Dataset {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const msg = data.DicomMessage.readFile(buffer);
  const ds = data.DicomMetaDictionary.naturalizeDataset(msg.dict);
  ds._meta = data.DicomMetaDictionary.naturalizeDataset(msg.meta);
  return ds;
}

/** A DICOM JSON dataset (tag "GGGGEEEE" -> { vr, Value }) as a naturalized dataset. */
export function fromDicomJson(json: Record<string, unknown>): Dataset {
  return data.DicomMetaDictionary.naturalizeDataset(json);
}
