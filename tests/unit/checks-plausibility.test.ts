/**
 * Plausibility checks before scoring (issue 9): headers and voxels that no CT scanner produces
 * are named, never scored silently, and no guideline text stands over input that failed a
 * check. Malformed series come from the project's own phantom, edited with dcmjs
 * (tests/helpers/malformed-series.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPixelValues, checkVolume } from '../../core/checks';
import { DicomReadError, initCodecs, readSeries, type DicomFile } from '../../core/dicom/read';
import { checkEncodedFrame, decodeFailureMessage } from '../../core/dicom/pixels';
import { reportText } from '../../core/encode/report-text';
import { InputError, scoreResult, scoreVolume } from '../../core/index';
import { generatePhantom } from '../../core/phantom/index';
import { fillBox, makeVolume } from './helpers/volume';
import * as M from '../helpers/malformed-series';

const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');

function filesOf(dir: string): DicomFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) }));
}

/** Phantom slices as Part-10 files, each dataset changed by `edit` first. */
function edited(edit: (ds: Record<string, unknown>) => void, slices = 4): DicomFile[] {
  return M.phantomDatasets({ size: 64, slices: 48 })
    .slice(20, 20 + slices)
    .map((ds, k) => {
      edit(ds);
      return { name: `CT${k}.dcm`, bytes: M.toPart10(ds) };
    });
}

function readError(files: DicomFile[]): DicomReadError {
  try {
    readSeries(files);
  } catch (e) {
    if (e instanceof DicomReadError) return e;
    throw e;
  }
  throw new Error('the series was read without an error');
}

beforeAll(async () => {
  await initCodecs();
});

describe('headers no CT scanner writes are refused before any pixel is decoded', () => {
  it('RescaleSlope 0 (every pixel the same HU: would read as "CAC 0, withhold statin")', () => {
    expect(readError(edited((d) => (d.RescaleSlope = 0))).message).toMatch(/CT0\.dcm: RescaleSlope 0 maps every pixel to the same value/);
  });

  it('RescaleIntercept -1e9 and +1e9 (all HU far outside -2048..4095)', () => {
    expect(readError(edited((d) => (d.RescaleIntercept = -1e9))).message).toMatch(/RescaleIntercept -1000000000 map every possible pixel value to .* outside the -2048\.\.4095 HU/);
    expect(readError(edited((d) => (d.RescaleIntercept = 1e9))).message).toMatch(/RescaleIntercept 1000000000 map every possible pixel value/);
  });

  it('BitsAllocated 8 on 16-bit pixel data: the depth does not match the data length', () => {
    const e = readError(edited((d) => Object.assign(d, { BitsAllocated: 8, BitsStored: 8, HighBit: 7 })));
    expect(e.message).toMatch(/BitsAllocated 8 says 1 byte per pixel but the pixel data holds 8192 bytes for 64 x 64 pixels \(2 bytes per pixel\)/);
  });

  it('BitsAllocated 32 is named as unsupported, not as a truncated file', () => {
    const e = readError(edited((d) => Object.assign(d, { BitsAllocated: 32, BitsStored: 32, HighBit: 31 })));
    expect(e.message).toMatch(/BitsAllocated 32 is not supported: CT images store 16 bits per pixel; the pixel data holds 2 bytes per pixel/);
    expect(e.message).not.toMatch(/truncated/);
  });

  it('Rows 65535 is named as an impossible size, not as a truncated file, and allocates nothing', () => {
    const e = readError(edited((d) => (d.Rows = 65535)));
    expect(e.message).toMatch(/64 x 65535 pixels \(Columns x Rows\) is not a CT image size/);
    expect(e.message).not.toMatch(/truncated/);
  });

  it('a sound phantom series passes every header check', () => {
    expect(readSeries(edited(() => {})).volume.slices).toBe(4);
  });
});

