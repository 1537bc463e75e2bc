// Reading and storing through the viewer's ACTIVE data source, with its DICOMweb client and
// headers, through OHIF's public API only:
//  - store: commandsManager.runCommand('createStoreFunction', { dataSource }) (what OHIF's own
//    SEG and SR extensions use): it registers the new instances with OHIF's metadata store, so
//    the new series appear in the study browser without reloading, and sends them with the
//    data source's store.dicom (dicomweb-client storeInstances, the data source's auth header);
//  - read (the stored report, for a second reader): the data source's configured wadoRoot and
//    the same authorization header the data source sends.
import { data as dcmjsData } from 'dcmjs';
import { dicomwebClientError, arrayBufferOf, type StoreTransport } from '../../core/store/stow';
import type { CommandsManager, ExtensionManager } from './ohif';

/** The part of an OHIF data source used here. */
export interface OhifDataSource {
  getConfig?: () => { name?: string; sourceName?: string; wadoRoot?: string; qidoRoot?: string; requestOptions?: { auth?: string | (() => string) } } | undefined;
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
  /** Its QIDO-RS root (the prior's study search). */
  qidoRoot: string | null;
  /** Headers the data source sends (Authorization), for the read-back requests. */
  headers: Record<string, string>;
}

/** The OpenID Connect claims OHIF's signed-in user carries (oidc-client's User.profile). */
interface UserProfile {
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
}

interface UserAuthenticationService {
  getAuthorizationHeader?: () => Record<string, string> | undefined;
  getUser?: () => { profile?: UserProfile } | null | undefined;
}

/**
 * The signed-in reader's name as a DICOM PN ("Family^Given" when the identity provider gives
 * both), recorded in the SR as the person observer of a reviewed result; null without a
 * signed-in user (a viewer without authentication).
 */
export function signedInReaderName(userAuthenticationService?: unknown): string | null {
  let profile: UserProfile | undefined;
  try {
    profile = (userAuthenticationService as UserAuthenticationService | undefined)?.getUser?.()?.profile;
  } catch {
    return null;
  }
  if (!profile) return null;
  // PN delimiters (^ = \) in a claim would make another name; 64 characters per component group (PS3.5 6.2).
  const clean = (v: unknown) => (typeof v === 'string' ? v.replace(/[\^=\\]/g, ' ').replace(/\s+/g, ' ').trim() : '');
  const family = clean(profile.family_name);
  const given = clean(profile.given_name);
  const name = family ? (given ? `${family}^${given}` : family) : clean(profile.name) || clean(profile.preferred_username);
  return name ? name.slice(0, 64) : null;
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
  return { name: mgr.activeDataSourceName ?? config?.name ?? config?.sourceName ?? null, dataSource, wadoRoot: config?.wadoRoot ?? null, qidoRoot: config?.qidoRoot ?? null, headers };
}

export function dataSourceWadoRoot(extensionManager: ExtensionManager): string | null {
  return activeDataSource(extensionManager).wadoRoot;
}

/**
 * The store transport of core saveToArchive (core/store/stow.ts) through the data source:
 * createStoreFunction, so that OHIF's metadata store learns the new instances (the series show
 * in the study browser without reloading) and the data source's own client sends them with its
 * authorisation. Or a one-line reason why the data source cannot store.
 *
 * A failure comes back as dicomweb-client gives it (the XMLHttpRequest), classified by core
 * (transient or final, with the archive's answer). OHIF's request cannot be cancelled: at the
 * time limit core stops waiting for it and keeps the objects.
 */
export function dataSourceTransport(commandsManager: CommandsManager, source: ActiveDataSource, timing?: (phase: string, ms: number) => void): StoreTransport | string {
  if (!source.dataSource?.store?.dicom || !source.name) return 'The viewer has no DICOMweb data source that can store (see app-config.js).';
  const storeFn = commandsManager.runCommand('createStoreFunction', { dataSource: source.name }) as
    | ((dataset: unknown, opts?: { dicomDict?: unknown }) => Promise<void>)
    | null
    | undefined;
  if (typeof storeFn !== 'function') return `The data source "${source.name}" cannot store DICOM objects.`;
  const url = source.wadoRoot ?? source.name;
  return async (obj) => {
    const t0 = performance.now();
    const buffer = arrayBufferOf(obj.bytes);
    const dicomDict = dcmjsData.DicomMessage.readFile(buffer);
    const dataset = dcmjsData.DicomMetaDictionary.naturalizeDataset(dicomDict.dict);
    dataset._meta = dcmjsData.DicomMetaDictionary.namifyDataset(dicomDict.meta);
    const t1 = performance.now();
    timing?.(`${obj.kind} read`, t1 - t0);
    try {
      // The exact dataset we encoded is written back by OHIF's store.dicom from this dict.
      await storeFn(dataset, { dicomDict });
    } catch (e) {
      throw dicomwebClientError(e, url, `the calcium ${obj.kind}`);
    } finally {
      timing?.(`${obj.kind} store`, performance.now() - t1);
    }
    return null;
  };
}
