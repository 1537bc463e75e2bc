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
