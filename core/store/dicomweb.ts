/**
 * The few QIDO-RS / WADO-RS calls the read-back path needs (PS3.18), over fetch: find the
 * calcium SR/SEG series of a study, retrieve their Part-10 instances, and pick the current
 * report. Pure (browser, Worker, Node).
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
import { readPart10 } from '../encode/dicom-io';

export interface DicomwebOptions {
  url: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

type JsonDataset = Record<string, { vr?: string; Value?: unknown[] }>;

function root(url: string): string {
  return url.replace(/\/+$/, '');
}

async function getJson(opts: DicomwebOptions, path: string): Promise<JsonDataset[]> {
  const f = opts.fetch ?? globalThis.fetch;
  const res = await f(`${root(opts.url)}${path}`, { headers: { Accept: 'application/dicom+json', ...(opts.headers ?? {}) } });
  const text = await res.text();
  if (!res.ok) throw new Error(`DICOMweb query ${path} failed: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text.trim() ? (JSON.parse(text) as JsonDataset[]) : [];
}

export function jsonValue(ds: JsonDataset, tag: string): string | null {
  const v = ds[tag]?.Value?.[0];
  return v == null ? null : String(v);
}

/** QIDO-RS: series of a study, optionally filtered (e.g. { Modality: 'SR' }). */
export function searchForSeries(opts: DicomwebOptions, studyUid: string, query: Record<string, string> = {}): Promise<JsonDataset[]> {
  const q = new URLSearchParams(query).toString();
  return getJson(opts, `/studies/${studyUid}/series${q ? `?${q}` : ''}`);
}

export function searchForInstances(opts: DicomwebOptions, studyUid: string, seriesUid: string): Promise<JsonDataset[]> {
  return getJson(opts, `/studies/${studyUid}/series/${seriesUid}/instances`);
}

/** Split a multipart/related body into its parts' bytes. */
export function parseMultipart(body: Uint8Array, contentType: string): Uint8Array[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) throw new Error(`WADO-RS answer is not multipart (Content-Type: ${contentType})`);
  const delim = new TextEncoder().encode(`--${m[1]}`);
  const find = (from: number) => {
    outer: for (let i = from; i <= body.length - delim.length; i++) {
      for (let j = 0; j < delim.length; j++) if (body[i + j] !== delim[j]) continue outer;
      return i;
    }
    return -1;
  };
  const parts: Uint8Array[] = [];
  let pos = find(0);
  while (pos >= 0) {
    const after = pos + delim.length;
    if (body[after] === 0x2d && body[after + 1] === 0x2d) break; // closing delimiter
    // Headers end at the first empty line.
    let h = after;
    while (h < body.length - 3 && !(body[h] === 13 && body[h + 1] === 10 && body[h + 2] === 13 && body[h + 3] === 10)) h++;
    const start = h + 4;
    const next = find(start);
    if (next < 0) break;
    let end = next;
    if (body[end - 2] === 13 && body[end - 1] === 10) end -= 2;
    parts.push(body.slice(start, end));
    pos = next;
  }
  return parts;
}

/** WADO-RS: one instance as Part-10 bytes. */
export async function retrieveInstance(opts: DicomwebOptions, studyUid: string, seriesUid: string, sopUid: string): Promise<Uint8Array> {
  const f = opts.fetch ?? globalThis.fetch;
  const res = await f(`${root(opts.url)}/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}`, {
    headers: { Accept: 'multipart/related; type="application/dicom"', ...(opts.headers ?? {}) },
  });
  const body = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) throw new Error(`WADO-RS retrieve of ${sopUid} failed: HTTP ${res.status} ${new TextDecoder().decode(body.slice(0, 300))}`);
  const parts = parseMultipart(body, res.headers.get('content-type') ?? '');
  if (parts.length === 0) throw new Error(`WADO-RS returned no instance for ${sopUid}`);
  return parts[0];
}

export interface StoredCalciumResults {
  reports: (CalciumReport & { bytes: Uint8Array })[];
  current: (CalciumReport & { bytes: Uint8Array }) | null;
  /** The SEG the current report references, read back (null when there is no calcium or it is missing). */
  seg: (CalciumSegReadback & { bytes: Uint8Array }) | null;
}

/** Everything a second reader needs: all calcium reports of the study, the current one and its SEG. */
export async function loadCalciumResults(opts: DicomwebOptions, studyUid: string): Promise<StoredCalciumResults> {
  const reports: StoredCalciumResults['reports'] = [];
  for (const series of await searchForSeries(opts, studyUid, { Modality: 'SR' })) {
    const seriesUid = jsonValue(series, '0020000E')!;
    for (const inst of await searchForInstances(opts, studyUid, seriesUid)) {
      const sopUid = jsonValue(inst, '00080018')!;
      const bytes = await retrieveInstance(opts, studyUid, seriesUid, sopUid);
      const ds = readPart10(bytes);
      if (isCalciumReport(ds)) reports.push({ ...readCalciumSr(ds), bytes });
    }
  }
  const current = currentReport(reports);
  let seg: StoredCalciumResults['seg'] = null;
  if (current?.seg) {
    for (const series of await searchForSeries(opts, studyUid, { Modality: 'SEG' })) {
      const seriesUid = jsonValue(series, '0020000E')!;
      const insts = await searchForInstances(opts, studyUid, seriesUid);
      if (insts.some((i) => jsonValue(i, '00080018') === current.seg!.sopInstanceUid)) {
        const bytes = await retrieveInstance(opts, studyUid, seriesUid, current.seg.sopInstanceUid);
        seg = { ...readCalciumSeg(bytes), bytes };
      }
    }
  }
  return { reports, current, seg };
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
  opts: DicomwebOptions,
  studyUid: string,
  set: LesionSetLike,
  assignment: AssignmentTarget,
): Promise<{
  stored: StoredCalciumResults;
  restored: RestoreSummary | null;
  next: ReturnType<typeof nextVersionAfter>;
}> {
  const stored = await loadCalciumResults(opts, studyUid);
  let restored: RestoreSummary | null = null;
  if (stored.current && stored.seg) restored = restoreAssignment(set, assignment, stored.seg, { reviewed: stored.current.reviewed });
  return { stored, restored, next: nextVersionAfter(stored.current) };
}
