/**
 * Write a CtVolume as a series of single-frame Part-10 CT Image Storage files
 * (PS3.3 A.3 CT Image IOD; PS3.10 file format), Explicit VR Little Endian, signed 16-bit
 * pixels holding HU directly (RescaleSlope 1, RescaleIntercept 0).
 *
 * Headers look like a real scanner's: patient / study / series / equipment / frame of
 * reference modules, image plane geometry, CT acquisition parameters (KVP, kernel, slice
 * thickness, spacing), window, and for ECG-gated series the cardiac synchronisation
 * attributes a prospectively triggered calcium-score scan carries (trigger time, nominal
 * cardiac phase, heart rate, synchronisation technique). Written by the one Part-10 writer
 * (./part10.ts).
 */
import type { CtVolume } from '../types';
import { writePart10 } from './part10';
import { formatDs } from './values';

export interface WriteCtOptions {
  /** Display window (HU); default a soft-tissue window 40 / 400. */
  windowCenter?: number;
  windowWidth?: number;
  /** Heart rate (bpm) written for gated series; default 62. */
  heartRateBpm?: number;
  /** Nominal cardiac phase (% of R-R) of a prospectively triggered scan; default 70. */
  cardiacPhasePercent?: number;
  /**
   * Store unsigned pixels (HU + 1024, RescaleIntercept -1024) as many scanners do, instead of
   * signed HU with intercept 0; readers must apply the rescale once either way.
   */
  unsigned?: boolean;
  /** Extra or overriding attributes, by dcmjs keyword (naturalized values). */
  extra?: Record<string, unknown>;
}

