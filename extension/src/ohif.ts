// The few OHIF host interfaces this extension touches, typed loosely on purpose: the
// @ohif/* 3.13 packages are not all on the registry (PLATFORM.md), and only these members
// are relied on. Names follow OHIF's services.

export interface Subscription {
  unsubscribe: () => void;
}

export interface PubSubService {
  EVENTS: Record<string, string>;
  subscribe: (event: string, callback: (...args: unknown[]) => void) => Subscription;
}

/** An OHIF naturalised DICOM instance (dcmjs keyword -> value). */
export type NaturalInstance = Record<string, unknown>;

export interface DisplaySet {
  displaySetInstanceUID: string;
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  SeriesDescription?: string;
  SeriesNumber?: number | string;
  Modality?: string;
  SOPClassUID?: string;
  instances?: NaturalInstance[];
  images?: NaturalInstance[];
  imageIds?: string[];
  isReconstructable?: boolean;
  unsupported?: boolean;
}

export interface DisplaySetService extends PubSubService {
  getDisplaySetByUID: (uid: string) => DisplaySet | undefined;
  getActiveDisplaySets: () => DisplaySet[];
}

export interface ViewportGridService extends PubSubService {
  getState: () => {
    activeViewportId: string | null;
    viewports: Map<string, { displaySetInstanceUIDs?: string[] }>;
  };
}

export interface UINotificationService {
  show: (opts: { title: string; message: string; type?: 'error' | 'warning' | 'info' | 'success'; duration?: number }) => void;
}

export interface ServicesManager {
  services: {
    displaySetService: DisplaySetService;
    viewportGridService: ViewportGridService;
    uiNotificationService?: UINotificationService;
    [name: string]: unknown;
  };
}

export interface CommandsManager {
  runCommand: (name: string, options?: Record<string, unknown>, context?: string) => unknown;
}

export interface DataSourceConfig {
  namespace?: string;
  sourceName: string;
  configuration?: { qidoRoot?: string; wadoRoot?: string; friendlyName?: string };
}

export interface AppConfig {
  defaultDataSourceName?: string;
  dataSources?: DataSourceConfig[];
  extensions?: unknown[];
}

export interface ExtensionManager {
  getModuleEntry: (id: string) => { exports?: Record<string, unknown> } | undefined;
  appConfig?: AppConfig;
  /** Where OHIF 3.13's ExtensionManager keeps the app config. */
  _appConfig?: AppConfig;
}

export interface ExtensionParams {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
  extensionManager: ExtensionManager;
  appConfig?: AppConfig;
  configuration?: Record<string, unknown>;
}
