// Store the demo study (the gated calcium phantom, core/phantom) in a DICOMweb archive over
// STOW-RS so a fresh archive's study list is not empty. Node only (fetch, no DOM).
import { writeCtSeries } from '../core/dicom/write-ct';
import { demoStudy } from '../core/phantom/index';
import { stowBody } from '../core/store/stow';

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

/** STOW-RS the files in batches; throws with the archive's answer when a batch fails. */
export async function stowInstances(dicomWebUrl: string, files: Uint8Array[], batchSize = 40): Promise<void> {
  const url = `${dicomWebUrl.replace(/\/$/, '')}/studies`;
  for (let i = 0; i < files.length; i += batchSize) {
    const boundary = `cacs-demo-${Date.now().toString(36)}-${i}`;
    const body = stowBody(files.slice(i, i + batchSize), boundary);
    const contentType = `multipart/related; type="application/dicom"; boundary=${boundary}`;
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType, Accept: 'application/dicom+json' }, body });
    if (!res.ok) {
      const text = (await res.text()).slice(0, 500);
      throw new Error(`STOW-RS to ${url} failed with HTTP ${res.status}: ${text}`);
    }
  }
}

/** Generate the demo phantom (core/phantom demoStudy), write it as a CT series (core/dicom/write-ct) and store it. */
export async function storeDemoStudy(dicomWebUrl: string, seed = 1): Promise<StoredStudy> {
  const { volume } = demoStudy(seed);
  const files = writeCtSeries(volume);
  await stowInstances(dicomWebUrl, files);
  return { studyInstanceUid: volume.source.studyInstanceUid, seriesInstanceUid: volume.source.seriesInstanceUid, instances: files.length };
}
