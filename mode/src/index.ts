// The OHIF mode "Calcium Scoring" (id "calcium-scoring"): thin, as OHIF's own modes are:
// routes, layout, SOP class handlers, hanging protocol, hotkeys, toolbar. Tool groups, the
// stock toolbar and mode enter/exit come from the viewer's own basic mode (loaded through the
// host's loader), so this mode behaves like the stock ones and follows the host's version; on
// enter it also asks the extension to set up scoring (score at once, overlay, click-to-assign
// tool), adds its own buttons to the toolbar (toolbarButtons.ts), and removes that on exit.
import { CALCIUM_HOTKEYS, mergeHotkeys, type HotkeyBinding } from '../../extension/src/hotkeys';
import { PRIMARY_SECTION, toolbarButtons } from './toolbarButtons';

const MODE_ID = 'calcium-scoring';
const EXTENSION_PACKAGE = 'ohif-calcium-scoring-extension';
const PANEL = `${EXTENSION_PACKAGE}.panelModule.calciumScoring`;
const HANGING_PROTOCOL = 'calciumScoringCt';

const ohif = {
  layout: '@ohif/extension-default.layoutTemplateModule.viewerLayout',
  sopClassHandler: '@ohif/extension-default.sopClassHandlerModule.stack',
  thumbnailList: '@ohif/extension-default.panelModule.seriesList',
};
const cornerstone = {
  viewport: '@ohif/extension-cornerstone.viewportModule.cornerstone',
  segmentationPanel: '@ohif/extension-cornerstone.panelModule.panelSegmentation',
  measurementPanel: '@ohif/extension-cornerstone.panelModule.panelMeasurement',
};
// Stored results (SR + SEG) open in the stock viewports, not as "unsupported" series.
const dicomsr = {
  sopClassHandler: '@ohif/extension-cornerstone-dicom-sr.sopClassHandlerModule.dicom-sr',
  sopClassHandler3D: '@ohif/extension-cornerstone-dicom-sr.sopClassHandlerModule.dicom-sr-3d',
  viewport: '@ohif/extension-cornerstone-dicom-sr.viewportModule.dicom-sr',
};
const dicomseg = {
  sopClassHandler: '@ohif/extension-cornerstone-dicom-seg.sopClassHandlerModule.dicom-seg',
  viewport: '@ohif/extension-cornerstone-dicom-seg.viewportModule.dicom-seg',
};
const dicompdf = {
  sopClassHandler: '@ohif/extension-dicom-pdf.sopClassHandlerModule.dicom-pdf',
  viewport: '@ohif/extension-dicom-pdf.viewportModule.dicom-pdf',
};

type ExtensionMap = Record<string, string>;

/**
 * The key under which the mode names this extension. Loaded at run time, the viewer imports
 * every key of a mode's `extensions` map, so the key must be the URL listed in
 * window.config.extensions (a bare package name throws, docs/platform.md). Installed at build time
 * (pluginConfig.json), the package name is what the viewer's loader knows.
 */
export function extensionKey(configured: unknown[] | undefined): string {
  // Entries are a URL / name, or [URL, configuration].
  const names = (configured ?? []).map((e) => (Array.isArray(e) ? e[0] : e));
  const url = names.find((e): e is string => typeof e === 'string' && e.includes(EXTENSION_PACKAGE) && e !== EXTENSION_PACKAGE);
  return url ?? EXTENSION_PACKAGE;
}

const extensionDependencies: ExtensionMap = {
  '@ohif/extension-default': '^3.0.0',
  '@ohif/extension-cornerstone': '^3.0.0',
  '@ohif/extension-cornerstone-dicom-sr': '^3.0.0',
  '@ohif/extension-cornerstone-dicom-seg': '^3.0.0',
  '@ohif/extension-dicom-pdf': '^3.0.1',
};

/** Valid for studies with a CT series; other studies do not offer the mode. */
export function isValidMode({ modalities }: { modalities?: string }) {
  const list = (modalities ?? '').split('\\').map((m) => m.trim().toUpperCase());
  return list.includes('CT')
    ? { valid: true, description: 'Coronary calcium scoring on a non-contrast CT series' }
    : { valid: false, description: 'Calcium scoring needs a CT series; this study has none.' };
}

const layoutInstance = {
  id: ohif.layout,
  props: {
    leftPanels: [ohif.thumbnailList],
    leftPanelResizable: true,
    leftPanelClosed: false,
    rightPanels: [PANEL, cornerstone.segmentationPanel, cornerstone.measurementPanel],
    rightPanelClosed: false,
    rightPanelResizable: true,
    rightPanelInitialExpandedWidth: 320,
    viewports: [
      { namespace: cornerstone.viewport, displaySetsToDisplay: [ohif.sopClassHandler] },
      { namespace: dicomsr.viewport, displaySetsToDisplay: [dicomsr.sopClassHandler, dicomsr.sopClassHandler3D] },
      { namespace: dicomseg.viewport, displaySetsToDisplay: [dicomseg.sopClassHandler] },
      { namespace: dicompdf.viewport, displaySetsToDisplay: [dicompdf.sopClassHandler] },
    ],
  },
};

