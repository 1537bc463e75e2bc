/** Stable ids: OHIF modules are addressed as `${EXTENSION_ID}.${moduleType}.${name}`. */
export const EXTENSION_ID = 'ohif-calcium-scoring-extension';
export const PANEL_NAME = 'calciumScoring';
export const PANEL_ID = `${EXTENSION_ID}.panelModule.${PANEL_NAME}`;
export const HANGING_PROTOCOL_NAME = 'calciumScoringCt';
