// Build a CtVolume (core/types) from the series the viewer displays, using the HOST's
// cornerstone (never a bundled copy: it would have its own cache and metadata, docs/platform.md).
// Images come from the host's image cache / loader; their pixel data is already in HU when
// cornerstone pre-scaled it (image.preScale.scaled), so slope/intercept are applied only
// when it did not.
import type { CtVolume, SliceInstance, SourceContext } from '../../../core/types';
import type { DisplaySet, ExtensionManager, NaturalInstance } from '../ohif';
import { seriesFactsFromInstances } from '../seriesFacts';
import { GeometryError, stackGeometry } from '../../../core/dicom/geometry';

/** The slice of cornerstone's image object this code reads. */
interface CornerstoneImage {
  getPixelData: () => ArrayLike<number>;
  rows: number;
  columns: number;
  slope?: number;
  intercept?: number;
  preScale?: { scaled?: boolean; scalingParameters?: { rescaleSlope?: number; rescaleIntercept?: number } };
}

interface HostCornerstone {
  imageLoader: { loadAndCacheImage: (imageId: string, options?: Record<string, unknown>) => Promise<CornerstoneImage> };
}

interface DataSource {
  getImageIdsForInstance?: (args: { instance: NaturalInstance; frame?: number }) => string;
}

export function hostCornerstone(extensionManager: ExtensionManager): HostCornerstone {
  const entry = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.common');
  const get = entry?.exports?.getCornerstoneLibraries as (() => { cornerstone: HostCornerstone }) | undefined;
  if (!get) throw new Error('The viewer has no cornerstone extension (@ohif/extension-cornerstone): cannot read the images.');
  return get().cornerstone;
}

function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.length ? text(v[0]) : null;
  if (typeof v === 'object') {
    const pn = v as { Alphabetic?: string };
    return pn.Alphabetic ?? null;
  }
  const s = String(v).trim();
  return s || null;
}

