// Commands of the calcium scoring extension. Work is done in commands; the panel, the toolbar
// and the hotkeys call them and render what they return or the session state (OHIF's own
// convention). Nothing starts here: the mode's onModeEnter runs calciumScoringModeEnter.
import { ARTERIES, type LesionLabel, type ScoringResult, type SeriesFacts, type Vec3 } from '../../core/types';
import { activeDataSource, signedInReaderName, type ActiveDataSource } from './dataSource';
import { displayedDisplaySet } from './displayedSeries';
import { CALCIUM_WINDOW } from './hotkeys';
import { enterMode, exitMode } from './modeLifecycle';
import type { ExtensionParams } from './ohif';
import type { ArchiveAccess } from './scoring/session';
import { calciumScoringService } from './service';
import { calciumReportsInViewer } from './storedInViewer';
import { seriesFactsFromInstances } from './seriesFacts';
import { TOOL_GROUP_ID, toolNameOf } from './tools/assignTool';

export interface DisplayedSeries {
  displaySetInstanceUID: string;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  seriesDescription: string | null;
  seriesNumber: string | null;
  facts: SeriesFacts;
}

/** The slice of a cornerstone3D stack viewport the commands use. */
interface StackViewport {
  getImageIds: () => string[];
  setImageIdIndex: (i: number) => Promise<unknown>;
  getCamera: () => { focalPoint?: number[]; position?: number[]; viewPlaneNormal?: number[] };
  setCamera: (c: { focalPoint: Vec3; position: Vec3 }) => void;
  setProperties: (p: { voiRange: { lower: number; upper: number } }) => void;
  render: () => void;
}

interface CornerstoneViewportService {
  getCornerstoneViewport?: (viewportId: string) => StackViewport | null;
}

