/**
 * Storing a result in the archive with STOW-RS (PS3.18 10.5), with no half results and
 * nothing lost:
 *  - objects go one request each, in order SEG -> SR -> PDF: the SR references the SEG, so the
 *    SR is only sent once the SEG is stored, and nothing after a failed object is sent;
 *  - transient failures (network errors, HTTP 408/429/5xx, a dropped connection) are retried a
 *    bounded number of times with exponential backoff; other answers (4xx) are final;
 *  - a failure is reported with the archive's own answer (HTTP status and body text);
 *  - whatever was not stored comes back in `pending` with its Part-10 bytes (the outbox), to be
 *    retried with storeResult(outcome.pending, ...) or downloaded (outboxFiles).
 *
 *  - every request has a time limit (default 60 s); an archive that accepts the upload but never
 *    answers fails within it, and is not retried (it would hang again).
 *
 * Requests go through the product's DICOMweb client (./dicomweb.ts, STOW-RS storeInstances). In
 * the viewer, pass the data source's dicomweb-client DICOMwebClient as `client` to reuse its
 * authentication.
 */

import { DEFAULT_TIMEOUT_S, DicomwebClient, DicomwebError, trimText } from './dicomweb';

export { stowBody } from './dicomweb';

export interface StorableObject {
  kind: 'SEG' | 'SR' | 'PDF' | string;
  bytes: Uint8Array;
  sopInstanceUid: string;
  sopClassUid: string;
  seriesInstanceUid?: string;
}

export interface StoreOptions {
  /** DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web (STOW goes to {url}/studies). */
  url: string;
  /** Extra attempts after the first for transient failures (default 3). */
  retries?: number;
  /** First backoff delay in ms, doubled each retry (default 500 ms, at most 8 s). */
  backoffMs?: number;
  /** Per-request time limit in ms (default 60 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** A dicomweb-client DICOMwebClient (or anything with storeInstances) to send through instead of fetch. */
  client?: { storeInstances(options: { datasets: ArrayBuffer[] }): Promise<unknown> } | null;
  /** Progress / retry messages. */
  log?: (message: string) => void;
  /** Sleep used between retries (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

export interface StoreFailure {
  kind: string;
  sopInstanceUid: string;
  /** HTTP status, or null when no answer came (connection refused, dropped, timeout). */
  status: number | null;
  /** The archive's answer body (trimmed), or the network error text. */
  body: string;
  attempts: number;
  /** One line for the user: what failed, the archive's answer, what happens to the data. */
  message: string;
}

export interface StoreOutcome {
  ok: boolean;
  stored: { kind: string; sopInstanceUid: string; status: number | null; attempts: number }[];
  /** Not stored (the failed object and everything after it), with their bytes: the outbox. */
  pending: StorableObject[];
  failure: StoreFailure | null;
}

class AttemptError extends Error {
  constructor(
    readonly status: number | null,
    readonly body: string,
    readonly transient: boolean,
  ) {
    super(status === null ? body : `HTTP ${status}`);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function attemptFetch(obj: StorableObject, opts: StoreOptions): Promise<number> {
  const client = new DicomwebClient({ url: opts.url, fetch: opts.fetch, headers: opts.headers, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000 });
  try {
    return await client.storeInstances([obj], `the calcium ${obj.kind}`);
  } catch (e) {
    if (e instanceof DicomwebError) throw new AttemptError(e.status, e.body, e.transient);
    throw e;
  }
}

async function attemptClient(obj: StorableObject, opts: StoreOptions): Promise<number | null> {
  const ab = obj.bytes.buffer.slice(obj.bytes.byteOffset, obj.bytes.byteOffset + obj.bytes.byteLength) as ArrayBuffer;
  try {
    await opts.client!.storeInstances({ datasets: [ab] });
    return null;
  } catch (e) {
    // dicomweb-client rejects with the XMLHttpRequest as `request` (status, responseText).
    const req = (e as { request?: { status?: number; responseText?: string } }).request;
    const status = req?.status ? req.status : null;
    const transient = status === null || status >= 500 || status === 408 || status === 429;
    throw new AttemptError(status, trimText(req?.responseText ?? (e as Error).message ?? String(e)), transient);
  }
}

export async function storeResult(objects: StorableObject[], opts: StoreOptions): Promise<StoreOutcome> {
  const retries = Math.max(0, Math.floor(opts.retries ?? 3));
  const sleep = opts.sleep ?? defaultSleep;
  const log = opts.log ?? (() => {});
  const stored: StoreOutcome['stored'] = [];
  for (let n = 0; n < objects.length; n++) {
    const obj = objects[n];
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        const status = opts.client ? await attemptClient(obj, opts) : await attemptFetch(obj, opts);
        stored.push({ kind: obj.kind, sopInstanceUid: obj.sopInstanceUid, status, attempts });
        log(`Stored ${obj.kind} ${obj.sopInstanceUid}${attempts > 1 ? ` (attempt ${attempts})` : ''}.`);
        break;
      } catch (e) {
        const err = e instanceof AttemptError ? e : new AttemptError(null, String((e as Error)?.message ?? e), true);
        const answer = err.status === null ? err.body : `HTTP ${err.status}${err.body ? `: ${err.body}` : ''}`;
        if (err.transient && attempts <= retries) {
          const delay = Math.min(8000, (opts.backoffMs ?? 500) * 2 ** (attempts - 1));
          log(`Storing ${obj.kind} failed (${answer}); retry ${attempts} of ${retries} in ${delay} ms.`);
          await sleep(delay);
          continue;
        }
        const pending = objects.slice(n);
        const message =
          `Could not store the calcium ${obj.kind} in ${opts.url} after ${attempts} attempt${attempts > 1 ? 's' : ''}: ${answer}. ` +
          `${pending.length} object${pending.length > 1 ? 's' : ''} (${pending.map((p) => p.kind).join(', ')}) not stored; ` +
          `${stored.length > 0 ? `already stored: ${stored.map((s) => s.kind).join(', ')}. ` : ''}` +
          'They are kept: retry the store, or download them.';
        return {
          ok: false,
          stored,
          pending,
          failure: { kind: obj.kind, sopInstanceUid: obj.sopInstanceUid, status: err.status, body: err.body, attempts, message },
        };
      }
    }
  }
  return { ok: true, stored, pending: [], failure: null };
}

/** File names and bytes of the outbox, for a download or the CLI to write. */
export function outboxFiles(pending: StorableObject[]): { name: string; bytes: Uint8Array }[] {
  return pending.map((p, n) => ({ name: `${String(n + 1).padStart(2, '0')}-calcium-${p.kind}-${p.sopInstanceUid}.dcm`, bytes: p.bytes }));
}
