// The calcium scoring mode's own toolbar buttons, defined here and composed into the toolbar in
// onModeEnter with OHIF's toolbarService (as OHIF's modes do). The extension keeps the tool
// (CalciumAssign, one instance per label in the tool group) and the commands they call.
import { ASSIGN_TOOL_INSTANCES, TOOL_GROUP_ID } from '../../extension/src/tools/assignTool';

export const WINDOW_BUTTON = 'CalciumWindow';

/** Click-to-assign, one button per label, then the calcium window preset. */
export const toolbarButtons = [
  ...ASSIGN_TOOL_INSTANCES.map((t) => ({
    id: t.toolName,
    uiType: 'ohif.toolButton',
    props: {
      icon: 'tool-freehand-roi',
      label: t.label === 'OTHER' ? 'Exclude' : `Assign ${t.text}`,
      tooltip: t.label === 'OTHER' ? 'Click a lesion to exclude it (X)' : `Click a lesion to assign it to ${t.text}`,
      commands: [{ commandName: 'setToolActiveToolbar', commandOptions: { toolGroupIds: [TOOL_GROUP_ID] } }],
      evaluate: 'evaluate.cornerstoneTool',
    },
  })),
  {
    id: WINDOW_BUTTON,
    uiType: 'ohif.toolButton',
    props: {
      icon: 'tool-window-level',
      label: 'Calcium window',
      tooltip: 'Calcium window W 800 / L 300 (W)',
      commands: 'calciumScoringWindowPreset',
      evaluate: 'evaluate.action',
    },
  },
];

/** What the mode adds to the primary section, after the basic mode's tools. */
export const PRIMARY_SECTION = [...ASSIGN_TOOL_INSTANCES.map((t) => t.toolName), WINDOW_BUTTON];
