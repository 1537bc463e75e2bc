// Commands of the calcium scoring extension. Work is done in commands; the panel calls them
// and renders what they return (OHIF's own convention).
import { displayedDisplaySet } from './displayedSeries';
import type { ExtensionParams } from './ohif';
import { seriesFactsFromInstances } from './seriesFacts';
import type { SeriesFacts } from '../../core/types';

export interface DisplayedSeries {
  displaySetInstanceUID: string;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  seriesDescription: string | null;
  seriesNumber: string | null;
  facts: SeriesFacts;
}

export default function getCommandsModule({ servicesManager }: ExtensionParams) {
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
  };
  return {
    actions,
    definitions: {
      getCalciumScoringSeries: { commandFn: actions.getCalciumScoringSeries },
    },
    defaultContext: 'CALCIUM_SCORING',
  };
}
