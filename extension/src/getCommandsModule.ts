// Commands of the calcium scoring extension. Work is done in commands; the panel calls them
// and renders what they return or the session state (OHIF's own convention).
import type { LesionLabel, ScoringResult, SeriesFacts } from '../../core/types';
import { wadoRootOf } from './archive';
import { displayedDisplaySet } from './displayedSeries';
import type { ExtensionParams } from './ohif';
import { installClickToAssign } from './scoring/clickToAssign';
import { LesionOverlay } from './scoring/overlay';
import { session } from './scoring/session';
import { seriesFactsFromInstances } from './seriesFacts';

export interface DisplayedSeries {
  displaySetInstanceUID: string;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  seriesDescription: string | null;
  seriesNumber: string | null;
  facts: SeriesFacts;
}

interface RefreshableDataSource {
  getConfig?: () => { name?: string } | undefined;
  deleteStudyMetadataPromise?: (studyInstanceUid: string) => void;
  retrieve?: { series?: { metadata?: (args: { StudyInstanceUID: string; madeInClient?: boolean }) => Promise<unknown> } };
}

interface CornerstoneViewportService {
  getCornerstoneViewport?: (viewportId: string) => { getImageIds?: () => string[]; setImageIdIndex?: (i: number) => Promise<unknown> } | null;
}

export default function getCommandsModule({ servicesManager, extensionManager }: ExtensionParams) {
  // Lesions over the CT, coloured by artery, redrawn whenever the session changes.
  new LesionOverlay(servicesManager, extensionManager).start();
  installClickToAssign(extensionManager);
  const actions = {
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
      await session.score(ds, extensionManager, undefined, wadoRootOf(extensionManager._appConfig ?? extensionManager.appConfig));
    },

    /** Assign / reassign a lesion to LM, LAD, LCX or RCA, or exclude it (OTHER). */
    calciumScoringAssignLesion({ lesionId, label }: { lesionId: number; label: LesionLabel }): ScoringResult {
      return session.assignLesion(lesionId, label);
    },

    /**
     * Save the reviewed result to the archive: SEG + SR (TID 1500) + PDF over STOW-RS (a re-save
     * is a correction, version + 1), then let the viewer list the new series.
     */
    async calciumScoringSave(): Promise<void> {
      const appConfig = extensionManager._appConfig ?? extensionManager.appConfig;
      const state = await session.save(wadoRootOf(appConfig));
      if (state.status !== 'saved') return;
      const studyUid = session.volume?.source.studyInstanceUid;
      const dataSource = (extensionManager as unknown as { getActiveDataSource?: () => RefreshableDataSource[] }).getActiveDataSource?.()?.[0];
      if (studyUid && dataSource?.retrieve?.series?.metadata) {
        // Forget the cached study metadata so the new SR/SEG/PDF series are fetched and shown.
        // OHIF 3.13 caches it under "<data source name>:<study UID>" but deletes the bare UID,
        // so both keys are dropped.
        dataSource.deleteStudyMetadataPromise?.(studyUid);
        const name = dataSource.getConfig?.()?.name;
        if (name) dataSource.deleteStudyMetadataPromise?.(`${name}:${studyUid}`);
        await dataSource.retrieve.series.metadata({ StudyInstanceUID: studyUid, madeInClient: true });
      }
    },

    /** Arm click-to-assign with a label (LM, LAD, LCX, RCA, OTHER), or disarm with null. */
    calciumScoringArmClick({ label }: { label: LesionLabel | null }): void {
      session.arm(label);
    },

    /** Set the mass calibration factor (mg HA/cm³/HU) by hand; null removes it. */
    calciumScoringSetMassFactor({ massFactor }: { massFactor: number | null }): ScoringResult {
      return session.setMassFactor(massFactor);
    },

    /** Exclude every lesion not yet assigned to an artery. */
    calciumScoringExcludeUnassigned(): ScoringResult {
      return session.excludeUnassigned();
    },

    /** Show the middle slice of a lesion in the active viewport. */
    async calciumScoringJumpToLesion({ lesionId }: { lesionId: number }): Promise<void> {
      if (session.state.status !== 'scored') return;
      const lesion = session.state.result.lesions.find((l) => l.id === lesionId);
      if (!lesion) return;
      const k = Math.round((lesion.sliceRange[0] + lesion.sliceRange[1]) / 2);
      const imageId = session.imageIds[k];
      const { viewportGridService } = servicesManager.services;
      const viewportId = viewportGridService.getState().activeViewportId;
      const svc = servicesManager.services.cornerstoneViewportService as CornerstoneViewportService | undefined;
      const viewport = viewportId ? svc?.getCornerstoneViewport?.(viewportId) : null;
      const index = viewport?.getImageIds?.().indexOf(imageId) ?? -1;
      if (viewport?.setImageIdIndex && index >= 0) await viewport.setImageIdIndex(index);
    },
  };
  return {
    actions,
    definitions: {
      getCalciumScoringSeries: { commandFn: actions.getCalciumScoringSeries },
      calciumScoringScore: { commandFn: actions.calciumScoringScore },
      calciumScoringAssignLesion: { commandFn: actions.calciumScoringAssignLesion },
      calciumScoringJumpToLesion: { commandFn: actions.calciumScoringJumpToLesion },
      calciumScoringSave: { commandFn: actions.calciumScoringSave },
      calciumScoringExcludeUnassigned: { commandFn: actions.calciumScoringExcludeUnassigned },
      calciumScoringArmClick: { commandFn: actions.calciumScoringArmClick },
      calciumScoringSetMassFactor: { commandFn: actions.calciumScoringSetMassFactor },
    },
    defaultContext: 'CALCIUM_SCORING',
  };
}
