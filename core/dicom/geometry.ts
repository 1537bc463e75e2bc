/**
 * The one place where the headers of a series' slices become a volume's geometry, shared by the
 * file reader (core/dicom/read.ts) and the viewer (extension/src/scoring/volumeFromViewer.ts):
 * the slices must share size, orientation and pixel spacing; they are sorted along the slice
 * normal (row cosines x column cosines, PS3.3 C.7.6.2.1.1); copies of one slice are dropped,
 * two different slices at one position (several phases in one series) are refused; the slice
 * increment is the median step; missing slices, uneven spacing and gantry tilt are found.
 *
 * Works on naturalized datasets (dcmjs or OHIF's instances: attribute keyword -> value). Every
 * refusal is a GeometryError whose message names the slice and says what is wrong.
 * volumeGeometry adds the slices' identities, acquisition facts and study context: the file
 * reader and the viewer build a volume's geometry with it.
 * Also the mapping between voxel indices and patient coordinates of a volume's geometry.
 */
import type { CtVolume, SliceInstance, Vec3, VolumeGeometry } from '../types';
import { cross, dot, median, norm, normalize, sub } from '../math';
import { num, nums, str, type NaturalDataset } from './dataset';
import { seriesFacts, sourceContext } from './facts';

export class GeometryError extends Error {
  override name = 'GeometryError';
}

export interface StackInput {
  /** How messages name the slice (file name, "slice 12"). */
  name: string;
  dataset: NaturalDataset;
}

export interface StackGeometry<T extends StackInput> {
  /** The slices in volume order (ascending along the normal), copies of one slice dropped. */
  slices: T[];
  rows: number;
  columns: number;
  /** PixelSpacing: [row spacing (between rows), column spacing (between columns)] in mm. */
  pixelSpacingMm: [number, number];
  rowCosines: Vec3;
  columnCosines: Vec3;
  normal: Vec3;
  /** ImagePositionPatient of each slice, in volume order. */
  positionsMm: Vec3[];
  /** Median distance between neighbouring slices along the normal (mm). */
  sliceIncrementMm: number;
  /** Distance from the first to the last slice along the normal (mm). */
  lengthMm: number;
  /** Found but not refused: copies dropped, uneven spacing, gantry tilt, gaps (with allowGaps). */
  warnings: string[];
}

const fmt = (x: number) => String(Math.round(x * 100) / 100);

