/**
 * Fetch a CT series over DICOMweb (PS3.18) for `cacs score --dicomweb URL --study UID [--series UID]`:
 * QIDO-RS lists the study's series, WADO-RS series metadata tells a CT axial series from a
 * localizer when several CT series exist, WADO-RS retrieves the chosen series' instances as
 * Part-10 files (multipart/related), which then go through the same reader as files on disk.
 *
 * Plain fetch rather than dicomweb-client: that library uses XMLHttpRequest, which Node lacks.
 */
import dcmjs from 'dcmjs';
import { chooseSeries, summariseDatasets, type DicomFile, type NaturalDataset } from '../core/dicom/read';
import { UsageError } from './args';
import type { Progress } from './folder';

type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

export interface DicomWebSource {
  url: string;
  studyUid: string;
  seriesUid?: string;
}

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

async function get(url: string, accept: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Accept: accept } });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new UsageError(`cannot reach the DICOMweb server for ${what} at ${url} (${cause?.code ?? cause?.message ?? (e as Error).message}); check --dicomweb`);
  }
  return res;
}

async function getJson(url: string, what: string): Promise<DicomJson[] | null> {
  const res = await get(url, 'application/dicom+json', what);
  if (res.status === 204 || res.status === 404) return null;
  if (!res.ok) throw new UsageError(`the DICOMweb server answered ${res.status} ${res.statusText} for ${what} (${url})`);
  const text = await res.text();
  if (text.trim() === '') return [];
  try {
    return JSON.parse(text) as DicomJson[];
  } catch {
    throw new UsageError(`the DICOMweb server did not return DICOM JSON for ${what} (${url}); is --dicomweb the DICOMweb root (e.g. http://host:8042/dicom-web)?`);
  }
}

function value(item: DicomJson, tag: string): unknown {
  return item[tag]?.Value?.[0];
}

/** Choose the series (QIDO + metadata) and retrieve its instances as Part-10 files. */
export async function fetchSeries(src: DicomWebSource, progress: Progress): Promise<{ files: DicomFile[]; seriesUid: string }> {
  const root = base(src.url);
  const studyUrl = `${root}/studies/${encodeURIComponent(src.studyUid)}`;
  const seriesList = await getJson(`${studyUrl}/series`, `the series of study ${src.studyUid}`);
  if (!seriesList || seriesList.length === 0) throw new UsageError(`study ${src.studyUid} was not found at ${root} (QIDO-RS returned no series)`);
  const describe = (s: DicomJson) =>
    `${String(value(s, '0020000E'))}${value(s, '0008103E') ? ` "${String(value(s, '0008103E'))}"` : ''} (${String(value(s, '00080060') ?? '?')}, ${String(value(s, '00201209') ?? '?')} instances)`;

  let seriesUid = src.seriesUid;
  if (seriesUid) {
    if (!seriesList.some((s) => value(s, '0020000E') === seriesUid)) {
      throw new UsageError(`series ${seriesUid} is not in study ${src.studyUid}; found: ${seriesList.map(describe).join('; ')}`);
    }
  } else {
    const ct = seriesList.filter((s) => String(value(s, '00080060') ?? '').toUpperCase() === 'CT');
    if (ct.length === 0) throw new UsageError(`study ${src.studyUid} has no CT series; found: ${seriesList.map(describe).join('; ')}`);
    if (ct.length === 1) seriesUid = String(value(ct[0], '0020000E'));
    else {
      // Several CT series (e.g. localizer + axial, or two reconstructions): decide from headers.
      const datasets: NaturalDataset[] = [];
      for (const s of ct) {
        const uid = String(value(s, '0020000E'));
        const meta = await getJson(`${studyUrl}/series/${encodeURIComponent(uid)}/metadata`, `the metadata of series ${uid}`);
        for (const item of meta ?? []) datasets.push(dcmjs.data.DicomMetaDictionary.naturalizeDataset(item));
      }
      seriesUid = chooseSeries(summariseDatasets(datasets), { chooseSeriesHint: 'pass --series UID' }).seriesInstanceUid;
    }
  }

  progress.note(`retrieving series ${seriesUid} from ${root}`);
  const seriesUrl = `${studyUrl}/series/${encodeURIComponent(seriesUid)}`;
  // transfer-syntax=* asks for the stored encoding (no server-side transcoding); servers that
  // refuse the parameter get the default request (explicit VR little endian).
  let res = await get(seriesUrl, 'multipart/related; type="application/dicom"; transfer-syntax=*', `series ${seriesUid}`);
  if (res.status === 400 || res.status === 406) res = await get(seriesUrl, 'multipart/related; type="application/dicom"', `series ${seriesUid}`);
  if (res.status === 404) throw new UsageError(`series ${seriesUid} was not found at ${root}`);
  if (!res.ok) throw new UsageError(`the DICOMweb server answered ${res.status} ${res.statusText} when retrieving series ${seriesUid}`);
  const body = new Uint8Array(await res.arrayBuffer());
  const parts = splitMultipart(body, res.headers.get('content-type') ?? '');
  progress.note(`retrieved ${parts.length} instances (${(body.byteLength / 1e6).toFixed(1)} MB)`);
  return { files: parts.map((bytes, n) => ({ name: `${seriesUid}/instance-${n + 1}`, bytes })), seriesUid };
}

/** The bodies of a multipart/related response (RFC 2046 5.1). */
export function splitMultipart(body: Uint8Array, contentType: string): Uint8Array[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) throw new UsageError(`the DICOMweb server did not answer with multipart/related (Content-Type: ${contentType || 'none'})`);
  const delimiter = new TextEncoder().encode(`--${m[1]}`);
  const positions: number[] = [];
  for (let at = indexOf(body, delimiter, 0); at >= 0; at = indexOf(body, delimiter, at + delimiter.length)) positions.push(at);
  const parts: Uint8Array[] = [];
  for (let n = 0; n + 1 < positions.length; n++) {
    const start = positions[n] + delimiter.length;
    let end = positions[n + 1];
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    const headerEnd = indexOf(body, new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a]), start);
    if (headerEnd < 0 || headerEnd > end) continue;
    parts.push(body.subarray(headerEnd + 4, end));
  }
  return parts;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(first, from); i >= 0 && i <= last; i = haystack.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
