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
 * How one object reaches the archive is the transport (`transport`): by default the product's
 * DICOMweb client over fetch (./dicomweb.ts, STOW-RS storeInstances), as the CLI and the
 * screening worker send; the viewer passes one that sends through its data source (OHIF's
 * createStoreFunction, with the data source's authentication), or a dicomweb-client
 * DICOMwebClient (dicomwebClientTransport). Whatever the transport, the order, the retries, the
 * time limit of each request and the outbox are the same, here.
 */

import { DEFAULT_TIMEOUT_S, DicomwebClient, DicomwebError, failedInResponse, trimText } from './dicomweb';

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
  /** How one object is sent (default: a STOW-RS request over fetch to `url`, with `headers`). */
  transport?: StoreTransport | null;
  /** Progress / retry messages. */
  log?: (message: string) => void;
  /** Sleep used between retries (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One STOW-RS request for one object. Resolves to the archive's HTTP status (null when the
 * transport cannot tell); rejects with a DicomwebError saying what came back (transient or
 * final, the archive's answer), or with anything else, which counts as a transient network
 * failure. `signal` aborts at the time limit: a transport that cannot cancel its request may
 * ignore it (the request is then no longer waited for, and the archive may still store it).
 */
export type StoreTransport = (obj: StorableObject, signal: AbortSignal) => Promise<number | null>;

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
    /** No answer within the time limit: the archive may still store the object. */
    readonly timedOut = false,
  ) {
    super(status === null ? body : `HTTP ${status}`);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The default transport: the product's DICOMweb client over fetch (its own time limit aborts the request). */
export function fetchTransport(opts: Pick<StoreOptions, 'url' | 'fetch' | 'headers' | 'timeoutMs'>): StoreTransport {
  const client = new DicomwebClient({ url: opts.url, fetch: opts.fetch, headers: opts.headers, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000 });
  return (obj) => client.storeInstances([obj], `the calcium ${obj.kind}`);
}

/**
 * A failed dicomweb-client request (it rejects with the XMLHttpRequest as `request`, and its
 * `status`; status 0 is no answer at all) as a DicomwebError: transient for no answer and HTTP
 * 408/429/5xx, final for the rest, with the archive's answer.
 */
export function dicomwebClientError(e: unknown, url: string, what: string): DicomwebError {
  if (e instanceof DicomwebError) return e;
  const err = e as { message?: string; status?: number; request?: { status?: number; statusText?: string; responseText?: string; responseType?: string; response?: unknown } };
  const status = err?.request?.status ?? err?.status ?? null;
  if (!status) {
    const why = trimText(err?.message && err.message !== 'request failed' ? err.message : 'the archive is unreachable (no answer)');
    return new DicomwebError(`cannot reach the archive at ${url} for ${what} (${why})`, 'unreachable', null, why);
  }
  const req = err.request;
  let text = '';
  try {
    // responseText throws unless the response type is text.
    if (req && (!req.responseType || req.responseType === 'text')) text = req.responseText ?? '';
    else if (req?.response instanceof ArrayBuffer) text = new TextDecoder().decode(new Uint8Array(req.response).subarray(0, 2000));
  } catch {
    /* no readable body */
  }
  const body = trimText(text) || req?.statusText || '';
  return new DicomwebError(`the archive at ${url} answered HTTP ${status} to ${what}${body ? `: ${body}` : ''}`, 'http', status, body);
}

/** What a store request resolved to, as text (dicomweb-client gives the answer body as it came). */
function answerText(answer: unknown): string {
  if (typeof answer === 'string') return answer;
  const one = Array.isArray(answer) ? answer[0] : answer;
  if (one instanceof ArrayBuffer) return new TextDecoder().decode(new Uint8Array(one).subarray(0, 100_000));
  return '';
}

/**
 * A transport over anything with dicomweb-client's storeInstances (e.g. an OHIF data source's
 * DICOMwebClient, which carries its authentication): one dataset per request. A 200 answer
 * whose FailedSOPSequence names the object is a refusal.
 */
export function dicomwebClientTransport(
  client: { storeInstances(options: { datasets: ArrayBuffer[] }): Promise<unknown> },
  url: string,
): StoreTransport {
  return async (obj) => {
    const what = `the calcium ${obj.kind}`;
    let answer: unknown;
    try {
      answer = await client.storeInstances({ datasets: [arrayBufferOf(obj.bytes)] });
    } catch (e) {
      throw dicomwebClientError(e, url, what);
    }
    const refused = failedInResponse(answerText(answer), [obj.sopInstanceUid]);
    if (refused) throw new DicomwebError(`the archive at ${url} refused ${what}: ${refused}`, 'http', 200, refused);
    return null;
  };
}

/** The bytes as an ArrayBuffer of their own (what XMLHttpRequest sends). */
export function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/**
 * One attempt through the transport within the time limit: a transport that does not end by
 * then is aborted and no longer waited for (not retried: it would hang again).
 */
async function attempt(transport: StoreTransport, obj: StorableObject, timeoutMs: number): Promise<number | null> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const seconds = Math.round(timeoutMs / 100) / 10;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new AttemptError(null, `no answer within ${seconds} s (the time limit of one request)`, false, true));
    }, timeoutMs);
  });
  try {
    return await Promise.race([transport(obj, controller.signal), limit]);
  } catch (e) {
    if (e instanceof AttemptError) throw e;
    if (e instanceof DicomwebError) throw new AttemptError(e.status, e.body, e.transient, e.failure === 'timeout');
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export async function storeResult(objects: StorableObject[], opts: StoreOptions): Promise<StoreOutcome> {
  const retries = Math.max(0, Math.floor(opts.retries ?? 3));
  const sleep = opts.sleep ?? defaultSleep;
  const log = opts.log ?? (() => {});
  const stored: StoreOutcome['stored'] = [];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000;
  const transport = opts.transport ?? fetchTransport(opts);
  for (let n = 0; n < objects.length; n++) {
    const obj = objects[n];
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        const status = await attempt(transport, obj, timeoutMs);
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
        // A request cut off at the time limit may still be stored by the archive: say so, so
        // that the reader checks the study before sending the kept objects again.
        const late = err.timedOut ? ` The archive did not answer within ${Math.round(timeoutMs / 100) / 10} s while storing the ${obj.kind} (it may still store it: check the study before sending it again).` : '';
        const message =
          `Could not store the calcium ${obj.kind} in ${opts.url} after ${attempts} attempt${attempts > 1 ? 's' : ''}: ${answer}.${late} ` +
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
