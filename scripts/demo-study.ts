// Store the demo study (the gated calcium phantom, core/phantom) in a DICOMweb archive over
// STOW-RS so a fresh archive's study list is not empty. Node only (fetch, no DOM).

export interface StoredStudy {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  instances: number;
}

/** Whether the archive holds no study at all (QIDO-RS). */
export async function archiveIsEmpty(dicomWebUrl: string): Promise<boolean> {
  const res = await fetch(`${dicomWebUrl.replace(/\/$/, '')}/studies?limit=1`, { headers: { Accept: 'application/dicom+json' } });
  if (res.status === 204) return true;
  if (!res.ok) throw new Error(`The archive at ${dicomWebUrl} answered HTTP ${res.status} to a study search.`);
  const text = await res.text();
  const list: unknown = text ? JSON.parse(text) : [];
  return !Array.isArray(list) || list.length === 0;
}

/** A multipart/related body of Part-10 files (PS3.18 10.5 Store Transaction). */
export function multipartRelated(files: Uint8Array[]): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const boundary = `cacs-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const f of files) {
    chunks.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), f, enc.encode('\r\n'));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    body.set(c, o);
    o += c.length;
  }
  return { body, contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/** STOW-RS the files in batches; throws with the archive's answer when a batch fails. */
export async function stowInstances(dicomWebUrl: string, files: Uint8Array[], batchSize = 40): Promise<void> {
  const url = `${dicomWebUrl.replace(/\/$/, '')}/studies`;
  for (let i = 0; i < files.length; i += batchSize) {
    const { body, contentType } = multipartRelated(files.slice(i, i + batchSize));
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType, Accept: 'application/dicom+json' }, body });
    if (!res.ok) {
      const text = (await res.text()).slice(0, 500);
      throw new Error(`STOW-RS to ${url} failed with HTTP ${res.status}: ${text}`);
    }
  }
}

/**
 * Generate the demo phantom (core/phantom demoStudy(1)), write it as a CT series
 * (core/dicom/write-ct) and store it. The core modules are imported lazily so that a
 * missing or broken phantom only costs the demo study, not the viewer.
 */
export async function storeDemoStudy(dicomWebUrl: string, seed = 1): Promise<StoredStudy> {
  // Specifiers in variables: these modules are written by another helper in parallel.
  const phantomModule = '../core/phantom/index';
  const writerModule = '../core/dicom/write-ct';
  const phantom = (await import(phantomModule)) as unknown as { demoStudy: (seed?: number) => unknown };
  const writer = (await import(writerModule)) as unknown as { writeCtSeries: (volume: unknown) => Uint8Array[] };
  const demo = phantom.demoStudy(seed) as { volume?: unknown };
  const volume = (demo && typeof demo === 'object' && 'volume' in demo ? demo.volume : demo) as {
    source: { studyInstanceUid: string; seriesInstanceUid: string };
  };
  const files = writer.writeCtSeries(volume);
  await stowInstances(dicomWebUrl, files);
  return { studyInstanceUid: volume.source.studyInstanceUid, seriesInstanceUid: volume.source.seriesInstanceUid, instances: files.length };
}

/** Store the demo study unless the archive already holds studies. Returns null when it did nothing. */
export async function ensureDemoStudy(dicomWebUrl: string): Promise<StoredStudy | null> {
  if (!(await archiveIsEmpty(dicomWebUrl))) return null;
  return storeDemoStudy(dicomWebUrl);
}
