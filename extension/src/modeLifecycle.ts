// What the calcium scoring mode sets up when it is entered and removes when it is left
// (OHIF's lifecycle: side effects in onModeEnter, disposers in onModeExit). The mode calls
// the commands calciumScoringModeEnter / calciumScoringModeExit, which run these.
//  - scores the displayed CT series at once (and again when another series is displayed);
//  - draws the lesion overlay;
//  - adds the click-to-assign tool instances to the mode's tool group;
// The mode itself binds the hotkeys and puts the tool's buttons in the toolbar (mode/src/index.ts).
import { displayedDisplaySet } from './displayedSeries';
import { hostLibraries } from './host';
import type { CommandsManager, ExtensionManager, ServicesManager, Subscription } from './ohif';
import { LesionOverlay } from './scoring/overlay';
import { calciumScoringService } from './service';
import { ASSIGN_TOOL, ASSIGN_TOOL_INSTANCES, registerAssignTool, TOOL_GROUP_ID } from './tools/assignTool';

interface LifecycleArgs {
  servicesManager: ServicesManager;
  extensionManager: ExtensionManager;
  commandsManager: CommandsManager;
}

interface ToolGroup {
  addToolInstance: (name: string, parent: string, configuration?: Record<string, unknown>) => void;
  hasTool: (name: string) => boolean;
}
interface ToolGroupService {
  getToolGroup: (id: string) => ToolGroup | undefined;
}

let current: (() => void) | null = null;
/** The overlay of the current mode visit (the benchmark waits on its `settled`). */
export let overlay: LesionOverlay | null = null;

export function enterMode({ servicesManager, extensionManager, commandsManager }: LifecycleArgs): void {
  exitMode();
  const session = calciumScoringService(servicesManager);
  const disposers: (() => void)[] = [];
  const services = servicesManager.services as Record<string, unknown>;

  // The tool and its instances, in the mode's tool group (the mode's toolbar buttons activate them).
  try {
    const libs = hostLibraries(extensionManager);
    registerAssignTool(libs, (label, pointMm) => session.assignAtPoint(pointMm, label));
    const group = (services.toolGroupService as ToolGroupService | undefined)?.getToolGroup(TOOL_GROUP_ID);
    for (const t of ASSIGN_TOOL_INSTANCES) {
      if (group && !group.hasTool(t.toolName)) group.addToolInstance(t.toolName, ASSIGN_TOOL, { label: t.label });
    }
  } catch (e) {
    console.error('[calcium-scoring] Could not add the click-to-assign tool:', e);
  }

  // The overlay follows the session.
  overlay = new LesionOverlay(servicesManager, extensionManager, session);
  disposers.push(overlay.start());

  // Score the displayed series as soon as it is known.
  let scoredFor: string | null = null;
  const maybeScore = () => {
    // An SR's display set may come after the CT's: a stored result then shows as soon as it does.
    session.checkViewerReports();
    const ds = displayedDisplaySet(servicesManager);
    if (!ds || ds.displaySetInstanceUID === scoredFor) return;
    scoredFor = ds.displaySetInstanceUID;
    session.reset(ds.displaySetInstanceUID);
    if (session.state.status === 'idle') {
      void Promise.resolve(commandsManager.runCommand('calciumScoringScore')).catch((e: unknown) => console.error('[calcium-scoring] score:', e));
    }
  };
  const subs: Subscription[] = [];
  const { displaySetService, viewportGridService } = servicesManager.services;
  for (const [svc, names] of [
    [displaySetService, ['DISPLAY_SETS_ADDED', 'DISPLAY_SETS_CHANGED']],
    [viewportGridService, ['GRID_STATE_CHANGED', 'ACTIVE_VIEWPORT_ID_CHANGED', 'VIEWPORTS_READY']],
  ] as const) {
    for (const name of names) {
      const event = svc.EVENTS?.[name];
      if (event) subs.push(svc.subscribe(event, maybeScore));
    }
  }
  disposers.push(() => subs.forEach((s) => s.unsubscribe()));
  maybeScore();

  current = () => {
    for (const d of disposers.reverse()) {
      try {
        d();
      } catch (e) {
        console.warn('[calcium-scoring] mode exit:', e);
      }
    }
    session.cancel();
    session.arm(null);
    overlay = null;
  };
}

export function exitMode(): void {
  const c = current;
  current = null;
  c?.();
}