describe('damaged compressed slices are named before or while decoding', () => {
  it('an RLE header with the wrong segment count or offsets', async () => {
    const ds = M.phantomDatasets({ size: 64, slices: 48 })[0];
    const frame = await M.encodeFrame(ds, M.TS_RLE);
    expect(checkEncodedFrame(frame, M.TS_RLE, { bitsAllocated: 16 })).toBeNull();
    const oneSegment = frame.slice();
    new DataView(oneSegment.buffer).setUint32(0, 1, true);
    expect(checkEncodedFrame(oneSegment, M.TS_RLE, { bitsAllocated: 16 })).toMatch(/RLE header declares 1 segments where 16-bit pixels need 2/);
    const badOffset = frame.slice();
    new DataView(badOffset.buffer).setUint32(8, frame.byteLength + 10, true);
    expect(checkEncodedFrame(badOffset, M.TS_RLE, { bitsAllocated: 16 })).toMatch(/places segment 2 at byte/);
  });

  it('a truncated JPEG-LS slice: no end marker, refused at once with the file named', async () => {
    const dir = await M.compressedSeries(M.TS_JPEG_LS, (f, k) => (k === 20 ? f.slice(0, f.length >> 1) : f), { size: 64 });
    const e = readError(filesOf(dir));
    expect(e.message).toMatch(/^CT000021\.dcm: the compressed image \(jpegLsLossless .*\) has no end marker: the file is truncated or damaged/);
  });

  it('a decoder trap reads as damaged data, not "(unreachable)"', () => {
    const trap = new Error('unreachable');
    trap.name = 'RuntimeError';
    expect(decodeFailureMessage('CT9.dcm', trap)).toBe('CT9.dcm: the compressed pixel data is damaged or truncated (the decoder stopped: unreachable); replace the file with a good copy');
  });

  it('one JPEG Lossless slice with a damaged scan decodes to garbage: the slice is named, the series not scored', async () => {
    const dir = await M.compressedSeries(M.TS_JPEG_LOSSLESS_SV1, (f, k) => {
      if (k !== 20) return f;
      const g = f.slice();
      for (let i = Math.floor(g.length / 3); i < Math.floor(g.length / 3) + 40; i++) g[i] ^= 0x5a;
      return g;
    });
    const { volume } = readSeries(filesOf(dir));
    const checks = checkVolume(volume);
    expect(checks.errors.join(' ')).toMatch(/slice 21 of 48 \(instance \d+\) is unlike its neighbours .*the pixel data is probably damaged/);
    expect(checks.implausible).toHaveLength(1);
    expect(() => scoreVolume(volume)).toThrow(InputError);
  });
});

describe('voxels no CT scanner produces', () => {
  it('signed data labelled unsigned: most voxels above 4095 HU, refused; forced, it carries no guideline text', () => {
    const { volume } = readSeries(edited((d) => (d.PixelRepresentation = 0), 6));
    const checks = checkVolume(volume);
    expect(checks.errors.join(' ')).toMatch(/of the voxels are above 4095 HU .*pixel representation \(signed\/unsigned\)/);
    expect(() => scoreVolume(volume)).toThrow(InputError);
    const forced = scoreVolume(volume, { ignoreErrors: true, clinical: null });
    expect(forced.result.risk.provisional).toBe(true);
    expect(forced.result.risk.guidance).toMatch(/^Decision support withheld: the images failed an input check/);
    expect(forced.result.risk.guidance).not.toMatch(/statin/i);
    expect(forced.result.risk.inputProblems?.[0]).toMatch(/above 4095 HU/);
    expect(reportText(forced.result)).toMatch(/^Coronary artery calcium scoring not reportable: the images failed an input check/);
  });

  it('an intercept 1024 too high (unsigned data that lost its -1024): most of the body reads as calcium, refused', () => {
    const { volume } = readSeries(edited((d) => (d.RescaleIntercept = 1024), 6));
    expect(checkVolume(volume).implausible).toEqual([expect.stringMatching(/^\d+(\.\d)?% of the voxels are at or above 130 HU, .*RescaleIntercept -1024/)]);
  });

  it('more than half the voxels below -2048 HU', () => {
    const v = makeVolume({ columns: 32, rows: 32, slices: 4, fillHu: -3024 });
    fillBox(v, [0, 10], [0, 10], [0, 3], 40);
    expect(checkPixelValues(v).join(' ')).toMatch(/% of the voxels are below -2048 HU \(down to -3024 HU\)/);
  });

  it('a blank volume (all air: stored zeros)', () => {
    const v = makeVolume({ columns: 32, rows: 32, slices: 4, fillHu: -1024 });
    expect(checkPixelValues(v)).toEqual([expect.stringMatching(/^Every voxel is -1024 HU: the images are blank/)]);
  });

  it('a slice of noise between two ordinary slices is named; the end slices are not judged', () => {
    const v = makeVolume({ columns: 64, rows: 64, slices: 7, fillHu: 40 });
    fillBox(v, [10, 50], [10, 50], [0, 6], -800);
    let seed = 5;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let p = 0; p < 64 * 64; p++) v.hu[3 * 64 * 64 + p] = Math.round(rnd() * 3000 - 1000);
    expect(checkPixelValues(v)).toEqual([expect.stringMatching(/^slice 4 of 7 .*is unlike its neighbours/)]);
    for (let p = 0; p < 64 * 64; p++) v.hu[3 * 64 * 64 + p] = v.hu[2 * 64 * 64 + p];
    for (let p = 0; p < 64 * 64; p++) v.hu[p] = Math.round(rnd() * 3000 - 1000);
    expect(checkPixelValues(v)).toEqual([]);
  });

  it('guidance stays withheld when the reader edits and the result is rescored', () => {
    const { volume } = generatePhantom({ size: 64, slices: 48, seed: 3 });
    volume.hu.fill(32767, 0, Math.floor(volume.hu.length * 0.05));
    const scored = scoreVolume(volume, { ignoreErrors: true });
    expect(scored.lesionSet.inputProblems?.length).toBeGreaterThan(0);
    for (const l of scored.result.lesions) scored.assignment.assignLesion(l.parentId ?? l.id, 'OTHER');
    const rescored = scoreResult(scored.lesionSet, scored.assignment, { warnings: scored.inputWarnings });
    expect(rescored.risk.provisional).toBe(true);
    expect(rescored.risk.guidance).not.toMatch(/statin/i);
    expect(rescored.risk.guidance).toMatch(/^Decision support withheld/);
  });
});