/** Sort and check the slices of one series; see the module comment. */
export function stackGeometry<T extends StackInput>(slicesIn: readonly T[], opts: { allowGaps?: boolean } = {}): StackGeometry<T> {
  const warnings: string[] = [];
  if (slicesIn.length < 2) throw new GeometryError(`a volume needs at least 2 slices, the series has ${slicesIn.length}`);
  const ref = slicesIn[0].dataset;
  const rows = num(ref, 'Rows');
  const columns = num(ref, 'Columns');
  const iop = nums(ref, 'ImageOrientationPatient', 6);
  const spacing = nums(ref, 'PixelSpacing', 2);
  if (!rows || !columns) throw new GeometryError(`${slicesIn[0].name}: Rows/Columns missing`);
  if (!iop) throw new GeometryError(`${slicesIn[0].name}: ImageOrientationPatient missing, cannot place the slices`);
  if (!spacing || spacing[0] <= 0 || spacing[1] <= 0) throw new GeometryError(`${slicesIn[0].name}: PixelSpacing missing or invalid, areas in mm^2 cannot be measured`);
  const rowCosines: Vec3 = [iop[0], iop[1], iop[2]];
  const columnCosines: Vec3 = [iop[3], iop[4], iop[5]];
  const n = cross(rowCosines, columnCosines);
  if (!(norm(n) > 0.5)) throw new GeometryError(`${slicesIn[0].name}: ImageOrientationPatient ${iop.join('\\')} does not give two perpendicular directions`);
  const normal = normalize(n);

  const placed: { item: T; position: Vec3; along: number }[] = [];
  for (const item of slicesIn) {
    const ds = item.dataset;
    if (num(ds, 'Rows') !== rows || num(ds, 'Columns') !== columns) {
      throw new GeometryError(`${item.name}: ${num(ds, 'Rows')}x${num(ds, 'Columns')} pixels where the series has ${rows}x${columns}; the slices do not form one volume`);
    }
    const o = nums(ds, 'ImageOrientationPatient', 6);
    if (!o || o.some((v, k) => Math.abs(v - iop[k]) > 1e-3)) {
      throw new GeometryError(`${item.name}: ImageOrientationPatient differs from the other slices; the slices do not form one stack`);
    }
    const ps = nums(ds, 'PixelSpacing', 2);
    if (!ps || Math.abs(ps[0] - spacing[0]) > 1e-3 * spacing[0] || Math.abs(ps[1] - spacing[1]) > 1e-3 * spacing[1]) {
      throw new GeometryError(`${item.name}: PixelSpacing differs from the other slices; the slices do not form one volume`);
    }
    const p = nums(ds, 'ImagePositionPatient', 3);
    if (!p) throw new GeometryError(`${item.name}: ImagePositionPatient missing, cannot place the slice`);
    const position: Vec3 = [p[0], p[1], p[2]];
    placed.push({ item, position, along: dot(position, normal) });
  }
  placed.sort((a, b) => a.along - b.along);

  // Same position twice: the same instance copied, or several phases/acquisitions in one series.
  const unique = [placed[0]];
  let copies = 0;
  for (let k = 1; k < placed.length; k++) {
    const prev = unique[unique.length - 1];
    if (Math.abs(placed[k].along - prev.along) < 0.01) {
      if (str(placed[k].item.dataset, 'SOPInstanceUID') === str(prev.item.dataset, 'SOPInstanceUID')) {
        copies++;
        continue;
      }
      throw new GeometryError(
        `${prev.item.name} and ${placed[k].item.name} lie at the same position (${fmt(placed[k].along)} mm along the slice normal): the series holds more than one phase or acquisition; export one phase as its own series`,
      );
    }
    unique.push(placed[k]);
  }
  if (copies > 0) warnings.push(`${copies} duplicate cop${copies === 1 ? 'y' : 'ies'} of slices ignored`);
  if (unique.length < 2) throw new GeometryError('a volume needs at least 2 slices at different positions');

  const steps: number[] = [];
  for (let k = 1; k < unique.length; k++) steps.push(unique[k].along - unique[k - 1].along);
  // Rounded to 0.1 um: positions stored as decimal strings give 3.270000000000003.
  const increment = Math.round(median(steps) * 1e4) / 1e4;
  const gaps: string[] = [];
  let missing = 0;
  for (let k = 0; k < steps.length; k++) {
    if (steps[k] > 1.5 * increment) {
      missing += Math.max(1, Math.round(steps[k] / increment) - 1);
      gaps.push(`between ${fmt(unique[k].along)} and ${fmt(unique[k + 1].along)} mm`);
    }
  }
  if (missing > 0) {
    const text = `${missing} slice${missing === 1 ? '' : 's'} missing (${gaps.slice(0, 3).join(', ')}${gaps.length > 3 ? ', ...' : ''}; the series steps ${fmt(increment)} mm)`;
    if (!opts.allowGaps) throw new GeometryError(`${text}: the series is incomplete; export it again with every slice`);
    warnings.push(`${text}: calcium on the missing slices is not scored`);
  } else {
    const lo = Math.min(...steps);
    const hi = Math.max(...steps);
    if (hi - lo > 0.1 * increment) warnings.push(`slice spacing varies from ${fmt(lo)} to ${fmt(hi)} mm; volumes use the median ${fmt(increment)} mm`);
  }

  // Gantry tilt: slice origins move off the normal (sheared stack). In-slice (2D) Agatston is
  // unaffected; 3D grouping and volumes are slightly off.
  const travel = sub(unique[unique.length - 1].position, unique[0].position);
  const tiltFromPositionsDeg = (Math.acos(Math.min(1, Math.abs(dot(travel, normal)) / norm(travel))) * 180) / Math.PI;
  const headerTilt = num(ref, 'GantryDetectorTilt');
  if (tiltFromPositionsDeg > 0.5 || (headerTilt !== null && Math.abs(headerTilt) > 0.5)) {
    warnings.push(`gantry tilt ${fmt(headerTilt ?? tiltFromPositionsDeg)} degrees: the stack is sheared; lesion volumes and 3D grouping are approximate`);
  }

  return {
    slices: unique.map((u) => u.item),
    rows,
    columns,
    pixelSpacingMm: [spacing[0], spacing[1]],
    rowCosines,
    columnCosines,
    normal,
    positionsMm: unique.map((u) => u.position),
    sliceIncrementMm: increment,
    lengthMm: unique[unique.length - 1].along - unique[0].along,
    warnings,
  };
}

