/**
 * The product's one DICOMweb client (PS3.18), over fetch so the same code runs in the browser, a
 * Worker and Node (dicomweb-client needs XMLHttpRequest, which Node lacks). Methods are named
 * after the standard's transactions: QIDO-RS searchForStudies / searchForSeries /
 * searchForInstances, WADO-RS retrieveSeriesMetadata / retrieveSeries / retrieveInstance, and
 * STOW-RS storeInstances. Every request has a time limit; every failure is a DicomwebError that
 * says, in one line, what was asked, of whom, and what came back.
 *
 * On top of it, reading stored calcium results back: metadata first (WADO-RS series metadata
 * of the study's SR series), then only the calcium reports are read, and only the one SEG the
 * current report references is retrieved.
 */
import {
  currentReport,
  isCalciumReport,
  readCalciumSeg,
  readCalciumSr,
  restoreAssignment,
  type AssignmentTarget,
  type CalciumReport,
  type CalciumSegReadback,
  type RestoreSummary,
} from '../encode/readback';
import type { LesionSetLike } from '../encode/arteries';
import { fromDicomJson, readPart10, type Dataset } from '../dicom/part10';
import { concatBytes } from '../bytes';

/** Default time limit of one request (seconds), as `cacs --timeout`. */
export const DEFAULT_TIMEOUT_S = 60;

export interface DicomwebOptions {
  /** DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web. */
  url: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Time limit of one request, answer body included, in ms (default 60 s). */
  timeoutMs?: number;
}

/** A dataset in DICOM JSON (PS3.18 F.2): tag "GGGGEEEE" -> { vr, Value }. */
export type JsonDataset = Record<string, { vr?: string; Value?: unknown[] }>;

/** Why a request failed: no connection, no answer in time, an HTTP error, or an answer we cannot read. */
export type DicomwebFailure = 'unreachable' | 'timeout' | 'http' | 'format';

export class DicomwebError extends Error {
  override name = 'DicomwebError';
  constructor(
    message: string,
    readonly failure: DicomwebFailure,
    /** HTTP status, or null when no answer came. */
    readonly status: number | null = null,
    /** The archive's answer (trimmed), or the network error text. */
    readonly body: string = '',
  ) {
    super(message);
  }
  /** Worth trying again: no connection, a dropped answer, HTTP 408/429/5xx. A timeout is not (it would hang again). */
  get transient(): boolean {
    if (this.failure === 'unreachable') return true;
    return this.failure === 'http' && this.status !== null && (this.status >= 500 || this.status === 408 || this.status === 429);
  }
}

export function trimText(text: string, max = 400): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}...` : t;
}

/** One value of a DICOM JSON attribute, as text (null when absent). */
export function jsonValue(ds: JsonDataset, tag: string): string | null {
  const v = ds[tag]?.Value?.[0];
  return v == null ? null : String(v);
}

/** Split a multipart/related body (RFC 2046 5.1) into its parts' bytes. */
export function parseMultipart(body: Uint8Array, contentType: string): Uint8Array[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) throw new DicomwebError(`the answer is not multipart/related (Content-Type: ${contentType || 'none'})`, 'format');
  const delimiter = new TextEncoder().encode(`--${m[1]}`);
  const crlf2 = new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a]);
  const positions: number[] = [];
  for (let at = indexOf(body, delimiter, 0); at >= 0; at = indexOf(body, delimiter, at + delimiter.length)) positions.push(at);
  const parts: Uint8Array[] = [];
  for (let n = 0; n + 1 < positions.length; n++) {
    const start = positions[n] + delimiter.length;
    let end = positions[n + 1];
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    const headerEnd = indexOf(body, crlf2, start);
    if (headerEnd < 0 || headerEnd > end) continue;
    parts.push(body.subarray(headerEnd + 4, end));
  }
  return parts;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(needle[0], from); i >= 0 && i <= last; i = haystack.indexOf(needle[0], i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The multipart/related body of one STOW-RS request. */
export function stowBody(parts: Uint8Array[], boundary: string): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const p of parts) chunks.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, enc.encode('\r\n'));
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  return concatBytes(chunks);
}

function randomBoundary(): string {
  const b = new Uint8Array(12);
  globalThis.crypto.getRandomValues(b);
  return `cacs-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** STOW-RS answers 200 even when an instance failed: look for it in FailedSOPSequence (0008,1198); null when it is not there. */