interface ModeFactoryArgs {
  modeConfiguration?: Record<string, unknown>;
  loadModules?: (names: string[]) => Promise<unknown[]>;
}

interface BasicModeModule {
  modeInstance?: Record<string, unknown>;
}

interface LifecycleArgs {
  servicesManager: { services: Record<string, unknown> };
  commandsManager: { runCommand: (name: string, options?: Record<string, unknown>) => unknown };
}
type Hook = (this: unknown, args: LifecycleArgs) => void;

interface ToolbarService {
  sections?: { primary?: string };
  register: (buttons: unknown[]) => void;
  updateSection: (key: string, ids: string[]) => void;
}

interface CustomizationService {
  getCustomization: (key: string) => unknown;
  setCustomizations: (c: Record<string, unknown>) => void;
}

/**
 * This mode's hotkeys: OHIF's bindings minus those on the keys this mode uses, plus ours. The
 * mode route reads 'ohif.hotkeyBindings' right after onModeEnter, so setting it here (mode
 * scope) binds them for this mode only.
 */
function setModeCustomizations(services: Record<string, unknown>) {
  const customization = services.customizationService as CustomizationService | undefined;
  if (!customization) return;
  const host = customization.getCustomization('ohif.hotkeyBindings') as HotkeyBinding[] | undefined;
  customization.setCustomizations({
    'ohif.hotkeyBindings': { $set: mergeHotkeys(host, CALCIUM_HOTKEYS) },
    // The panel's per-lesion and per-artery figures come from the scoring core; OHIF's own
    // segment statistics over the whole lesion labelmap (recomputed after every edit) would
    // only cost main-thread time on a chest CT's ~900 candidates.
    'panelSegmentation.disableUpdateSegmentationStats': { $set: true },
  });
}

async function modeFactory({ modeConfiguration, loadModules }: ModeFactoryArgs) {
  // The basic mode's instance carries the tool group set-up, toolbar composition and
  // enter/exit hooks of this viewer version.
  let base: Record<string, unknown> = {};
  if (loadModules) {
    try {
      const [basic] = (await loadModules(['@ohif/mode-basic'])) as BasicModeModule[];
      base = basic?.modeInstance ?? {};
    } catch (e) {
      console.error('[calcium-scoring] The viewer has no @ohif/mode-basic; the mode runs without its toolbar.', e);
    }
  }
  const configuredExtensions = (globalThis as { config?: { extensions?: unknown[] } }).config?.extensions;
  const baseEnter = base.onModeEnter as Hook | undefined;
  const baseExit = base.onModeExit as Hook | undefined;
  const instance = {
    ...base,
    onModeEnter(this: unknown, args: LifecycleArgs) {
      baseEnter?.call(this, args);
      setModeCustomizations(args.servicesManager.services);
      // The extension's tool instances join the tool group first, then their buttons go in the
      // toolbar (after the basic mode's own primary tools).
      args.commandsManager.runCommand('calciumScoringModeEnter');
      const toolbar = args.servicesManager.services.toolbarService as ToolbarService | undefined;
      toolbar?.register(toolbarButtons);
      toolbar?.updateSection(toolbar.sections?.primary ?? 'primary', PRIMARY_SECTION);
    },
    onModeExit(this: unknown, args: LifecycleArgs) {
      try {
        args.commandsManager.runCommand('calciumScoringModeExit');
      } finally {
        baseExit?.call(this, args);
      }
    },
    id: MODE_ID,
    routeName: MODE_ID,
    displayName: 'Calcium Scoring',
    hide: false,
    isValidMode,
    routes: [
      {
        path: MODE_ID,
        layoutTemplate: () => JSON.parse(JSON.stringify(layoutInstance)),
        layoutInstance,
      },
    ],
    extensions: { ...extensionDependencies, [extensionKey(configuredExtensions)]: '^0.1.0' },
    hangingProtocol: HANGING_PROTOCOL,
    sopClassHandlers: [
      dicomseg.sopClassHandler,
      ohif.sopClassHandler,
      dicompdf.sopClassHandler,
      dicomsr.sopClassHandler3D,
      dicomsr.sopClassHandler,
    ],
    ...(modeConfiguration ?? {}),
  };
  return instance;
}

const mode = {
  id: MODE_ID,
  modeFactory,
  extensionDependencies,
};

export default mode;
