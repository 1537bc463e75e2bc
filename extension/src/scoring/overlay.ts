// Lesions drawn over the CT, coloured by artery: a labelmap segmentation made through the
// host's segmentationService (so the stock segmentation panel lists it and can hide it),
// written through cornerstone3D's voxel manager of each labelmap image.
//
// Only what changed is written: the overlay remembers the segment index it last drew for
// every slice component and, after an edit, writes just the components whose index changed,
// in time-boxed batches (a chest CT has ~900 candidates), then tells cornerstone once which
// slices changed. A burst of edits is coalesced into one pass.
// Segment indices: 1 LM, 2 LAD, 3 LCX, 4 RCA, 5 to review, 6 excluded (grey, faint), and
// 7-12 the same six labels for the selected lesion: outlined in its own colour, not filled, so
// the calcium under it stays visible and its artery colour never disappears.
import type { Types as CoreTypes } from '@cornerstonejs/core';
import { LABEL_LEGEND, LABEL_RGB } from '../../../core/palette';
import type { DisplaySet, ExtensionManager, ServicesManager } from '../ohif';
import { hostLibraries } from '../host';
import type { CalciumSession } from './session';

export const OVERLAY_SEGMENTATION_ID = 'calcium-scoring-lesions';
const DRAWN_LABELS = ['LM', 'LAD', 'LCX', 'RCA', 'UNASSIGNED', 'OTHER'] as const;
/** The selected lesion's segment of a label: the label's index + this. */
const SELECTED_OFFSET = DRAWN_LABELS.length;

// One palette everywhere (overlay, panel, SEG, PDF): core/palette.ts. The selected lesion (list,
// N / P, just assigned) keeps its label's colour, drawn as a thick outline without fill.
const SEGMENTS: { label: string; index: number; name: string; rgba: [number, number, number, number] }[] = [
  ...DRAWN_LABELS.map((label, n) => ({ label, index: n + 1, name: LABEL_LEGEND[label], rgba: [...LABEL_RGB[label], 255] as [number, number, number, number] })),
  ...DRAWN_LABELS.map((label, n) => ({
    label: `SELECTED ${label}`,
    index: n + 1 + SELECTED_OFFSET,
    name: `Selected lesion (${LABEL_LEGEND[label]})`,
    rgba: [...LABEL_RGB[label], 255] as [number, number, number, number],
  })),
];
const INDEX_OF = new Map<string, number>(SEGMENTS.map((s) => [s.label, s.index]));
/** Colour table by segment index (0: nothing drawn). */
const COLOR_LUT: [number, number, number, number][] = [[0, 0, 0, 0], ...[...SEGMENTS].sort((a, b) => a.index - b.index).map((s) => s.rgba)];

/** The part of OHIF's segmentationService the overlay uses. */
interface SegmentationService {
  getSegmentation: (id: string) => { representationData?: { Labelmap?: { imageIds?: string[] } } } | undefined;
  createLabelmapForDisplaySet: (ds: DisplaySet, opts: Record<string, unknown>) => Promise<string>;
  addSegmentationRepresentation: (viewportId: string, opts: { segmentationId: string; config?: { colorLUTOrIndex?: number[][] | number } }) => Promise<void>;
  getSegmentationRepresentations: (viewportId: string, opts: { segmentationId: string }) => unknown[];
  remove: (segmentationId: string) => void;
}

