// Acquisition facts of a CT series, read from OHIF's naturalised instance metadata
// (dcmjs keywords). Pure: no OHIF or cornerstone import, so it is unit-testable.
import type { SeriesFacts } from '../../core/types';
import type { NaturalInstance } from './ohif';

type Vec3 = [number, number, number];

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function num(v: unknown): number | null {
  const x = first(v);
  if (x === undefined || x === null || x === '') return null;
  const n = typeof x === 'number' ? x : Number(String(x).trim());
  return Number.isFinite(n) ? n : null;
}

function str(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) {
    const parts = v.map((p) => (p === null || p === undefined ? '' : String(p).trim())).filter(Boolean);
    return parts.length ? parts.join('\\') : null;
  }
  if (typeof v === 'object') {
    // PersonName-like objects; not expected for the tags read here.
    return null;
  }
  const s = String(v).trim();
  return s ? s : null;
}

function nums(v: unknown, n: number): number[] | null {
  const arr = Array.isArray(v) ? v : typeof v === 'string' ? v.split('\\') : null;
  if (!arr || arr.length < n) return null;
  const out = arr.slice(0, n).map((x) => Number(x));
  return out.every(Number.isFinite) ? out : null;
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * ECG gating from the header, with the same rules as the file reader (core/dicom/read.ts):
 * CardiacSynchronizationTechnique (0018,9037) ("NONE" = not gated), else TriggerTime (0018,1060),
 * NominalCardiacTriggerDelayTime (0020,9153) or CardiacRRIntervalSpecified (0018,9070), else ECG
 * words in the description; a scan much longer than the heart (> 200 mm) or with a >= 400 mm
 * field of view is a chest CT. null = the header does not say.
 */
export function gatingFromHeader(instances: NaturalInstance[], lengthMm = 0): boolean | null {
  const inst = instances[0];
  const technique = str(inst.CardiacSynchronizationTechnique)?.toUpperCase();
  if (technique === 'NONE') return false;
  if (technique && ['PROSPECTIVE', 'RETROSPECTIVE', 'PACED', 'REAL TIME'].includes(technique)) return true;
  for (const key of ['TriggerTime', 'NominalCardiacTriggerDelayTime', 'CardiacRRIntervalSpecified']) {
    if (instances.some((d) => num(d[key]) !== null)) return true;
  }
  const text = [str(inst.SeriesDescription), str(inst.ProtocolName), str(inst.ImageType)].filter(Boolean).join(' ').toUpperCase();
  if (/NON[- ]?GATED|UNGATED/.test(text)) return false;
  if (/\b(ECG|EKG|GATED|TRIGGERED|PROSPECTIVE|RETROSPECTIVE)\b|\b\d{1,2} ?%/.test(text)) return true;
  const fovMm = num(inst.ReconstructionDiameter);
  if (lengthMm > 200 || (fovMm !== null && fovMm >= 400)) return false;
  return null;
}

/** Contrast from ContrastBolusAgent (0018,0010) / ContrastBolusRoute (0018,1040); null = not stated. */
export function contrastFromHeader(inst: NaturalInstance): { contrast: boolean | null; agent: string | null } {
  const agent = str(inst.ContrastBolusAgent);
  const route = str(inst.ContrastBolusRoute);
  const none = (s: string | null) => s !== null && /^(NONE|NO|N|NIL|-|0|WITHOUT)$/i.test(s);
  if (agent && !none(agent)) return { contrast: true, agent };
  if (route && !none(route)) return { contrast: true, agent: route };
  if (none(agent) || none(route)) return { contrast: false, agent: null };
  return { contrast: null, agent: null };
}

/** SeriesFacts from the instances of one series (any order). Throws on an empty list. */
export function seriesFactsFromInstances(instances: NaturalInstance[]): SeriesFacts {
  if (!instances.length) throw new Error('The series has no instances.');
  const ref = instances[0];
  const iop = nums(ref.ImageOrientationPatient, 6);
  const normal: Vec3 | null = iop ? cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]) : null;
  const positions: number[] = [];
  for (const inst of instances) {
    const ipp = nums(inst.ImagePositionPatient, 3);
    if (ipp && normal) positions.push(ipp[0] * normal[0] + ipp[1] * normal[1] + ipp[2] * normal[2]);
  }
  positions.sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let k = 1; k < positions.length; k++) {
    const d = positions[k] - positions[k - 1];
    if (d > 1e-4) gaps.push(d);
  }
  const inc = median(gaps);
  const spacing = nums(ref.PixelSpacing, 2);
  // Gantry tilt (0018,1120) as stated; a tilted stack also shows as a non-orthogonal normal.
  const tilt = num(ref.GantryDetectorTilt);
  const { contrast, agent } = contrastFromHeader(ref);
  const recon = [str(ref.ReconstructionAlgorithm), str(ref.IterativeReconstructionMethod)].filter(Boolean).join('; ');
  return {
    modality: str(ref.Modality) ?? 'CT',
    manufacturer: str(ref.Manufacturer),
    manufacturerModelName: str(ref.ManufacturerModelName),
    kvp: num(ref.KVP),
    sliceThicknessMm: num(ref.SliceThickness),
    sliceIncrementMm: inc === null ? null : Math.round(inc * 1000) / 1000,
    pixelSpacingMm: spacing ? [spacing[0], spacing[1]] : null,
    rows: num(ref.Rows) ?? 0,
    columns: num(ref.Columns) ?? 0,
    sliceCount: instances.length,
    convolutionKernel: str(ref.ConvolutionKernel),
    gated: gatingFromHeader(instances, positions.length > 1 ? positions[positions.length - 1] - positions[0] : 0),
    contrast,
    contrastAgent: agent,
    gantryTiltDeg: tilt,
    massFactorPatient: num(ref.CalciumScoringMassFactorPatient),
    reconstruction: recon || null,
  };
}

/** "3 mm", "0.625 mm": at most three decimals, no trailing zeros. */
export function mm(x: number | null): string {
  return x === null ? 'not stated' : `${Number(x.toFixed(3))} mm`;
}

/** Warnings a reader should see before trusting a score (SPEC 1.1 and 1.5). */
export function acquisitionWarnings(f: SeriesFacts): string[] {
  const w: string[] = [];
  if (f.modality !== 'CT') w.push(`This is a ${f.modality} series, not CT: calcium scoring is defined on CT only.`);
  if (f.sliceThicknessMm !== null && Math.abs(f.sliceThicknessMm - 3) > 0.05)
    w.push(`Slice thickness is ${mm(f.sliceThicknessMm)}, not 3 mm: the Agatston score is defined on 3 mm slices.`);
  if (f.sliceIncrementMm !== null && Math.abs(f.sliceIncrementMm - 3) > 0.05)
    w.push(`Slice increment is ${mm(f.sliceIncrementMm)}: slice sums are normalised by increment / 3 mm.`);
  if (f.kvp !== null && Math.abs(f.kvp - 120) > 0.5) w.push(`Tube voltage is ${f.kvp} kV, not 120 kV: the 130 HU threshold assumes 120 kV.`);
  if (f.gated === false) w.push('Not ECG-gated: non-gated scans underestimate calcium (SPEC 1.5).');
  if (f.contrast === true) w.push('Contrast agent in the header: calcium scoring is defined on non-contrast CT.');
  return w;
}
