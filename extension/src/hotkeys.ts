// The calcium scoring mode's hotkeys. They are registered through the mode (OHIF's
// 'ohif.hotkeyBindings' customization, read after onModeEnter) and listed in the panel.
// OHIF 3.13.2's default bindings on the same keys (W/L presets 1-4, undo / redo of annotations,
// "n" interpolate scroll of marker labelmaps) are taken out of this mode's list, so no key runs
// two commands; every other OHIF hotkey stays as it is.

export interface HotkeyBinding {
  commandName: string;
  commandOptions?: Record<string, unknown>;
  label: string;
  keys: string[];
  isEditable?: boolean;
}

export const CALCIUM_HOTKEYS: HotkeyBinding[] = [
  { commandName: 'calciumScoringLabelKey', commandOptions: { label: 'LM' }, label: 'LM: selected lesion, or click to assign', keys: ['1'] },
  { commandName: 'calciumScoringLabelKey', commandOptions: { label: 'LAD' }, label: 'LAD: selected lesion, or click to assign', keys: ['2'] },
  { commandName: 'calciumScoringLabelKey', commandOptions: { label: 'LCX' }, label: 'LCX: selected lesion, or click to assign', keys: ['3'] },
  { commandName: 'calciumScoringLabelKey', commandOptions: { label: 'RCA' }, label: 'RCA: selected lesion, or click to assign', keys: ['4'] },
  { commandName: 'calciumScoringLabelKey', commandOptions: { label: 'OTHER' }, label: 'Exclude: selected lesion, or click to exclude', keys: ['x'] },
  { commandName: 'calciumScoringUndo', label: 'Undo the last assignment', keys: ['ctrl+z'] },
  { commandName: 'calciumScoringRedo', label: 'Redo', keys: ['ctrl+y'] },
  { commandName: 'calciumScoringStepLesion', commandOptions: { step: 1 }, label: 'Next lesion to review', keys: ['n'] },
  { commandName: 'calciumScoringStepLesion', commandOptions: { step: -1 }, label: 'Previous lesion to review', keys: ['p'] },
  { commandName: 'calciumScoringWindowPreset', label: 'Calcium window (W 800 / L 300)', keys: ['w'] },
].map((b) => ({ ...b, isEditable: true }));

/** Key as the panel shows it ("ctrl+z" -> "Ctrl+Z"). */
export function keyText(key: string): string {
  return key
    .split('+')
    .map((k) => (k.length === 1 ? k.toUpperCase() : k[0].toUpperCase() + k.slice(1)))
    .join('+');
}

/**
 * This mode's binding list: the host's bindings without those on our keys, then ours.
 * Pure, so the "no key runs two commands" rule is checked by a unit test.
 */
export function mergeHotkeys(host: HotkeyBinding[] | undefined, ours: HotkeyBinding[] = CALCIUM_HOTKEYS): HotkeyBinding[] {
  const taken = new Set(ours.flatMap((b) => b.keys.map((k) => k.toLowerCase())));
  const kept = (host ?? []).filter((b) => !(b.keys ?? []).some((k) => taken.has(String(k).toLowerCase())));
  return [...kept, ...ours];
}

/** The calcium review window (our choice, not a standard): soft tissue dark, 130 HU and more bright with gradation. */
export const CALCIUM_WINDOW = { windowWidth: 800, windowCenter: 300 };