function numberOrNull(v: unknown): number | null {
  const t = text(v);
  if (t === null) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function sourceContext(inst: NaturalInstance): SourceContext {
  return {
    patientName: text(inst.PatientName),
    patientId: text(inst.PatientID),
    patientBirthDate: text(inst.PatientBirthDate),
    patientSex: text(inst.PatientSex),
    patientAge: text(inst.PatientAge),
    studyInstanceUid: text(inst.StudyInstanceUID) ?? '',
    studyDate: text(inst.StudyDate),
    studyTime: text(inst.StudyTime),
    studyId: text(inst.StudyID),
    accessionNumber: text(inst.AccessionNumber),
    referringPhysicianName: text(inst.ReferringPhysicianName),
    studyDescription: text(inst.StudyDescription),
    seriesInstanceUid: text(inst.SeriesInstanceUID) ?? '',
    seriesNumber: numberOrNull(inst.SeriesNumber),
    seriesDescription: text(inst.SeriesDescription),
    frameOfReferenceUid: text(inst.FrameOfReferenceUID),
  };
}

function imageIdOf(inst: NaturalInstance, dataSource: DataSource | undefined): string {
  const own = inst.imageId;
  if (typeof own === 'string' && own) return own;
  const id = dataSource?.getImageIdsForInstance?.({ instance: inst });
  if (!id) throw new Error(`No image id for instance ${text(inst.SOPInstanceUID) ?? '?'}.`);
  return id;
}

export interface LoadProgress {
  (loaded: number, total: number): void;
}

/**
 * Load every slice of a single-frame CT display set and assemble the volume in HU, slices
 * ascending along the normal. Throws a one-line Error when the series cannot be a volume.
 */
export async function volumeFromDisplaySet(
  displaySet: DisplaySet,
  extensionManager: ExtensionManager,
  onProgress?: LoadProgress,
  signal?: AbortSignal,
): Promise<{ volume: CtVolume; imageIds: string[] }> {
  const instances = [...(displaySet.instances ?? displaySet.images ?? [])];
  if (instances.length < 2) throw new Error('The series has fewer than 2 slices: it cannot be scored as a volume.');
  if (instances.some((i) => (numberOrNull(i.NumberOfFrames) ?? 1) > 1)) {
    throw new Error('Multi-frame (enhanced) CT is not supported yet: open a single-frame axial series.');
  }
  // Size, orientation, spacing, order, copies and tilt checked as the file reader does (core/dicom/geometry.ts);
  // gaps are left to the core's input checks, which refuse them with a message.
  let stack;
  try {
    stack = stackGeometry(
      instances.map((inst, n) => ({ name: `Slice ${numberOrNull(inst.InstanceNumber) ?? n + 1}`, dataset: inst })),
      { allowGaps: true },
    );
  } catch (e) {
    if (e instanceof GeometryError) throw new Error(`The series cannot be scored as a volume: ${e.message}.`);
    throw e;
  }
  const { rows, columns, rowCosines, columnCosines, normal } = stack;
  const spacing = stack.pixelSpacingMm;
  const withPos = stack.slices.map((s, k) => ({ inst: s.dataset, pos: stack.positionsMm[k] }));
  const facts = seriesFactsFromInstances(instances);
  const increment = facts.sliceIncrementMm ?? stack.sliceIncrementMm;

  const cornerstone = hostCornerstone(extensionManager);
  const dataSource = (extensionManager as unknown as { getActiveDataSource?: () => DataSource[] }).getActiveDataSource?.()?.[0];
  const imageIds = withPos.map((s) => imageIdOf(s.inst, dataSource));
  const sliceVoxels = rows * columns;
  const hu = new Int16Array(sliceVoxels * withPos.length);
  let loaded = 0;
  // A few requests at a time: the host's loader queues them anyway; this keeps memory flat.
  const concurrency = 6;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const k = next++;
      if (k >= imageIds.length) return;
      if (signal?.aborted) throw new DOMException('Scoring was cancelled.', 'AbortError');
      const image = await cornerstone.imageLoader.loadAndCacheImage(imageIds[k]);
      if (signal?.aborted) throw new DOMException('Scoring was cancelled.', 'AbortError');
      if (image.rows !== rows || image.columns !== columns) throw new Error(`Slice ${k + 1} is ${image.columns} x ${image.rows}, not ${columns} x ${rows}.`);
      const px = image.getPixelData();
      // Pre-scaled pixels are already HU (docs/platform.md): never apply slope/intercept twice.
      const scaled = image.preScale?.scaled === true;
      const slope = scaled ? 1 : (image.slope ?? numberOrNull(withPos[k].inst.RescaleSlope) ?? 1);
      const intercept = scaled ? 0 : (image.intercept ?? numberOrNull(withPos[k].inst.RescaleIntercept) ?? 0);
      const base = k * sliceVoxels;
      for (let v = 0; v < sliceVoxels; v++) {
        const h = Math.round(px[v] * slope + intercept);
        hu[base + v] = h < -32768 ? -32768 : h > 32767 ? 32767 : h;
      }
      onProgress?.(++loaded, imageIds.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, imageIds.length) }, worker));

  const sliceInstances: SliceInstance[] = withPos.map(({ inst }) => ({
    sopInstanceUid: text(inst.SOPInstanceUID) ?? '',
    sopClassUid: text(inst.SOPClassUID) ?? '',
    instanceNumber: numberOrNull(inst.InstanceNumber),
  }));
  const volume: CtVolume = {
    columns,
    rows,
    slices: withPos.length,
    columnSpacingMm: spacing[1],
    rowSpacingMm: spacing[0],
    sliceIncrementMm: increment,
    imagePositionsMm: withPos.map((s) => s.pos),
    rowCosines,
    columnCosines,
    normal,
    instances: sliceInstances,
    facts,
    source: sourceContext(withPos[0].inst),
    hu,
  };
  return { volume, imageIds };
}
