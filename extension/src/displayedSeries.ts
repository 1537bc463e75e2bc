// Which series the reader is looking at: the display set in the active viewport, or else the
// first CT image display set of the loaded studies.
import type { DisplaySet, ServicesManager } from './ohif';

export function isCtImageSet(ds: DisplaySet | undefined): ds is DisplaySet {
  return !!ds && ds.Modality === 'CT' && !ds.unsupported && (ds.instances?.length ?? ds.images?.length ?? 0) > 0;
}

export function displayedDisplaySet(servicesManager: ServicesManager): DisplaySet | null {
  const { viewportGridService, displaySetService } = servicesManager.services;
  const { activeViewportId, viewports } = viewportGridService.getState();
  const uids = activeViewportId ? viewports.get(activeViewportId)?.displaySetInstanceUIDs ?? [] : [];
  for (const uid of uids) {
    const ds = displaySetService.getDisplaySetByUID(uid);
    if (isCtImageSet(ds)) return ds;
  }
  // The active viewport may show an SR or SEG: fall back to any CT the grid shows, then to any CT.
  for (const vp of viewports.values()) {
    for (const uid of vp.displaySetInstanceUIDs ?? []) {
      const ds = displaySetService.getDisplaySetByUID(uid);
      if (isCtImageSet(ds)) return ds;
    }
  }
  const cts = displaySetService.getActiveDisplaySets().filter(isCtImageSet);
  cts.sort((a, b) => (b.instances?.length ?? 0) - (a.instances?.length ?? 0));
  return cts[0] ?? null;
}