export function failedInResponse(bodyText: string, sopInstanceUids: string[]): string | null {
  try {
    const json = JSON.parse(bodyText) as Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>;
    for (const item of json['00081198']?.Value ?? []) {
      const uid = item['00081155']?.Value?.[0];
      if (typeof uid === 'string' && sopInstanceUids.includes(uid)) {
        return `the archive refused the instance (failure reason ${item['00081197']?.Value?.[0] ?? 'unknown'})`;
      }
    }
  } catch {
    /* not JSON (XML or empty answer): rely on the HTTP status */
  }
  return null;
}

const enc = encodeURIComponent;

export class DicomwebClient {
  readonly url: string;
  readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly headers: Record<string, string>;

  constructor(opts: DicomwebOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000;
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = opts.headers ?? {};
  }

  /**
   * One request with its time limit over the whole exchange (the answer body included), read
   * as bytes. `what` names the request in messages ("the series of study 1.2.3").
   */
  private async request(
    path: string,
    what: string,
    init: { method?: string; accept: string; contentType?: string; body?: Uint8Array<ArrayBuffer> },
    okStatuses: number[] = [],
  ): Promise<{ status: number; contentType: string; body: Uint8Array }> {
    const url = `${this.url}${path}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const seconds = Math.round(this.timeoutMs / 100) / 10;
    const noAnswer = () =>
      new DicomwebError(`the archive at ${this.url} did not answer ${what} within ${seconds} s (time limit; --timeout sets it)`, 'timeout', null, `no answer within ${seconds} s (the time limit of one request)`);
    try {
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          method: init.method ?? 'GET',
          headers: { Accept: init.accept, ...(init.contentType ? { 'Content-Type': init.contentType } : {}), ...this.headers },
          body: init.body,
          signal: controller.signal,
        });
      } catch (e) {
        if (controller.signal.aborted) throw noAnswer();
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const why = `${cause?.code ?? ''} ${cause?.message ?? (e as Error).message}`.trim();
        throw new DicomwebError(`cannot reach the archive at ${this.url} for ${what} (${why})`, 'unreachable', null, why);
      }
      let body: Uint8Array;
      try {
        body = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        if (controller.signal.aborted) throw noAnswer();
        const why = `the connection dropped while reading the answer (${(e as Error).message})`;
        throw new DicomwebError(`the archive at ${this.url} dropped ${what}: ${why}`, 'unreachable', null, why);
      }
      if (!res.ok && !okStatuses.includes(res.status)) {
        const text = trimText(new TextDecoder().decode(body.subarray(0, 2000))) || res.statusText;
        throw new DicomwebError(`the archive at ${this.url} answered HTTP ${res.status} to ${what}: ${text}`, 'http', res.status, text);
      }
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
    } finally {
      clearTimeout(timer);
    }
  }

  private async json(path: string, what: string): Promise<JsonDataset[]> {
    const r = await this.request(path, what, { accept: 'application/dicom+json' }, [204]);
    const text = new TextDecoder().decode(r.body);
    if (r.status === 204 || text.trim() === '') return [];
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!Array.isArray(parsed)) throw new Error('not an array');
      return parsed as JsonDataset[];
    } catch {
      throw new DicomwebError(
        `the archive at ${this.url} did not return DICOM JSON for ${what}; is the URL the DICOMweb root (e.g. http://host:8042/dicom-web)?`,
        'format',
        r.status,
        trimText(text, 200),
      );
    }
  }

  private static query(q: Record<string, string>): string {
    const s = new URLSearchParams(q).toString();
    return s ? `?${s}` : '';
  }

  /** QIDO-RS Search for Studies (PS3.18 10.6), e.g. { PatientID: '123' }. */
  searchForStudies(query: Record<string, string> = {}): Promise<JsonDataset[]> {
    return this.json(`/studies${DicomwebClient.query(query)}`, 'a study search');
  }

  /** QIDO-RS Search for Series of a study, optionally filtered (e.g. { Modality: 'SR' }). */
  searchForSeries(studyUid: string, query: Record<string, string> = {}): Promise<JsonDataset[]> {
    return this.json(`/studies/${enc(studyUid)}/series${DicomwebClient.query(query)}`, `the series of study ${studyUid}`);
  }

  /** QIDO-RS Search for Instances of a study, or of one of its series. */
  searchForInstances(studyUid: string, seriesUid?: string | null, query: Record<string, string> = {}): Promise<JsonDataset[]> {
    const path = seriesUid ? `/studies/${enc(studyUid)}/series/${enc(seriesUid)}/instances` : `/studies/${enc(studyUid)}/instances`;
    return this.json(`${path}${DicomwebClient.query(query)}`, `the instances of ${seriesUid ? `series ${seriesUid}` : `study ${studyUid}`}`);
  }

  /** WADO-RS Retrieve Series Metadata: every instance's attributes (bulk data left out) as naturalized datasets. */
  async retrieveSeriesMetadata(studyUid: string, seriesUid: string): Promise<Dataset[]> {
    const list = await this.json(`/studies/${enc(studyUid)}/series/${enc(seriesUid)}/metadata`, `the metadata of series ${seriesUid}`);
    return list.map((j) => fromDicomJson(j));
  }

  private async multipart(path: string, what: string, anyTransferSyntax: boolean): Promise<Uint8Array[]> {
    const plain = 'multipart/related; type="application/dicom"';
    let r;
    try {
      // transfer-syntax=* asks for the stored encoding (no transcoding on the server).
      r = await this.request(path, what, { accept: anyTransferSyntax ? `${plain}; transfer-syntax=*` : plain });
    } catch (e) {
      // Archives that refuse the parameter get the default request (explicit VR little endian).
      if (!(anyTransferSyntax && e instanceof DicomwebError && (e.status === 400 || e.status === 406))) throw e;
      r = await this.request(path, what, { accept: plain });
    }
    return parseMultipart(r.body, r.contentType);
  }

  /** WADO-RS Retrieve Series: every instance as Part-10 bytes, in the stored transfer syntax where the archive allows. */
  retrieveSeries(studyUid: string, seriesUid: string): Promise<Uint8Array[]> {
    return this.multipart(`/studies/${enc(studyUid)}/series/${enc(seriesUid)}`, `series ${seriesUid}`, true);
  }

  /** WADO-RS Retrieve Instance: one instance as Part-10 bytes. */
  async retrieveInstance(studyUid: string, seriesUid: string, sopInstanceUid: string): Promise<Uint8Array> {
    const parts = await this.multipart(`/studies/${enc(studyUid)}/series/${enc(seriesUid)}/instances/${enc(sopInstanceUid)}`, `instance ${sopInstanceUid}`, false);
    if (parts.length === 0) throw new DicomwebError(`the archive at ${this.url} returned no instance ${sopInstanceUid}`, 'format');
    return parts[0];
  }

  /**
   * STOW-RS Store Instances (PS3.18 10.5): one request with the Part-10 files. Resolves to the
   * HTTP status; an instance the archive lists as failed (FailedSOPSequence) is an error.
   */
  async storeInstances(instances: { bytes: Uint8Array; sopInstanceUid: string }[], what = 'a store request'): Promise<number> {
    const boundary = randomBoundary();
    const r = await this.request('/studies', what, {
      method: 'POST',
      accept: 'application/dicom+json',
      contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
      body: stowBody(
        instances.map((i) => i.bytes),
        boundary,
      ),
    });
    const text = new TextDecoder().decode(r.body);
    const failed = failedInResponse(
      text,
      instances.map((i) => i.sopInstanceUid),
    );
    if (failed) throw new DicomwebError(`the archive at ${this.url} refused ${what}: ${failed}`, 'http', r.status, `${failed}: ${trimText(text)}`);
    return r.status;
  }
}

