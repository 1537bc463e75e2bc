// Click-to-assign as a cornerstone3D tool. One tool class ("CalciumAssign") and one tool
// instance per label in the mode's tool group (CalciumAssignLM ... CalciumAssignExclude), each
// with its label in its configuration, so OHIF's toolbar (setToolActiveToolbar) and the
// hotkeys activate them like any other tool and the active one shows pressed.
// The class extends the HOST's BaseTool, so it is built at run time from the host's libraries.
import type * as CornerstoneTools from '@cornerstonejs/tools';
import type { LesionLabel, Vec3 } from '../../../core/types';
import type { HostLibraries } from '../host';

export const ASSIGN_TOOL = 'CalciumAssign';

/** The tool group the viewer's basic mode makes for the stack viewport; the instances join it. */
export const TOOL_GROUP_ID = 'default';

export const ASSIGN_TOOL_INSTANCES: { toolName: string; label: LesionLabel; text: string }[] = [
  { toolName: 'CalciumAssignLM', label: 'LM', text: 'LM' },
  { toolName: 'CalciumAssignLAD', label: 'LAD', text: 'LAD' },
  { toolName: 'CalciumAssignLCX', label: 'LCX', text: 'LCX' },
  { toolName: 'CalciumAssignRCA', label: 'RCA', text: 'RCA' },
  { toolName: 'CalciumAssignExclude', label: 'OTHER', text: 'Exclude' },
];

export function toolNameOf(label: LesionLabel): string | null {
  return ASSIGN_TOOL_INSTANCES.find((t) => t.label === label)?.toolName ?? null;
}

export function labelOfTool(toolName: string | undefined | null): LesionLabel | null {
  return ASSIGN_TOOL_INSTANCES.find((t) => t.toolName === toolName)?.label ?? null;
}

type ClickEvent = CornerstoneTools.Types.EventTypes.MouseClickEventType;

/** Register the tool class with the host's cornerstoneTools (once per page). */
export function registerAssignTool(libs: HostLibraries, onClick: (label: LesionLabel, pointMm: Vec3) => void): void {
  const tools = libs.cornerstoneTools;
  const Base = tools.BaseTool as unknown as new (props: unknown, defaults: unknown) => { configuration: { label?: LesionLabel } };
  class CalciumAssignTool extends Base {
    static toolName = ASSIGN_TOOL;
    constructor(toolProps: unknown = {}, defaultToolProps: unknown = { supportedInteractionTypes: ['Mouse', 'Touch'], configuration: { label: null } }) {
      super(toolProps, defaultToolProps);
    }

    /** A plain click (not a drag) with this tool active: the lesion under the pointer takes the label. */
    mouseClickCallback = (evt: ClickEvent) => {
      const world = evt.detail.currentPoints?.world;
      const label = this.configuration.label;
      if (!world || !label) return;
      onClick(label, [world[0], world[1], world[2]] as Vec3);
    };
  }
  const state = (tools as unknown as { state?: { tools?: Record<string, unknown> } }).state;
  if (state?.tools?.[ASSIGN_TOOL]) return;
  tools.addTool(CalciumAssignTool as never);
}
