// Build a CtVolume (core/types) from the series the viewer displays, using the HOST's
// cornerstone (never a bundled copy: it would have its own cache and metadata, docs/platform.md).
// This is the fallback path: scoring normally fetches the series itself in its worker
// (seriesFetch.ts); the viewer's cache is used when the data source is not DICOMweb (files
// opened with OHIF's Upload) or that fetch fails. The geometry is the core's (volumeGeometry,
// as the file reader builds it); images come from the host's image cache / loader; their pixel
// data is already in HU when cornerstone pre-scaled it (image.preScale.scaled), so
// slope/intercept are applied only when it did not.
import type { CtVolume } from '../../../core/types';
import { num, str } from '../../../core/dicom/dataset';
import { GeometryError, volumeGeometry } from '../../../core/dicom/geometry';

import { hostLibraries } from '../host';
import type { DisplaySet, ExtensionManager, NaturalInstance } from '../ohif';

interface DataSource {
  getImageIdsForInstance?: (args: { instance: NaturalInstance; frame?: number }) => string;
}

function imageIdOf(inst: NaturalInstance, dataSource: DataSource | undefined): string {
  const own = inst.imageId;
  if (typeof own === 'string' && own) return own;
  const id = dataSource?.getImageIdsForInstance?.({ instance: inst });
  if (!id) throw new Error(`No image id for instance ${str(inst, 'SOPInstanceUID') ?? '?'}.`);
  return id;
}

export interface LoadProgress {
  (loaded: number, total: number): void;
}

/**
 * The geometry of a single-frame CT display set from OHIF's instance metadata (no pixels), with
 * the image id of each slice in volume order. Throws a one-line Error when the series cannot be
 * a volume.
 */
export function geometryOfDisplaySet(
  displaySet: DisplaySet,
  extensionManager: ExtensionManager,
): { geometry: Omit<CtVolume, 'hu'>; imageIds: string[]; instances: NaturalInstance[] } {
  const instances = [...(displaySet.instances ?? displaySet.images ?? [])];
  if (instances.length < 2) throw new Error('The series has fewer than 2 slices: it cannot be scored as a volume.');
  if (instances.some((i) => (num(i, 'NumberOfFrames') ?? 1) > 1)) {
    throw new Error('Multi-frame (enhanced) CT is not supported yet: open a single-frame axial series.');
  }
  // Size, orientation, spacing, order, copies and tilt checked as the file reader does; gaps are
  // left to the core's input checks, which refuse them with a message.
  let planned;
  try {
    planned = volumeGeometry(
      instances.map((inst, n) => ({ name: `Slice ${num(inst, 'InstanceNumber') ?? n + 1}`, dataset: inst })),
      { allowGaps: true },
    );
  } catch (e) {
    if (e instanceof GeometryError) throw new Error(`The series cannot be scored as a volume: ${e.message}.`);
    throw e;
  }
  const dataSource = (extensionManager as unknown as { getActiveDataSource?: () => DataSource[] }).getActiveDataSource?.()?.[0];
  const sorted = planned.slices.map((s) => s.dataset as NaturalInstance);
  return { geometry: planned.geometry, imageIds: sorted.map((inst) => imageIdOf(inst, dataSource)), instances: sorted };
}

/**
 * Load every slice of a single-frame CT display set through the viewer's image loader and
 * assemble the volume in HU, slices ascending along the normal.
 */
export async function volumeFromDisplaySet(
  displaySet: DisplaySet,
  extensionManager: ExtensionManager,
  onProgress?: LoadProgress,
  signal?: AbortSignal,
): Promise<{ volume: CtVolume; imageIds: string[] }> {
  const { geometry, imageIds, instances } = geometryOfDisplaySet(displaySet, extensionManager);
  const { rows, columns } = geometry;
  const { cornerstone } = hostLibraries(extensionManager);
  const sliceVoxels = rows * columns;
  const hu = new Int16Array(sliceVoxels * imageIds.length);
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
      const slope = scaled ? 1 : (image.slope ?? num(instances[k], 'RescaleSlope') ?? 1);
      const intercept = scaled ? 0 : (image.intercept ?? num(instances[k], 'RescaleIntercept') ?? 0);
      const base = k * sliceVoxels;
      for (let v = 0; v < sliceVoxels; v++) {
        const h = Math.round(px[v] * slope + intercept);
        hu[base + v] = h < -32768 ? -32768 : h > 32767 ? 32767 : h;
      }
      onProgress?.(++loaded, imageIds.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, imageIds.length) }, worker));
  return { volume: { ...geometry, hu }, imageIds };
}
