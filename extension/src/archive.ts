// Is the configured archive reachable and does it speak DICOMweb (QIDO-RS answers JSON)?
// Used to tell the user why the study list or the panel is empty, instead of a blank page.
import type { AppConfig } from './ohif';

export interface ArchiveStatus {
  ok: boolean;
  qidoRoot: string | null;
  /** One line for the user when !ok. */
  message: string | null;
}

let cached: Promise<ArchiveStatus> | null = null;

export function qidoRootOf(appConfig: AppConfig | undefined): string | null {
  const sources = appConfig?.dataSources ?? [];
  const name = appConfig?.defaultDataSourceName;
  const ds = sources.find((s) => s.sourceName === name) ?? sources[0];
  return ds?.configuration?.qidoRoot ?? null;
}

/** The WADO-RS / STOW-RS root of the default data source (STOW goes to {root}/studies). */
export function wadoRootOf(appConfig: AppConfig | undefined): string | null {
  const sources = appConfig?.dataSources ?? [];
  const name = appConfig?.defaultDataSourceName;
  const ds = sources.find((s) => s.sourceName === name) ?? sources[0];
  return ds?.configuration?.wadoRoot ?? null;
}

export async function probeArchive(qidoRoot: string | null, timeoutMs = 8000): Promise<ArchiveStatus> {
  if (!qidoRoot) return { ok: true, qidoRoot, message: null }; // not a DICOMweb data source: nothing to check
  const url = `${qidoRoot.replace(/\/$/, '')}/studies?limit=1`;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await fetch(url, { headers: { Accept: 'application/dicom+json, application/json' }, signal: ctl.signal });
    if (res.status === 204) return { ok: true, qidoRoot, message: null };
    // The archive is there and wants credentials: the data source sends them (OHIF's
    // userAuthenticationService); this anonymous probe has none.
    if (res.status === 401 || res.status === 403) return { ok: true, qidoRoot, message: null };
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text();
    if (res.status === 502 || res.status === 504) {
      let why = '';
      try {
        why = (JSON.parse(text) as { error?: string }).error ?? '';
      } catch {
        /* not our proxy's JSON */
      }
      return { ok: false, qidoRoot, message: why || `The DICOMweb archive behind ${qidoRoot} is unreachable (HTTP ${res.status}).` };
    }
    if (!res.ok) return { ok: false, qidoRoot, message: `The archive at ${qidoRoot} answered HTTP ${res.status} to a study search: is it a DICOMweb (QIDO-RS) root?` };
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : [];
    } catch {
      /* handled below */
    }
    if (!Array.isArray(parsed) || !/json/.test(type)) {
      return { ok: false, qidoRoot, message: `The archive at ${qidoRoot} does not answer as DICOMweb (QIDO-RS returned ${type || 'no content type'}, not DICOM JSON).` };
    }
    return { ok: true, qidoRoot, message: null };
  } catch (e) {
    const why = (e as Error).name === 'AbortError' ? 'no answer within 8 s' : (e as Error).message;
    return { ok: false, qidoRoot, message: `The DICOMweb archive at ${qidoRoot} is unreachable (${why}).` };
  } finally {
    clearTimeout(timer);
  }
}

/** Probe once per page load. */
export function archiveStatus(appConfig: AppConfig | undefined): Promise<ArchiveStatus> {
  cached ??= probeArchive(qidoRootOf(appConfig));
  return cached;
}

const BANNER_ID = 'calcium-scoring-archive-banner';

/** A plain-DOM banner at the top of the page (works on the study list, before any mode). */
export function showArchiveBanner(message: string): void {
  if (typeof document === 'undefined' || document.getElementById(BANNER_ID)) return;
  const div = document.createElement('div');
  div.id = BANNER_ID;
  div.setAttribute('role', 'alert');
  div.style.cssText =
    'position:fixed;top:0;left:0;right:0;z-index:100000;padding:10px 16px;background:#7a1f1f;color:#fff;' +
    'font:14px/1.4 system-ui,sans-serif;display:flex;gap:12px;align-items:center;justify-content:space-between';
  const text = document.createElement('span');
  text.textContent = `${message} Check that the archive is running (npm start starts one) or fix the data source in app-config.js.`;
  const close = document.createElement('button');
  close.textContent = 'Dismiss';
  close.style.cssText = 'background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:2px 8px;cursor:pointer';
  close.onclick = () => div.remove();
  div.append(text, close);
  const add = () => document.body.appendChild(div);
  if (document.body) add();
  else window.addEventListener('DOMContentLoaded', add, { once: true });
}