/** DICOM TM from seconds after midnight (HHMMSS.FFF). */
function formatTm(seconds: number): string {
  const s = ((seconds % 86400) + 86400) % 86400;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(hh)}${two(mm)}${ss.toFixed(3).padStart(6, '0')}`;
}

function tmToSeconds(tm: string | null): number {
  if (!tm || !/^\d{2}/.test(tm)) return 9 * 3600;
  return Number(tm.slice(0, 2)) * 3600 + Number(tm.slice(2, 4) || 0) * 60 + Number(tm.slice(4) || 0);
}

/**
 * The naturalized (dcmjs keyword -> value) dataset of slice k, without pixel data.
 * Exposed so tests and tools can inspect headers without parsing bytes.
 */
export function ctSliceDataset(volume: CtVolume, k: number, opts: WriteCtOptions = {}): Record<string, unknown> {
  const { facts, source } = volume;
  const inst = volume.instances[k];
  if (!inst) throw new RangeError(`slice ${k} has no instance (volume has ${volume.instances.length})`);
  const position = volume.imagePositionsMm[k];
  const gated = facts.gated === true;
  const studyTime = tmToSeconds(source.studyTime);
  const seriesTime = studyTime + 5 * 60;
  // Slices of one prospective acquisition, 0.28 s rotation: acquisition time advances per slice.
  const acquisitionTime = seriesTime - 60 + (volume.slices - 1 - k) * 0.05;
  const heartRate = opts.heartRateBpm ?? 62;
  const phase = opts.cardiacPhasePercent ?? 70;
  const rrMs = 60000 / heartRate;
  const sliceLocation = position[0] * volume.normal[0] + position[1] * volume.normal[1] + position[2] * volume.normal[2];
  const fovMm = volume.columns * volume.columnSpacingMm;
  const ds: Record<string, unknown> = {
    // SOP Common (C.12.1)
    SpecificCharacterSet: 'ISO_IR 100',
    SOPClassUID: inst.sopClassUid,
    SOPInstanceUID: inst.sopInstanceUid,
    InstanceCreationDate: source.studyDate ?? '',
    InstanceCreationTime: formatTm(seriesTime),
    // General Image (C.7.6.1) + CT Image (C.8.2.1)
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    StudyDate: source.studyDate ?? '',
    SeriesDate: source.studyDate ?? '',
    AcquisitionDate: source.studyDate ?? '',
    ContentDate: source.studyDate ?? '',
    StudyTime: source.studyTime ?? '',
    SeriesTime: formatTm(seriesTime),
    AcquisitionTime: formatTm(acquisitionTime),
    ContentTime: formatTm(acquisitionTime + 20),
    AccessionNumber: source.accessionNumber ?? '',
    Modality: facts.modality || 'CT',
    Manufacturer: facts.manufacturer ?? '',
    InstitutionName: 'Calcium Scoring Test Site',
    ReferringPhysicianName: source.referringPhysicianName ?? '',
    StationName: 'PHANTOM01',
    StudyDescription: source.studyDescription ?? '',
    SeriesDescription: source.seriesDescription ?? '',
    ManufacturerModelName: facts.manufacturerModelName ?? '',
    // Patient (C.7.1.1)
    PatientName: source.patientName ?? '',
    PatientID: source.patientId ?? '',
    PatientBirthDate: source.patientBirthDate ?? '',
    PatientSex: source.patientSex ?? '',
    PatientAge: source.patientAge ?? '',
    // CT acquisition (C.8.2.1, General Equipment C.7.5.1)
    BodyPartExamined: gated ? 'HEART' : 'CHEST',
    ScanOptions: gated ? 'CARDIAC' : 'HELICAL',
    SliceThickness: formatDs(facts.sliceThicknessMm ?? volume.sliceIncrementMm),
    KVP: facts.kvp === null ? '' : formatDs(facts.kvp),
    SpacingBetweenSlices: formatDs(volume.sliceIncrementMm),
    DataCollectionDiameter: formatDs(500),
    DeviceSerialNumber: '0001',
    SoftwareVersions: 'cacs-phantom 1',
    ProtocolName: gated ? 'Calcium Score' : 'Chest',
    ReconstructionDiameter: formatDs(fovMm),
    DistanceSourceToDetector: formatDs(1085.6),
    DistanceSourceToPatient: formatDs(595),
    GantryDetectorTilt: formatDs(facts.gantryTiltDeg ?? 0),
    TableHeight: formatDs(150),
    RotationDirection: 'CW',
    ExposureTime: gated ? 280 : 500,
    XRayTubeCurrent: gated ? 80 : 150,
    Exposure: gated ? 22 : 75,
    FilterType: 'BODY',
    GeneratorPower: 12,
    FocalSpots: [formatDs(1.2)],
    ConvolutionKernel: facts.convolutionKernel ?? '',
    PatientPosition: 'HFS',
    RevolutionTime: 0.28,
    SingleCollimationWidth: 0.6,
    TotalCollimationWidth: gated ? 38.4 : 19.2,
    CTDIvol: gated ? 2.8 : 6.5,
    // CTDIvol is only interpretable with its phantom (PS3.3 C.8.2.1; CID 4052).
    CTDIPhantomTypeCodeSequence: [{ CodeValue: '113691', CodingSchemeDesignator: 'DCM', CodeMeaning: 'IEC Body Dosimetry Phantom' }],
    // General Study / Series (C.7.2.1, C.7.3.1)
    StudyInstanceUID: source.studyInstanceUid,
    SeriesInstanceUID: source.seriesInstanceUid,
    StudyID: source.studyId ?? '',
    SeriesNumber: source.seriesNumber ?? 1,
    AcquisitionNumber: 1,
    InstanceNumber: inst.instanceNumber ?? k + 1,
    // Image Plane (C.7.6.2) and Frame of Reference (C.7.4.1)
    ImagePositionPatient: position.map(formatDs),
    ImageOrientationPatient: [...volume.rowCosines, ...volume.columnCosines].map(formatDs),
    FrameOfReferenceUID: source.frameOfReferenceUid ?? '',
    PositionReferenceIndicator: '',
    SliceLocation: formatDs(sliceLocation),
    // Image Pixel (C.7.6.3): signed 16-bit HU
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: volume.rows,
    Columns: volume.columns,
    PixelSpacing: [formatDs(volume.rowSpacingMm), formatDs(volume.columnSpacingMm)],
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: opts.unsigned ? 0 : 1,
    // VOI LUT (C.11.2) and modality LUT in the CT Image module
    WindowCenter: formatDs(opts.windowCenter ?? 40),
    WindowWidth: formatDs(opts.windowWidth ?? 400),
    RescaleIntercept: opts.unsigned ? '-1024' : '0',
    RescaleSlope: '1',
    RescaleType: 'HU',
  };
  if (source.frameOfReferenceUid === null) throw new Error('writeCtSeries: the volume has no FrameOfReferenceUID; a CT image needs one');
  if (!gated) {
    // Helical acquisition; a prospectively triggered (sequential) scan has no table speed or pitch.
    ds.TableSpeed = 46;
    ds.SpiralPitchFactor = 1.2;
  }
  if (gated) {
    // What a prospectively ECG-triggered calcium-score acquisition carries in classic CT images
    // from major vendors: trigger delay in ms after the R wave, heart rate, synchronisation
    // technique and nominal phase. None is part of the classic CT Image IOD (they come from the
    // MR / enhanced cardiac modules), so dciodvfy lists them as "Standard Extended" attributes;
    // readers use them to recognise a gated scan.
    ds.TriggerTime = formatDs(Math.round((rrMs * phase) / 100));
    ds.HeartRate = Math.round(heartRate);
    ds.CardiacSynchronizationTechnique = 'PROSPECTIVE';
    ds.NominalPercentageOfCardiacPhase = phase;
  }
  // Contrast/Bolus module (C.7.6.4): say "NONE" for a non-contrast series, so readers know rather than guess.
  if (facts.contrast === false) ds.ContrastBolusAgent = 'NONE';
  else if (facts.contrast === true) ds.ContrastBolusAgent = facts.contrastAgent ?? 'CONTRAST';
  if (facts.massFactorPatient !== null && facts.massFactorPatient !== undefined) {
    ds.CalciumScoringMassFactorPatient = facts.massFactorPatient;
  }
  Object.assign(ds, opts.extra ?? {});
  return ds;
}

/** VRs dcmjs cannot infer or that must be explicit (multi-VR pixel data). */
const VR_MAP = { PixelData: 'OW' };

/** Little-endian bytes of slice k: signed HU, or unsigned HU + 1024 (clamped at 0). */
function slicePixels(volume: CtVolume, k: number, unsigned: boolean): ArrayBuffer {
  const n = volume.rows * volume.columns;
  const buffer = new ArrayBuffer(n * 2);
  const view = new DataView(buffer);
  const offset = k * n;
  if (unsigned) for (let p = 0; p < n; p++) view.setUint16(p * 2, Math.max(0, volume.hu[offset + p] + 1024), true);
  else for (let p = 0; p < n; p++) view.setInt16(p * 2, volume.hu[offset + p], true);
  return buffer;
}

/** Check the volume is writable as CT images, with a message that says what is wrong. */
function checkVolume(volume: CtVolume): void {
  const { rows, columns, slices } = volume;
  if (!(rows > 0 && columns > 0 && slices > 0)) throw new RangeError(`writeCtSeries: empty volume (${columns} x ${rows} x ${slices})`);
  if (volume.hu.length !== rows * columns * slices)
    throw new RangeError(`writeCtSeries: ${volume.hu.length} voxels for ${columns} x ${rows} x ${slices}`);
  if (volume.imagePositionsMm.length !== slices || volume.instances.length !== slices)
    throw new RangeError('writeCtSeries: need one image position and one instance per slice');
}

/** One Part-10 file per slice (index k = slice k of the volume). */
export function writeCtSeries(volume: CtVolume, opts: WriteCtOptions = {}): Uint8Array[] {
  checkVolume(volume);
  const files: Uint8Array[] = [];
  for (let k = 0; k < volume.slices; k++) {
    const ds = ctSliceDataset(volume, k, opts);
    ds.PixelData = [slicePixels(volume, k, opts.unsigned === true)];
    ds._vrMap = VR_MAP;
    files.push(writePart10(ds));
  }
  return files;
}

/** File names for a written series: zero-padded instance order, e.g. CT000001.dcm. */
export function ctFileName(index: number): string {
  return `CT${String(index + 1).padStart(6, '0')}.dcm`;
}