export default function getCommandsModule({ servicesManager, extensionManager, commandsManager }: ExtensionParams) {
  // The viewer state, from the service the extension registered (preRegistration runs first).
  const session = calciumScoringService(servicesManager);
  const activeViewport = (): StackViewport | null => {
    const { viewportGridService } = servicesManager.services;
    const viewportId = viewportGridService.getState().activeViewportId;
    const svc = servicesManager.services.cornerstoneViewportService as CornerstoneViewportService | undefined;
    return viewportId ? (svc?.getCornerstoneViewport?.(viewportId) ?? null) : null;
  };

  /** The slice of the largest (Agatston) lesion on a coronary artery, proposed or assigned; nothing without one. */
  const showLargestCoronary = async () => {
    if (session.state.status !== 'scored') return;
    const coronary = session.state.result.lesions.filter((l) => (ARTERIES as readonly string[]).includes(l.artery));
    if (!coronary.length) return;
    const largest = coronary.reduce((a, b) => (b.agatston > a.agatston ? b : a));
    const imageId = session.imageIds[Math.round((largest.sliceRange[0] + largest.sliceRange[1]) / 2)];
    const viewport = activeViewport();
    const index = viewport ? viewport.getImageIds().indexOf(imageId) : -1;
    if (viewport && index >= 0) await viewport.setImageIdIndex(index);
  };

  /** Arm a label: the matching tool instance becomes the primary-button tool (null: back to W/L). */
  const activateTool = (label: LesionLabel | null) => {
    const itemId = label ? toolNameOf(label) : 'WindowLevel';
    if (!itemId) return;
    try {
      commandsManager.runCommand('setToolActiveToolbar', { itemId, toolGroupIds: [TOOL_GROUP_ID] });
    } catch (e) {
      console.warn('[calcium-scoring] could not activate the tool', itemId, e);
    }
  };

  /** Where the stored calcium reports are read: the data source, and first what the viewer already holds. */
  const archiveOf = (source: ActiveDataSource): ArchiveAccess | null =>
    source.wadoRoot ? { url: source.wadoRoot, qidoUrl: source.qidoRoot, headers: source.headers, inViewer: (studyUid) => calciumReportsInViewer(servicesManager, studyUid) } : null;

  const actions = {
    /** Set up the mode: score at once, overlay, tool, hotkeys (mode.onModeEnter). */
    calciumScoringModeEnter(): void {
      enterMode({ servicesManager, extensionManager, commandsManager });
    },

    /** Remove everything calciumScoringModeEnter set up (mode.onModeExit). */
    calciumScoringModeExit(): void {
      exitMode();
    },

    /** Facts of the CT series shown in the active viewport; null when no CT is displayed. */
    getCalciumScoringSeries(): DisplayedSeries | null {
      const ds = displayedDisplaySet(servicesManager);
      if (!ds) return null;
      const instances = ds.instances ?? ds.images ?? [];
      return {
        displaySetInstanceUID: ds.displaySetInstanceUID,
        studyInstanceUid: ds.StudyInstanceUID ?? null,
        seriesInstanceUid: ds.SeriesInstanceUID ?? null,
        seriesDescription: ds.SeriesDescription ?? null,
        seriesNumber: ds.SeriesNumber === undefined || ds.SeriesNumber === null ? null : String(ds.SeriesNumber),
        facts: seriesFactsFromInstances(instances),
      };
    },

    /** Load the displayed CT series from the viewer's image cache and score it (progress in the session). */
    async calciumScoringScore(): Promise<void> {
      const ds = displayedDisplaySet(servicesManager);
      if (!ds) throw new Error('No CT series is displayed.');
      const source = activeDataSource(extensionManager, servicesManager.services.userAuthenticationService);
      // Once scored, the viewport opens on the largest proposed coronary lesion, unless the
      // reader moved the image meanwhile (wheel, key, click or drag on a viewport).
      let moved = false;
      const onInput = (e: Event) => {
        if ((e.target as Element | null)?.closest?.('[data-cy="viewport-pane"], .cornerstone-viewport-element')) moved = true;
      };
      const events = ['wheel', 'keydown', 'pointerdown'] as const;
      for (const ev of events) window.addEventListener(ev, onInput, true);
      const run = session.state;
      try {
        await session.score(ds, extensionManager, undefined, archiveOf(source));
      } finally {
        for (const ev of events) window.removeEventListener(ev, onInput, true);
      }
      if (!moved && session.state !== run && session.displaySetInstanceUID === ds.displaySetInstanceUID) await showLargestCoronary();
    },

    /**
     * "Score again": a fresh automatic scoring of the displayed series that sets a restored
     * report's labels aside for this session (the archive keeps it until the reader saves).
     */
    async calciumScoringScoreAgain(): Promise<void> {
      const ds = displayedDisplaySet(servicesManager);
      if (!ds) throw new Error('No CT series is displayed.');
      const source = activeDataSource(extensionManager, servicesManager.services.userAuthenticationService);
      await session.scoreAgain(ds, extensionManager, archiveOf(source));
    },

    /** Stop loading / scoring / labelling. */
    calciumScoringCancel(): void {
      session.cancel();
    },

    /** Assign / reassign a lesion to LM, LAD, LCX or RCA, or exclude it (OTHER). */
    // lesionId: a row of the list (a lesion, or one part of a split lesion: only that part
    // changes, see session.partComponents), or a 3D lesion's id (all of it).
    calciumScoringAssignLesion({ lesionId, label }: { lesionId: number; label: LesionLabel }): ScoringResult {
      const id = session.selectRow(lesionId);
      if (id === null) {
        session.select(lesionId);
        return session.assignLesion(lesionId, label);
      }
      return session.assignLesion(id, label, session.selectedPart);
    },

    /**
     * Hotkeys 1-4 / X: with a lesion selected, give it the label and go to the next lesion to
     * review; without one, arm the label for clicks on the image.
     */
    async calciumScoringLabelKey({ label }: { label: LesionLabel }): Promise<void> {
      if (session.state.status !== 'scored') return;
      const selected = session.selectedLesionId;
      if (selected === null) {
        actions.calciumScoringArmClick({ label });
        return;
      }
      const wasToReview = session.reviewQueue().includes(selected);
      // The selected part of a split lesion only (session.partComponents).
      session.assignLesion(selected, label, session.selectedPart);
      if (wasToReview) await actions.calciumScoringStepLesion({ step: 1 });
    },

    calciumScoringUndo(): void {
      if (session.state.status === 'scored') session.undo();
    },

    calciumScoringRedo(): void {
      if (session.state.status === 'scored') session.redo();
    },

    /** N / P: select and show the next / previous lesion to review. */
    async calciumScoringStepLesion({ step }: { step: 1 | -1 }): Promise<void> {
      if (session.state.status !== 'scored') return;
      const id = session.stepReview(step);
      if (id !== null) await actions.calciumScoringJumpToLesion({ lesionId: id });
    },

    /** The calcium review window on the active viewport. */
    calciumScoringWindowPreset(): void {
      const vp = activeViewport();
      if (!vp) return;
      const { windowWidth: w, windowCenter: c } = CALCIUM_WINDOW;
      vp.setProperties({ voiRange: { lower: c - w / 2, upper: c + w / 2 } });
      vp.render();
    },

    /**
     * Save the result to the archive through the viewer's active data source (its DICOMweb
     * client and headers): SEG + SR (TID 1500) + PDF; the new series are registered with the
     * viewer's metadata store, so they appear without reloading.
     */
    async calciumScoringSave(): Promise<void> {
      const auth = servicesManager.services.userAuthenticationService;
      await session.save(activeDataSource(extensionManager, auth), commandsManager, { reviewerName: signedInReaderName(auth) });
    },

    /** Arm click-to-assign with a label (LM, LAD, LCX, RCA, OTHER), or disarm with null. */
    calciumScoringArmClick({ label }: { label: LesionLabel | null }): void {
      session.arm(label);
      activateTool(label);
    },

    /** Set the mass calibration factor (mg HA/cm³/HU) by hand; null removes it. */
    calciumScoringSetMassFactor({ massFactor }: { massFactor: number | null }): ScoringResult {
      return session.setMassFactor(massFactor);
    },

    /** Exclude every lesion not yet assigned to an artery. */
    calciumScoringExcludeUnassigned(): ScoringResult {
      return session.excludeUnassigned();
    },

    /** Accept every remaining automatic artery label as it stands (the reader's confirmation). */
    calciumScoringConfirmAutomatic(): ScoringResult {
      return session.confirmAutomatic();
    },

    /** Show a lesion: its middle slice, centred in the active viewport, highlighted on the overlay. */
    async calciumScoringJumpToLesion({ lesionId }: { lesionId: number }): Promise<void> {
      if (session.state.status !== 'scored') return;
      const lesion = session.state.result.lesions.find((l) => l.id === lesionId);
      if (!lesion) return;
      session.selectRow(lesion.id);
      const k = Math.round((lesion.sliceRange[0] + lesion.sliceRange[1]) / 2);
      const imageId = session.imageIds[k];
      const viewport = activeViewport();
      if (!viewport) return;
      const index = viewport.getImageIds().indexOf(imageId);
      if (index >= 0) await viewport.setImageIdIndex(index);
      // Centre in plane: move focal point and camera together by the in-plane offset.
      const cam = viewport.getCamera();
      const fp = cam.focalPoint, pos = cam.position, n = cam.viewPlaneNormal;
      if (fp && pos && n) {
        const d = [0, 1, 2].map((i) => lesion.centroidMm[i] - fp[i]);
        const along = d[0] * n[0] + d[1] * n[1] + d[2] * n[2];
        const inPlane = d.map((x, i) => x - along * n[i]);
        viewport.setCamera({
          focalPoint: [fp[0] + inPlane[0], fp[1] + inPlane[1], fp[2] + inPlane[2]],
          position: [pos[0] + inPlane[0], pos[1] + inPlane[1], pos[2] + inPlane[2]],
        });
        viewport.render();
      }
    },
  };
  const definitions = Object.fromEntries(Object.entries(actions).map(([name, fn]) => [name, { commandFn: fn }]));
  return {
    actions,
    definitions,
    defaultContext: 'CALCIUM_SCORING',
  };
}