function clientOf(c: DicomwebClient | DicomwebOptions): DicomwebClient {
  return c instanceof DicomwebClient ? c : new DicomwebClient(c);
}

export interface StoredCalciumResults {
  /** Every calcium report of the study (read from the SR metadata). */
  reports: CalciumReport[];
  current: CalciumReport | null;
  /** The SEG the current report references, read back (null when there is no calcium or it is missing). */
  seg: (CalciumSegReadback & { bytes: Uint8Array }) | null;
}

/**
 * The calcium reports of a study: QIDO-RS lists its SR series, WADO-RS series metadata gives
 * each SR's content tree (no bulk data in an SR), and only the calcium reports among them are
 * read. Nothing is retrieved in full, unless the archive's metadata leaves an SR's content tree
 * out (then that SR is).
 */
export async function loadCalciumReports(client: DicomwebClient | DicomwebOptions, studyUid: string): Promise<CalciumReport[]> {
  const c = clientOf(client);
  const reports: CalciumReport[] = [];
  for (const series of await c.searchForSeries(studyUid, { Modality: 'SR' })) {
    const seriesUid = jsonValue(series, '0020000E');
    if (!seriesUid) continue;
    for (const meta of await c.retrieveSeriesMetadata(studyUid, seriesUid)) {
      let ds = meta;
      // An archive whose metadata leaves the content tree out: read that one SR in full.
      const sop = typeof meta.SOPInstanceUID === 'string' ? meta.SOPInstanceUID : null;
      if (meta.ContentSequence === undefined && sop) ds = readPart10(await c.retrieveInstance(studyUid, seriesUid, sop));
      if (isCalciumReport(ds)) reports.push(readCalciumSr(ds));
    }
  }
  return reports;
}