/**
 * The geometry of a series from its slices' headers alone (no pixel data): sorted and checked
 * by core/dicom/geometry.ts, with the slices' identities, the acquisition facts and the study
 * context. The file reader (planVolume) and the viewer (its headers from OHIF's metadata)
 * build a volume's geometry with this one function. Throws GeometryError.
 */
export function volumeGeometry<T extends StackInput>(slicesIn: readonly T[], opts: { allowGaps?: boolean } = {}): { geometry: Omit<CtVolume, 'hu'>; slices: T[]; warnings: string[] } {
  const stack = stackGeometry(slicesIn, { allowGaps: opts.allowGaps });
  const { rows, columns, rowCosines, columnCosines, normal, sliceIncrementMm: increment } = stack;
  const spacing = stack.pixelSpacingMm;
  const datasets = stack.slices.map((s) => s.dataset);
  // CT Image Storage when a header does not say.
  const instances: SliceInstance[] = datasets.map((ds) => ({
    sopInstanceUid: str(ds, 'SOPInstanceUID') ?? '',
    sopClassUid: str(ds, 'SOPClassUID') ?? '1.2.840.10008.5.1.4.1.1.2',
    instanceNumber: num(ds, 'InstanceNumber'),
  }));
  const facts = seriesFacts(datasets, { rows, columns, sliceCount: datasets.length, increment, spacing: [spacing[0], spacing[1]], lengthMm: stack.lengthMm });
  const geometry: Omit<CtVolume, 'hu'> = {
    columns,
    rows,
    slices: datasets.length,
    columnSpacingMm: spacing[1],
    rowSpacingMm: spacing[0],
    sliceIncrementMm: increment,
    imagePositionsMm: stack.positionsMm,
    rowCosines,
    columnCosines,
    normal,
    instances,
    facts,
    source: sourceContext(slicesIn[0].dataset),
  };
  return { geometry, slices: stack.slices, warnings: [...stack.warnings] };
}

/** Voxel (i, j, k) centre to patient coordinates (mm). */
export function voxelToPatient(g: VolumeGeometry, i: number, j: number, k: number): Vec3 {
  const p = g.imagePositionsMm[k];
  const r = g.rowCosines;
  const c = g.columnCosines;
  const di = i * g.columnSpacingMm;
  const dj = j * g.rowSpacingMm;
  return [p[0] + di * r[0] + dj * c[0], p[1] + di * r[1] + dj * c[1], p[2] + di * r[2] + dj * c[2]];
}

/** Patient coordinates (mm) to continuous voxel indices (i, j, k); k interpolated between slice positions. */
export function patientToVoxel(g: VolumeGeometry, point: Vec3): Vec3 {
  const p0 = g.imagePositionsMm[0];
  const d: Vec3 = [point[0] - p0[0], point[1] - p0[1], point[2] - p0[2]];
  const i = dot(d, g.rowCosines) / g.columnSpacingMm;
  const j = dot(d, g.columnCosines) / g.rowSpacingMm;
  const s = dot(point, g.normal);
  const positions = g.imagePositionsMm.map((q) => dot(q, g.normal));
  let k = 0;
  if (positions.length > 1) {
    if (s <= positions[0]) k = (s - positions[0]) / (positions[1] - positions[0]);
    else if (s >= positions[positions.length - 1]) {
      const n = positions.length - 1;
      k = n + (s - positions[n]) / (positions[n] - positions[n - 1]);
    } else {
      let a = 0;
      while (positions[a + 1] < s) a++;
      k = a + (s - positions[a]) / (positions[a + 1] - positions[a]);
    }
  }
  return [i, j, k];
}
