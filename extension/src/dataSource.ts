// Reading and storing through the viewer's ACTIVE data source, with its DICOMweb client and
// headers, through OHIF's public API only:
//  - store: commandsManager.runCommand('createStoreFunction', { dataSource }) (what OHIF's own
//    SEG and SR extensions use): it registers the new instances with OHIF's metadata store, so
//    the new series appear in the study browser without reloading, and sends them with the
//    data source's store.dicom (dicomweb-client storeInstances, the data source's auth header);
//  - read (the stored report, for a second reader): the data source's configured wadoRoot and
//    the same authorization header the data source sends.
import { data as dcmjsData } from 'dcmjs';
import type { CommandsManager, ExtensionManager } from './ohif';

/** The part of an OHIF data source used here. */
export interface OhifDataSource {
  getConfig?: () => { name?: string; sourceName?: string; wadoRoot?: string; requestOptions?: { auth?: string | (() => string) } } | undefined;
  store?: { dicom?: (dataset: unknown, request?: unknown, dicomDict?: unknown) => Promise<unknown> };
}

interface DataSourceManager {
  getActiveDataSource?: () => OhifDataSource[];
  activeDataSourceName?: string;
}

export interface ActiveDataSource {
  name: string | null;
  dataSource: OhifDataSource | null;
  wadoRoot: string | null;
  /** Headers the data source sends (Authorization), for the read-back requests. */
  headers: Record<string, string>;
}

interface UserAuthenticationService {
  getAuthorizationHeader?: () => Record<string, string> | undefined;
}

export function activeDataSource(extensionManager: ExtensionManager, userAuthenticationService?: unknown): ActiveDataSource {
  const mgr = extensionManager as unknown as DataSourceManager;
  const dataSource = mgr.getActiveDataSource?.()?.[0] ?? null;
  const config = dataSource?.getConfig?.();
  const headers: Record<string, string> = { ...((userAuthenticationService as UserAuthenticationService | undefined)?.getAuthorizationHeader?.() ?? {}) };
  // The data source's own basic credentials (requestOptions.auth "user:password"), as its client sends them.
  const auth = config?.requestOptions?.auth;
  const credentials = typeof auth === 'function' ? auth() : auth;
  if (!headers.Authorization && typeof credentials === 'string' && credentials) headers.Authorization = `Basic ${btoa(credentials)}`;
  return { name: mgr.activeDataSourceName ?? config?.name ?? config?.sourceName ?? null, dataSource, wadoRoot: config?.wadoRoot ?? null, headers };
}

export function dataSourceWadoRoot(extensionManager: ExtensionManager): string | null {
  return activeDataSource(extensionManager).wadoRoot;
}

export type StoreObject = (bytes: Uint8Array) => Promise<void>;

/**
 * A function storing one Part-10 object through the data source (createStoreFunction), or a
 * one-line reason why there is none.
 */
export function dataSourceStore(commandsManager: CommandsManager, source: ActiveDataSource): StoreObject | string {
  if (!source.dataSource?.store?.dicom || !source.name) return 'The viewer has no DICOMweb data source that can store (see app-config.js).';
  const storeFn = commandsManager.runCommand('createStoreFunction', { dataSource: source.name }) as
    | ((dataset: unknown, opts?: { dicomDict?: unknown }) => Promise<void>)
    | null
    | undefined;
  if (typeof storeFn !== 'function') return `The data source "${source.name}" cannot store DICOM objects.`;
  return async (bytes: Uint8Array) => {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const dicomDict = dcmjsData.DicomMessage.readFile(buffer);
    const dataset = dcmjsData.DicomMetaDictionary.naturalizeDataset(dicomDict.dict);
    dataset._meta = dcmjsData.DicomMetaDictionary.namifyDataset(dicomDict.meta);
    // The exact dataset we encoded is written back by OHIF's store.dicom from this dict.
    await storeFn(dataset, { dicomDict });
  };
}