/** Everything a second reader needs: all calcium reports of the study, the current one and the SEG it references. */
export async function loadCalciumResults(client: DicomwebClient | DicomwebOptions, studyUid: string): Promise<StoredCalciumResults> {
  const c = clientOf(client);
  const reports = await loadCalciumReports(c, studyUid);
  const current = currentReport(reports);
  return { reports, current, seg: current ? await loadReportSeg(c, studyUid, current) : null };
}

/** The SEG a calcium report references, read back; null when it has none (no calcium) or the archive lacks it. */
export async function loadReportSeg(
  client: DicomwebClient | DicomwebOptions,
  studyUid: string,
  report: Pick<CalciumReport, 'seg'>,
): Promise<StoredCalciumResults['seg']> {
  if (!report.seg) return null;
  const c = clientOf(client);
  const found = await c.searchForInstances(studyUid, null, { SOPInstanceUID: report.seg.sopInstanceUid });
  const seriesUid = found.length > 0 ? jsonValue(found[0], '0020000E') : null;
  if (!seriesUid) return null;
  const bytes = await c.retrieveInstance(studyUid, seriesUid, report.seg.sopInstanceUid);
  return { ...readCalciumSeg(bytes), bytes };
}

/**
 * What the next save of a study must carry: version = current + 1 and the current report as its
 * predecessor (PredecessorDocumentsSequence). For a study without a calcium report: version 1.
 */
export function nextVersionAfter(current: Pick<CalciumReport, 'version' | 'studyInstanceUid' | 'seriesInstanceUid' | 'sopInstanceUid'> | null): {
  version: number;
  predecessor: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string } | null;
} {
  if (!current) return { version: 1, predecessor: null };
  return {
    version: current.version + 1,
    predecessor: { studyInstanceUid: current.studyInstanceUid, seriesInstanceUid: current.seriesInstanceUid, sopInstanceUid: current.sopInstanceUid },
  };
}

/**
 * A second reader opens a study: load the current calcium report and its SEG from the archive
 * and apply its artery labels to a freshly detected LesionSet's Assignment. Returns what was
 * found, the restore summary, and the version/predecessor the next save must use.
 */
export async function restoreFromArchive(
  client: DicomwebClient | DicomwebOptions,
  studyUid: string,
  set: LesionSetLike,
  assignment: AssignmentTarget,
): Promise<{
  stored: StoredCalciumResults;
  restored: RestoreSummary | null;
  next: ReturnType<typeof nextVersionAfter>;
}> {
  const stored = await loadCalciumResults(client, studyUid);
  let restored: RestoreSummary | null = null;
  if (stored.current && stored.seg) restored = restoreAssignment(set, assignment, stored.seg, stored.current);
  return { stored, restored, next: nextVersionAfter(stored.current) };
}
