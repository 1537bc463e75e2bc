/**
 * Acquisition facts and study/patient context of a CT series, read from dcmjs "naturalized"
 * headers. Light on purpose (no codecs, no dcmjs): the file reader (./read.ts) and the
 * viewer's panel, which gets the same naturalized metadata from OHIF, share these rules.
 */
import type { SeriesFacts, SourceContext } from '../types';
import { has, num, str, strs, type NaturalDataset } from './dataset';

/** Acquisition facts from the headers (first slice, with per-series hints gathered from all). */
export function seriesFacts(
  datasets: NaturalDataset[],
  geometry: { rows: number; columns: number; sliceCount: number; increment: number | null; spacing: [number, number] | null; lengthMm: number },
): SeriesFacts {
  const ds = datasets[0];
  const kernelValues = strs(ds, 'ConvolutionKernel');
  return {
    modality: str(ds, 'Modality') ?? 'CT',
    manufacturer: str(ds, 'Manufacturer'),
    manufacturerModelName: str(ds, 'ManufacturerModelName'),
    kvp: num(ds, 'KVP'),
    sliceThicknessMm: num(ds, 'SliceThickness'),
    sliceIncrementMm: geometry.increment,
    pixelSpacingMm: geometry.spacing,
    rows: geometry.rows,
    columns: geometry.columns,
    sliceCount: geometry.sliceCount,
    convolutionKernel: kernelValues.length > 0 ? (Array.isArray(ds.ConvolutionKernel) ? ds.ConvolutionKernel.join('\\') : String(ds.ConvolutionKernel).trim()) : null,
    gated: gating(datasets, geometry.lengthMm),
    ...contrast(ds),
    gantryTiltDeg: num(ds, 'GantryDetectorTilt'),
    massFactorPatient: num(ds, 'CalciumScoringMassFactorPatient'),
    reconstruction: reconstructionHints(ds),
  };
}

const CARDIAC_SYNC_GATED = new Set(['PROSPECTIVE', 'RETROSPECTIVE', 'PACED', 'REAL TIME']);

/**
 * ECG gating from the header: (0018,9037) Cardiac Synchronization Technique, a TriggerTime /
 * nominal cardiac trigger delay, or ECG words in the description. Without any of these, a scan
 * that covers far more than the heart (z length > 200 mm or reconstruction FOV >= 400 mm) is a
 * chest CT, not a gated cardiac scan; otherwise unknown (null).
 */
function gating(datasets: NaturalDataset[], lengthMm: number): boolean | null {
  const ds = datasets[0];
  const sync = str(ds, 'CardiacSynchronizationTechnique')?.toUpperCase();
  if (sync === 'NONE') return false;
  if (sync && CARDIAC_SYNC_GATED.has(sync)) return true;
  if (datasets.some((d) => has(d, 'TriggerTime') || has(d, 'NominalCardiacTriggerDelayTime') || has(d, 'CardiacRRIntervalSpecified'))) return true;
  const text = [str(ds, 'SeriesDescription'), str(ds, 'ProtocolName'), ...strs(ds, 'ImageType')].filter(Boolean).join(' ').toUpperCase();
  if (/NON[- ]?GATED|UNGATED/.test(text)) return false;
  if (/\b(ECG|EKG|GATED|TRIGGERED|PROSPECTIVE|RETROSPECTIVE)\b|\b\d{1,2} ?%/.test(text)) return true;
  const fovMm = num(ds, 'ReconstructionDiameter');
  if (lengthMm > 200 || (fovMm !== null && fovMm >= 400)) return false;
  return null;
}

function contrast(ds: NaturalDataset): { contrast: boolean | null; contrastAgent: string | null } {
  const agent = str(ds, 'ContrastBolusAgent');
  const route = str(ds, 'ContrastBolusRoute');
  const none = (s: string | null) => s !== null && /^(NONE|NO|N|NIL|-|0|WITHOUT)$/i.test(s);
  if (agent && !none(agent)) return { contrast: true, contrastAgent: agent };
  if (route && !none(route)) return { contrast: true, contrastAgent: route };
  if (none(agent) || none(route)) return { contrast: false, contrastAgent: null };
  return { contrast: null, contrastAgent: null };
}

const IR_WORDS = /\b(ASIR(-V)?|ASIR|VEO|TRUEFIDELITY|DLIR|AIDR( ?3D)?|AICE|IDOSE ?\d?|IMR|ADMIRE|SAFIRE|IRIS|DLP|PIXELSHINE|ITERATIVE)\b/i;

/** Iterative / deep-learning reconstruction named in the header (Agatston runs lower: Kurata 2013). */
function reconstructionHints(ds: NaturalDataset): string | null {
  const hints: string[] = [];
  const algorithm = str(ds, 'ReconstructionAlgorithm');
  if (algorithm && !/FILTER|FBP/i.test(algorithm)) hints.push(`ReconstructionAlgorithm ${algorithm}`);
  for (const key of ['ConvolutionKernel', 'SeriesDescription', 'ImageComments', 'ProtocolName', 'ImageType']) {
    const values = key === 'ImageType' ? strs(ds, key) : [str(ds, key)];
    for (const v of values) {
      const m = v ? IR_WORDS.exec(v) : null;
      if (m) hints.push(`${key} "${v}"`);
    }
  }
  // Siemens kernels named I.. (SAFIRE) or Q.. (ADMIRE), e.g. I30f, Qr36.
  const kernel = str(ds, 'ConvolutionKernel');
  const manufacturer = str(ds, 'Manufacturer') ?? '';
  if (kernel && /SIEMENS/i.test(manufacturer) && /^[IQ][a-z]?\d{2}/.test(kernel)) hints.push(`Siemens iterative kernel ${kernel}`);
  return hints.length > 0 ? [...new Set(hints)].join('; ') : null;
}

export function sourceContext(ds: NaturalDataset): SourceContext {
  return {
    patientName: str(ds, 'PatientName'),
    patientId: str(ds, 'PatientID'),
    patientBirthDate: str(ds, 'PatientBirthDate'),
    patientSex: str(ds, 'PatientSex'),
    patientAge: str(ds, 'PatientAge'),
    studyInstanceUid: str(ds, 'StudyInstanceUID') ?? '',
    studyDate: str(ds, 'StudyDate'),
    studyTime: str(ds, 'StudyTime'),
    studyId: str(ds, 'StudyID'),
    accessionNumber: str(ds, 'AccessionNumber'),
    referringPhysicianName: str(ds, 'ReferringPhysicianName'),
    studyDescription: str(ds, 'StudyDescription'),
    seriesInstanceUid: str(ds, 'SeriesInstanceUID') ?? '',
    seriesNumber: num(ds, 'SeriesNumber'),
    seriesDescription: str(ds, 'SeriesDescription'),
    frameOfReferenceUid: str(ds, 'FrameOfReferenceUID'),
  };
}
