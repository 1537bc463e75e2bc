// The few OHIF host interfaces this extension touches. @ohif/core 3.13.2 on the registry ships
// no type declarations (its package holds only dist/ohif-core.umd.js; "types" points at a
// src/ folder it does not include) and cannot be installed (it peer-depends on @ohif/ui 3.13.2,
// which is not published), so these members are typed here, by the names of OHIF's services.
// Cornerstone's own types come from the real @cornerstonejs packages (host.ts).

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

export interface ServiceRegistration {
  name: string;
  altName?: string;
  create: (args: { servicesManager: ServicesManager; configuration?: unknown }) => unknown;
}

export interface ServicesManager {
  registerService?: (registration: ServiceRegistration, configuration?: unknown) => void;
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
}

export interface ExtensionParams {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
  extensionManager: ExtensionManager;
  appConfig?: AppConfig;
  configuration?: Record<string, unknown>;
}
