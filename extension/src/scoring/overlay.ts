// Lesions drawn over the CT in the viewport, coloured by artery: a labelmap segmentation made
// through the host's segmentationService (so the stock segmentation panel lists it and can
// hide it), refilled from the lesion set and the current labels after every change.
// Segment indices: 1 LM, 2 LAD, 3 LCX, 4 RCA, 5 not yet assigned. Excluded lesions are not drawn.
import type { LesionLabel } from '../../../core/types';
import type { DisplaySet, ExtensionManager, ServicesManager } from '../ohif';
import { session } from './session';

export const OVERLAY_SEGMENTATION_ID = 'calcium-scoring-lesions';

const SEGMENTS: { label: LesionLabel; index: number; name: string; rgba: [number, number, number, number] }[] = [
  { label: 'LM', index: 1, name: 'LM', rgba: [228, 87, 46, 255] },
  { label: 'LAD', index: 2, name: 'LAD', rgba: [243, 167, 18, 255] },
  { label: 'LCX', index: 3, name: 'LCX', rgba: [41, 191, 18, 255] },
  { label: 'RCA', index: 4, name: 'RCA', rgba: [78, 168, 222, 255] },
  { label: 'UNASSIGNED', index: 5, name: 'Not assigned', rgba: [217, 70, 239, 255] },
];
const INDEX_OF = new Map(SEGMENTS.map((s) => [s.label, s.index]));

interface SegmentationService {
  getSegmentation: (id: string) => { representationData?: { Labelmap?: { imageIds?: string[] } } } | undefined;
  createLabelmapForDisplaySet: (ds: DisplaySet, opts: Record<string, unknown>) => Promise<string>;
  addSegmentationRepresentation: (viewportId: string, opts: { segmentationId: string }) => Promise<void>;
  getSegmentationRepresentations: (viewportId: string, opts: { segmentationId: string }) => unknown[];
  setSegmentColor: (viewportId: string, segmentationId: string, segmentIndex: number, color: number[]) => void;
  remove: (segmentationId: string) => void;
}

interface HostLibraries {
  cornerstone: { cache: { getImage: (imageId: string) => { getPixelData: () => { fill: (v: number) => void; [i: number]: number } } | undefined } };
  cornerstoneTools: {
    segmentation: {
      triggerSegmentationEvents: { triggerSegmentationDataModified: (id: string) => void };
      config?: { style?: { setStyle?: (specifier: Record<string, unknown>, style: Record<string, unknown>) => void } };
    };
  };
}

function libraries(extensionManager: ExtensionManager): HostLibraries {
  const entry = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.common');
  return (entry?.exports?.getCornerstoneLibraries as () => HostLibraries)();
}

export class LesionOverlay {
  private forDisplaySet: string | null = null;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly servicesManager: ServicesManager,
    private readonly extensionManager: ExtensionManager,
  ) {}

  /** Follow the session: redraw after scoring and after every assignment. */
  start(): () => void {
    return session.subscribe(() => {
      if (session.state.status === 'scored') this.busy = this.busy.then(() => this.draw()).catch((e) => console.warn('[calcium-scoring] overlay:', e));
    });
  }

  private segmentationService(): SegmentationService | undefined {
    return this.servicesManager.services.segmentationService as SegmentationService | undefined;
  }

  private async ensureSegmentation(displaySet: DisplaySet): Promise<string[] | null> {
    const svc = this.segmentationService();
    if (!svc) return null;
    const existing = svc.getSegmentation(OVERLAY_SEGMENTATION_ID);
    if (existing && this.forDisplaySet !== displaySet.displaySetInstanceUID) {
      svc.remove(OVERLAY_SEGMENTATION_ID);
    }
    if (!svc.getSegmentation(OVERLAY_SEGMENTATION_ID)) {
      await svc.createLabelmapForDisplaySet(displaySet, {
        segmentationId: OVERLAY_SEGMENTATION_ID,
        label: 'Calcium lesions',
        segments: Object.fromEntries(SEGMENTS.map((s) => [s.index, { label: s.name, active: s.index === 1 }])),
      });
      this.forDisplaySet = displaySet.displaySetInstanceUID;
    }
    const { viewportGridService } = this.servicesManager.services;
    const { viewports } = viewportGridService.getState();
    // Show it in the viewport(s) that display this CT.
    for (const [viewportId, vp] of viewports) {
      if (!(vp.displaySetInstanceUIDs ?? []).includes(displaySet.displaySetInstanceUID)) continue;
      if (svc.getSegmentationRepresentations(viewportId, { segmentationId: OVERLAY_SEGMENTATION_ID }).length === 0) {
        await svc.addSegmentationRepresentation(viewportId, { segmentationId: OVERLAY_SEGMENTATION_ID });
        for (const s of SEGMENTS) svc.setSegmentColor(viewportId, OVERLAY_SEGMENTATION_ID, s.index, s.rgba);
        // Candidates nobody assigned yet: faint fill, so a chest CT's ribs and spine do not hide the heart.
        const style = libraries(this.extensionManager).cornerstoneTools.segmentation.config?.style;
        style?.setStyle?.(
          { viewportId, segmentationId: OVERLAY_SEGMENTATION_ID, type: 'Labelmap', segmentIndex: INDEX_OF.get('UNASSIGNED') },
          { fillAlpha: 0.15, fillAlphaInactive: 0.15, outlineOpacity: 0.4, outlineOpacityInactive: 0.4 },
        );
      }
    }
    return svc.getSegmentation(OVERLAY_SEGMENTATION_ID)?.representationData?.Labelmap?.imageIds ?? null;
  }

  private async draw(): Promise<void> {
    const { lesionSet, assignment, displaySetInstanceUID, imageIds } = session;
    if (!lesionSet || !assignment || !displaySetInstanceUID) return;
    const displaySet = this.servicesManager.services.displaySetService.getDisplaySetByUID(displaySetInstanceUID);
    if (!displaySet?.imageIds?.length) return;
    const labelmapIds = await this.ensureSegmentation(displaySet);
    if (!labelmapIds || labelmapIds.length !== displaySet.imageIds.length) return;
    const { cornerstone, cornerstoneTools } = libraries(this.extensionManager);
    // Volume slice k -> the labelmap image derived from the same CT image.
    const positionOf = new Map(displaySet.imageIds.map((id, n) => [id, n]));
    const sliceVoxels = lesionSet.geometry.rows * lesionSet.geometry.columns;
    const pixels = imageIds.map((id) => {
      const n = positionOf.get(id);
      return n === undefined ? null : (cornerstone.cache.getImage(labelmapIds[n])?.getPixelData() ?? null);
    });
    for (const p of pixels) p?.fill(0);
    lesionSet.components.forEach((c, n) => {
      const index = INDEX_OF.get(assignment.labelOfComponent(c.id));
      const target = pixels[c.slice];
      if (!index || !target) return;
      const voxels = lesionSet.componentVoxels[n];
      const base = c.slice * sliceVoxels;
      for (let v = 0; v < voxels.length; v++) target[voxels[v] - base] = index;
    });
    cornerstoneTools.segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(OVERLAY_SEGMENTATION_ID);
  }
}