/** Work for at most this long before giving the main thread back (aim: no task over 50 ms). */
const SLICE_MS = 12;
const yieldToMain = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class LesionOverlay {
  private forDisplaySet: string | null = null;
  /** Per slice component (id - 1): the segment index written last; 0 none. */
  private drawn: Uint8Array | null = null;
  private drawnFor: unknown = null;
  private running = false;
  private again = false;
  /** What was last asked of the overlay (labels version, selection, lesion set). */
  private wanted: { version: number; selected: string; set: unknown } | null = null;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** Resolves when the overlay has caught up with the session (tests, benchmark). */
  settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly servicesManager: ServicesManager,
    private readonly extensionManager: ExtensionManager,
    /** The calcium scoring service (its session is what is drawn). */
    private readonly session: CalciumSession,
  ) {}

  /** Follow the session: redraw after scoring, every edit and selection change. */
  start(): () => void {
    const { session } = this;
    this.stopped = false;
    const unsubscribe = session.subscribe(() => {
      if (session.state.status !== 'scored') return;
      // Only a change of labels, selection or lesion set redraws (not progress, save or overlay state).
      const w = this.wanted;
      const selected = `${session.selectedLesionId}:${session.selectedPart}`;
      if (w && w.version === session.assignmentVersion && w.selected === selected && w.set === session.lesionSet) return;
      this.wanted = { version: session.assignmentVersion, selected, set: session.lesionSet };
      this.retries = 0;
      this.schedule();
    });
    return () => {
      this.stopped = true;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      unsubscribe();
    };
  }

  private schedule() {
    const { session } = this;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    session.setOverlayState('drawing');
    this.settled = (async () => {
      let retrying = false;
      try {
        do {
          this.again = false;
          const drawn = await this.draw();
          if (!drawn && !this.stopped && this.retries++ < 20) {
            // The viewport or its segmentation is not there yet: try again shortly (a timer, so
            // the main thread is free in between).
            if (this.retryTimer) clearTimeout(this.retryTimer);
            this.retryTimer = setTimeout(() => this.schedule(), 500);
            retrying = true;
          }
        } while (this.again && !this.stopped);
      } catch (e) {
        console.error('[calcium-scoring] overlay:', e);
      } finally {
        this.running = false;
        if (!this.stopped && !retrying) session.setOverlayState('settled');
      }
    })();
  }

  private segmentationService(): SegmentationService | undefined {
    return this.servicesManager.services.segmentationService as SegmentationService | undefined;
  }

  /** The labelmap (created once per displayed series): its image ids, or null when it cannot be made yet. */
  private async ensureSegmentation(displaySet: DisplaySet): Promise<string[] | null> {
    const svc = this.segmentationService();
    if (!svc) return null;
    const existing = svc.getSegmentation(OVERLAY_SEGMENTATION_ID);
    if (existing && this.forDisplaySet !== displaySet.displaySetInstanceUID) {
      svc.remove(OVERLAY_SEGMENTATION_ID);
      this.drawn = null;
    }
    if (!svc.getSegmentation(OVERLAY_SEGMENTATION_ID)) {
      this.drawn = null;
      await svc.createLabelmapForDisplaySet(displaySet, {
        segmentationId: OVERLAY_SEGMENTATION_ID,
        label: 'Calcium lesions',
        segments: Object.fromEntries(SEGMENTS.map((s) => [s.index, { label: s.name, active: s.index === 1 }])),
      });
      this.forDisplaySet = displaySet.displaySetInstanceUID;
    }
    return svc.getSegmentation(OVERLAY_SEGMENTATION_ID)?.representationData?.Labelmap?.imageIds ?? null;
  }

  /**
   * Show the labelmap in the viewport(s) that display this CT, once its voxels are written.
   * Returns whether some viewport showed it already: only those need a data-modified event (a
   * viewport that gets it now draws the data in its first render; under software rendering
   * each extra frame is a 150-500 ms task).
   */
  private async showInViewports(displaySet: DisplaySet): Promise<boolean> {
    const svc = this.segmentationService();
    if (!svc) return false;
    const { viewportGridService } = this.servicesManager.services;
    const { viewports } = viewportGridService.getState();
    let shownBefore = false;
    for (const [viewportId, vp] of viewports) {
      if (!(vp.displaySetInstanceUIDs ?? []).includes(displaySet.displaySetInstanceUID)) continue;
      if (svc.getSegmentationRepresentations(viewportId, { segmentationId: OVERLAY_SEGMENTATION_ID }).length > 0) shownBefore = true;
      else {
        // Candidates still to review: faint fill, so a chest CT's ribs and spine do not hide the
        // heart. Set before the representation exists, and the palette goes in with it as one
        // colour table: each change made afterwards cost cornerstone one more viewport render
        // (150-500 ms under software rendering; six colours set one by one were six renders).
        const style = hostLibraries(this.extensionManager).cornerstoneTools.segmentation.config?.style;
        const setStyle = (segmentIndex: number | undefined, value: Record<string, unknown>) =>
          style?.setStyle?.({ viewportId, segmentationId: OVERLAY_SEGMENTATION_ID, type: 'Labelmap', segmentIndex } as never, value as never);
        // Excluded calcium the same way, in its grey: shown as excluded, not hidden.
        for (const label of ['UNASSIGNED', 'OTHER']) setStyle(INDEX_OF.get(label), { fillAlpha: 0.15, fillAlphaInactive: 0.15, outlineOpacity: 0.4, outlineOpacityInactive: 0.4 });
        // The selected lesion: its label's colour as a thick outline, no fill.
        for (const label of DRAWN_LABELS) {
          setStyle(INDEX_OF.get(`SELECTED ${label}`), {
            renderFill: false,
            renderFillInactive: false,
            fillAlpha: 0,
            fillAlphaInactive: 0,
            renderOutline: true,
            renderOutlineInactive: true,
            outlineWidth: 3,
            outlineWidthInactive: 3,
            outlineOpacity: 1,
            outlineOpacityInactive: 1,
          });
        }
        await svc.addSegmentationRepresentation(viewportId, { segmentationId: OVERLAY_SEGMENTATION_ID, config: { colorLUTOrIndex: COLOR_LUT } });
      }
    }
    return shownBefore;
  }

  /** One pass; false when the viewport or its labelmap is not ready (nothing drawn). */
  private async draw(): Promise<boolean> {
    const { session } = this;
    const { lesionSet, assignment, displaySetInstanceUID, imageIds } = session;
    if (!lesionSet || !assignment || !displaySetInstanceUID || session.state.status !== 'scored') return true;
    const version = session.assignmentVersion;
    const selected = `${session.selectedLesionId}:${session.selectedPart}`;
    const displaySet = this.servicesManager.services.displaySetService.getDisplaySetByUID(displaySetInstanceUID);
    if (!displaySet?.imageIds?.length) return false;
    const labelmapIds = await this.ensureSegmentation(displaySet);
    if (!labelmapIds || labelmapIds.length !== displaySet.imageIds.length) return false;
    if (this.drawnFor !== lesionSet || !this.drawn || this.drawn.length !== lesionSet.components.length) {
      // A new lesion set (new scoring): start from an empty labelmap.
      this.drawn = new Uint8Array(lesionSet.components.length);
      this.drawnFor = lesionSet;
    }
    const { cornerstone, cornerstoneTools } = hostLibraries(this.extensionManager);
    // Volume slice k -> the labelmap image derived from the same CT image.
    const positionOf = new Map(displaySet.imageIds.map((id, n) => [id, n]));
    const managers = new Map<number, CoreTypes.IVoxelManager<number>>();
    const managerOf = (k: number): CoreTypes.IVoxelManager<number> | null => {
      let m = managers.get(k);
      if (m) return m;
      const n = positionOf.get(imageIds[k]);
      if (n === undefined) return null;
      m = cornerstone.cache.getImage(labelmapIds[n])?.voxelManager as CoreTypes.IVoxelManager<number> | undefined;
      if (m) managers.set(k, m);
      return m ?? null;
    };
    // The selected lesion, or the selected part of a split lesion.
    const selectedComponents = new Set(session.selectedComponents());
    const sliceVoxels = lesionSet.geometry.rows * lesionSet.geometry.columns;
    const modified = new Set<number>();
    const drawn = this.drawn;
    let t0 = performance.now();
    for (let n = 0; n < lesionSet.components.length; n++) {
      const c = lesionSet.components[n];
      const label = assignment.labelOfComponent(c.id);
      const want = INDEX_OF.get(selectedComponents.has(c.id) ? `SELECTED ${label}` : label) ?? 0;
      if (drawn[n] === want) continue;
      const vm = managerOf(c.slice);
      if (!vm) continue;
      const voxels = lesionSet.componentVoxels[n];
      const base = c.slice * sliceVoxels;
      for (let v = 0; v < voxels.length; v++) vm.setAtIndex(voxels[v] - base, want);
      drawn[n] = want;
      const imageIndex = positionOf.get(imageIds[c.slice]);
      if (imageIndex !== undefined) modified.add(imageIndex);
      if (performance.now() - t0 > SLICE_MS) {
        await yieldToMain();
        if (this.stopped || this.drawnFor !== session.lesionSet) return true;
        t0 = performance.now();
      }
    }
    if (session.assignmentVersion !== version || `${session.selectedLesionId}:${session.selectedPart}` !== selected) this.again = true;
    // A viewport that shows the labelmap only now draws it with the data already written.
    const shownBefore = await this.showInViewports(displaySet);
    if (modified.size === 0 || !shownBefore) return true;
    // One event for the whole pass, naming the slices that changed.
    cornerstoneTools.segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(OVERLAY_SEGMENTATION_ID, [...modified].sort((a, b) => a - b));
    return true;
  }
}
