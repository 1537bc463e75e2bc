// Click on the image to assign: while the panel has an artery armed, a plain click (not a drag)
// in a viewport assigns the lesion under the pointer. cornerstone dispatches its MOUSE_CLICK
// event on the viewport element without bubbling; a capturing listener on the document sees it
// for every viewport, present or future.
import type { Vec3 } from '../../../core/types';
import type { ExtensionManager } from '../ohif';
import { session } from './session';

interface ClickDetail {
  currentPoints?: { world?: number[] };
}

export function installClickToAssign(extensionManager: ExtensionManager): () => void {
  if (typeof document === 'undefined') return () => undefined;
  const entry = extensionManager.getModuleEntry('@ohif/extension-cornerstone.utilityModule.common');
  const libs = (entry?.exports?.getCornerstoneLibraries as (() => { cornerstoneTools?: { Enums?: { Events?: { MOUSE_CLICK?: string } } } }) | undefined)?.();
  const eventName = libs?.cornerstoneTools?.Enums?.Events?.MOUSE_CLICK ?? 'CORNERSTONE_TOOLS_MOUSE_CLICK';
  const onClick = (e: Event) => {
    if (!session.armedLabel) return;
    const world = (e as CustomEvent<ClickDetail>).detail?.currentPoints?.world;
    if (!world || world.length < 3) return;
    session.assignAtPoint([world[0], world[1], world[2]] as Vec3);
  };
  document.addEventListener(eventName, onClick, true);
  return () => document.removeEventListener(eventName, onClick, true);
}
