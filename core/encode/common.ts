/**
 * Modules every derived object shares: Patient, General Study, General Equipment, SOP Common.
 * Copied from the source CT (SourceContext) so SEG, SR and PDF land in the CT's study.
 */
import type { SourceContext, VolumeGeometry } from '../types';
import { dicomDate, dicomTime, type Dataset } from './dicom-io';

/** Who made the objects (General Equipment, SR Device Observer, SEG Algorithm Identification). */
export const PRODUCT = Object.freeze({
  manufacturer: 'OHIF calcium scoring (open source)',
  modelName: 'ohif-calcium-scoring',
  softwareVersion: '0.1.0',
  /** Algorithm name written when no learned model proposed the labels. */
  algorithmName: 'Threshold 2D components + rule-based artery assignment',
});

/** How an object identifies itself in the archive: series number base and descriptions. */
export const SERIES = Object.freeze({
  segNumberBase: 9100,
  srNumberBase: 9200,
  pdfNumberBase: 9300,
});

/** When and by whom (version) a result is written; one value shared by SEG, SR and PDF. */
export interface WriteContext {
  /** Content date/time of all objects of one result. */
  now: Date;
  /** Report version, 1 for the first, 2 for the first correction, ... */
  version: number;
}

export function patientStudyModules(src: SourceContext): Dataset {
  const out: Dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    PatientName: src.patientName ?? '',
    PatientID: src.patientId ?? '',
    PatientBirthDate: src.patientBirthDate ?? '',
    PatientSex: src.patientSex ?? '',
    StudyInstanceUID: src.studyInstanceUid,
    StudyDate: src.studyDate ?? '',
    StudyTime: src.studyTime ?? '',
    StudyID: src.studyId ?? '',
    AccessionNumber: src.accessionNumber ?? '',
    ReferringPhysicianName: src.referringPhysicianName ?? '',
  };
  if (src.patientAge) out.PatientAge = src.patientAge;
  if (src.studyDescription) out.StudyDescription = src.studyDescription;
  return out;
}

export function equipmentModule(): Dataset {
  return {
    Manufacturer: PRODUCT.manufacturer,
    ManufacturerModelName: PRODUCT.modelName,
    SoftwareVersions: PRODUCT.softwareVersion,
    DeviceSerialNumber: '0',
  };
}

export function contentDateTime(ctx: WriteContext): Dataset {
  return {
    ContentDate: dicomDate(ctx.now),
    ContentTime: dicomTime(ctx.now),
    SeriesDate: dicomDate(ctx.now),
    SeriesTime: dicomTime(ctx.now),
    InstanceCreationDate: dicomDate(ctx.now),
    InstanceCreationTime: dicomTime(ctx.now),
  };
}

/**
 * "Calcium score v1", "Calcium score v2, supersedes v1": stored objects cannot be rewritten, so
 * the newest names the version it replaces and the archive's series list shows which is current.
 */
export function seriesDescription(kind: 'SEG' | 'SR' | 'PDF', version: number): string {
  const what = kind === 'SEG' ? 'Calcium segmentation' : kind === 'SR' ? 'Calcium score' : 'Calcium score summary';
  return version > 1 ? `${what} v${version}, supersedes v${version - 1}` : `${what} v${version}`;
}

/**
 * A Referenced Series item for the CT slices `instanceIndices` (all when omitted). The SEG's
 * Common Instance Reference uses ReferencedInstanceSequence; the SR's evidence sequences use
 * ReferencedSOPSequence (PS3.3 Table 10-4).
 */
export function referencedSeriesItem(
  g: VolumeGeometry,
  instanceIndices?: number[],
  key: 'ReferencedInstanceSequence' | 'ReferencedSOPSequence' = 'ReferencedInstanceSequence',
): Dataset {
  const idx = instanceIndices ?? g.instances.map((_, i) => i);
  return {
    SeriesInstanceUID: g.source.seriesInstanceUid,
    [key]: idx.map((k) => ({
      ReferencedSOPClassUID: g.instances[k].sopClassUid,
      ReferencedSOPInstanceUID: g.instances[k].sopInstanceUid,
    })),
  };
}