describe('real scans pass the plausibility checks', () => {
  it('the ACRIN chest CT (JPEG-LS, padding at -3024 HU) and the QRM phantom', () => {
    for (const name of ['acrin-chest-ct', 'qrm-phantom']) {
      const { volume } = readSeries(filesOf(path.join(SHARED, name)));
      expect(checkPixelValues(volume), name).toEqual([]);
      expect(checkVolume(volume).implausible, name).toEqual([]);
    }
  }, 60_000);
});

describe('seeds', () => {
  it('two seeds of different arteries at one point: a warning names both, neither is applied, the result stays provisional', () => {
    const v = makeVolume({ columns: 32, rows: 32, slices: 4 });
    fillBox(v, [10, 14], [10, 14], [1, 2], 400);
    const at = [12 * v.columnSpacingMm, 12 * v.rowSpacingMm, 1 * v.sliceIncrementMm] as [number, number, number];
    const { result } = scoreVolume(v, {
      seeds: [
        { pointMm: at, artery: 'LAD' },
        { pointMm: [at[0] + 0.01, at[1], at[2]], artery: 'LCX' },
      ],
    });
    expect(result.warnings.join(' ')).toMatch(/Seeds 1 \(LAD\) and 2 \(LCX\) are at the same point .* but name different arteries; neither was applied/);
    expect(result.warnings.join(' ')).not.toMatch(/not on or within 2 mm/);
    expect(result.lesions.map((l) => l.artery)).toEqual(['UNASSIGNED']);
    expect(result.total.agatston).toBe(0);
    expect(result.risk.provisional).toBe(true);
    expect(result.risk.guidance).not.toMatch(/statin/i);
  });

  it('seeds of different arteries at different points of one lesion still split it', () => {
    const v = makeVolume({ columns: 32, rows: 32, slices: 4 });
    fillBox(v, [10, 14], [10, 14], [0, 3], 400);
    const mm = (k: number) => [12 * v.columnSpacingMm, 12 * v.rowSpacingMm, k * v.sliceIncrementMm] as [number, number, number];
    const { result } = scoreVolume(v, { seeds: [{ pointMm: mm(0), artery: 'LM' }, { pointMm: mm(3), artery: 'LAD' }] });
    expect(result.lesions.map((l) => l.artery).sort()).toEqual(['LAD', 'LM']);
    expect(result.warnings.join(' ')).not.toMatch(/same point/);
  });
});
