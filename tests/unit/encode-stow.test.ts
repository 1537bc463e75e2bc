import { describe, expect, it } from 'vitest';
import { stowBody } from '../../core/store/stow';
import { parseMultipart } from '../../core/store/dicomweb';
import { currentReport } from '../../core/encode/readback';

describe('STOW-RS / WADO-RS message bodies', () => {
  it('a multipart/related body splits back into the same Part-10 files, even when they contain CRLF and dashes', () => {
    const a = new Uint8Array([0x44, 0x49, 0x43, 0x4d, 13, 10, 45, 45, 13, 10, 0, 255]);
    const b = new Uint8Array(70_000).map((_, n) => (n * 31) % 256);
    const body = stowBody([a, b], 'cacs-boundary-1');
    const parts = parseMultipart(body, 'multipart/related; type="application/dicom"; boundary=cacs-boundary-1');
    expect(parts.map((p) => [...p])).toEqual([[...a], [...b]]);
    expect(() => parseMultipart(body, 'application/dicom')).toThrow(/not multipart/);
  });
});

describe('which stored report is current', () => {
  const r = (sop: string, dt: string, version: number, predecessors: string[] = []) => ({ sopInstanceUid: sop, contentDateTime: dt, version, predecessors });
  it('is the one no other report names as its predecessor, then the newest', () => {
    const v1 = r('1', '20261125100000', 1);
    const v2 = r('2', '20261125110000', 2, ['1']);
    // A later report that does not correct v2 (another reader's parallel first version).
    const other = r('3', '20261125120000', 1);
    expect(currentReport([v1, v2])!.sopInstanceUid).toBe('2');
    expect(currentReport([v2, v1, other])!.sopInstanceUid).toBe('3');
    // v1 superseded even when its clock was wrong (later time than its correction).
    expect(currentReport([r('1', '20991231000000', 1), v2])!.sopInstanceUid).toBe('2');
    expect(currentReport([])).toBeNull();
  });
});

describe('storing through the viewer\'s dicomweb-client', () => {
  // dicomweb-client needs XMLHttpRequest, which Node lacks: a stand-in with its storeInstances
  // signature and its error shape (the XHR as `request`) is used here; the fetch path is tested
  // against a real Orthanc in tests/integration/store-*.test.ts.
  const obj = (kind: string) => ({ kind, bytes: new Uint8Array([1, 2, 3, 4]), sopInstanceUid: `2.25.${kind.length}`, sopClassUid: '1.2.3' });

  it('sends each object as one dataset, in order, and reports the archive answer of a failure', async () => {
    const sent: number[] = [];
    let calls = 0;
    const client = {
      async storeInstances({ datasets }: { datasets: ArrayBuffer[] }) {
        calls++;
        if (calls === 2) throw Object.assign(new Error('request failed'), { request: { status: 409, responseText: 'Conflict: instance exists with other data' } });
        sent.push(datasets.length);
      },
    };
    const { storeResult, dicomwebClientTransport } = await import('../../core/store/stow');
    const transport = dicomwebClientTransport(client, 'http://viewer/dicom-web');
    const out = await storeResult([obj('SEG'), obj('SR'), obj('PDF')], { url: 'http://viewer/dicom-web', transport, retries: 2, sleep: async () => {} });
    expect(sent).toEqual([1]);
    expect(out.stored.map((s) => s.kind)).toEqual(['SEG']);
    expect(out.failure).toMatchObject({ kind: 'SR', status: 409, attempts: 1 });
    expect(out.failure!.message).toContain('HTTP 409: Conflict: instance exists with other data');
    expect(out.pending.map((p) => p.kind)).toEqual(['SR', 'PDF']);
  });
});
