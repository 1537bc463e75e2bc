// The host viewer's cornerstone libraries, taken at run time from OHIF's cornerstone extension
// (never a bundled copy: a second copy would have its own cache, metadata and segmentation
// state, docs/platform.md). Typed with the real @cornerstonejs packages, pinned to the host's
// version (5.6.8 in OHIF 3.13.2) and imported for types only.
import type * as CornerstoneCore from '@cornerstonejs/core';
import type * as CornerstoneTools from '@cornerstonejs/tools';
import type { ExtensionManager } from './ohif';

export interface HostLibraries {
  cornerstone: typeof CornerstoneCore;
  cornerstoneTools: typeof CornerstoneTools;
}

export function hostLibraries(extensionManager: ExtensionManager): HostLibraries {
  const entry = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.common');
  const get = entry?.exports?.getCornerstoneLibraries as (() => HostLibraries) | undefined;
  if (!get) throw new Error('The viewer has no cornerstone extension (@ohif/extension-cornerstone): cannot show or read the images.');
  return get();
}
