import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import dcmjs from 'dcmjs';
import { generatePhantom } from '../../core/phantom/index';
import { ctFileName, ctSliceDataset, writeCtSeries } from '../../core/dicom/write-ct';
import { formatDs } from '../../core/dicom/values';
import { readSeriesFromFiles } from '../../core/dicom/read';
import { isValidUid } from '../../core/dicom/uid';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-write-ct-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const HAS_DCIODVFY = hasTool('dciodvfy');
const HAS_DCMDUMP = hasTool('dcmdump');
if (!HAS_DCIODVFY) console.warn('write-ct tests: dciodvfy (Debian package dicom3tools) is missing; IOD checks are SKIPPED');
if (!HAS_DCMDUMP) console.warn('write-ct tests: dcmdump (Debian package dcmtk) is missing; dcmtk parse checks are SKIPPED');

function readNatural(bytes: Uint8Array): Record<string, any> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const message = dcmjs.data.DicomMessage.readFile(buffer);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
  ds._meta = dcmjs.data.DicomMetaDictionary.namifyDataset(message.meta);
  return ds;
}

function writeFile(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

const gated = generatePhantom({ size: 96, seed: 4, massFactorPatient: 0.743 });
const gatedFiles = writeCtSeries(gated.volume);
const nongated = generatePhantom({ geometry: 'nongated', size: 64, sliceThicknessMm: 5, seed: 4 });
const nongatedFiles = writeCtSeries(nongated.volume);

describe('CT series writer', () => {
  it('writes one Part-10 file per slice, readable by dcmjs with geometry and HU unchanged', () => {
    const v = gated.volume;
    expect(gatedFiles.length).toBe(v.slices);
    const n = v.rows * v.columns;
    gatedFiles.forEach((bytes, k) => {
      expect(String.fromCharCode(...bytes.slice(128, 132))).toBe('DICM');
      const ds = readNatural(bytes);
      expect(ds._meta.TransferSyntaxUID.Value[0]).toBe('1.2.840.10008.1.2.1');
      expect(ds.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.2');
      expect(ds.SOPInstanceUID).toBe(v.instances[k].sopInstanceUid);
      expect(ds.Rows).toBe(v.rows);
      expect(ds.Columns).toBe(v.columns);
      expect(ds.ImagePositionPatient.map(Number)).toEqual(v.imagePositionsMm[k]);
      expect(ds.ImageOrientationPatient.map(Number)).toEqual([1, 0, 0, 0, 1, 0]);
      expect(ds.PixelSpacing.map(Number)).toEqual([v.rowSpacingMm, v.columnSpacingMm]);
      expect(Number(ds.SliceThickness)).toBe(3);
      expect(Number(ds.SpacingBetweenSlices)).toBe(3);
      expect(ds.PixelRepresentation).toBe(1);
      expect(Number(ds.RescaleSlope)).toBe(1);
      expect(Number(ds.RescaleIntercept)).toBe(0);
      const pixels = new Int16Array(ds.PixelData[0]);
      expect(Array.from(pixels)).toEqual(Array.from(v.hu.subarray(k * n, (k + 1) * n)));
    });
  });

  it('round-trips through the project reader: the same voxels, geometry, identity and acquisition facts', () => {
    const v = gated.volume;
    const back = readSeriesFromFiles(gatedFiles.map((bytes, k) => ({ name: ctFileName(k), bytes })));
    expect(back.hu).toEqual(v.hu);
    expect(back.imagePositionsMm).toEqual(v.imagePositionsMm);
    expect(back.sliceIncrementMm).toBeCloseTo(3, 9);
    expect(back.columnSpacingMm).toBe(v.columnSpacingMm);
    expect(back.instances.map((s) => s.sopInstanceUid)).toEqual(v.instances.map((s) => s.sopInstanceUid));
    expect(back.source).toMatchObject({
      patientName: 'PHANTOM^CALCIUM',
      patientId: v.source.patientId,
      studyInstanceUid: v.source.studyInstanceUid,
      seriesInstanceUid: v.source.seriesInstanceUid,
      frameOfReferenceUid: v.source.frameOfReferenceUid,
    });
    expect(back.facts).toMatchObject({ modality: 'CT', kvp: 120, sliceThicknessMm: 3, convolutionKernel: 'B35f', gated: true, contrast: false, manufacturer: 'CAC-Phantom' });
    expect(back.facts.massFactorPatient).toBeCloseTo(0.743, 5);

    const backNongated = readSeriesFromFiles(nongatedFiles.map((bytes, k) => ({ name: ctFileName(k), bytes })));
    expect(backNongated.hu).toEqual(nongated.volume.hu);
    expect(backNongated.facts).toMatchObject({ gated: false, contrast: false, sliceThicknessMm: 5, convolutionKernel: 'STANDARD', massFactorPatient: null });
  });

  it('can store unsigned pixels with a -1024 intercept, which readers turn back into the same HU', () => {
    const files = writeCtSeries(nongated.volume, { unsigned: true });
    const ds = readNatural(files[0]);
    expect(ds.PixelRepresentation).toBe(0);
    expect(Number(ds.RescaleIntercept)).toBe(-1024);
    const n = nongated.volume.rows * nongated.volume.columns;
    const stored = new Uint16Array(ds.PixelData[0]);
    expect(stored[0]).toBe(nongated.volume.hu[0] + 1024);
    expect(stored.length).toBe(n);
    const back = readSeriesFromFiles(files.map((bytes, k) => ({ name: ctFileName(k), bytes })));
    expect(back.hu).toEqual(nongated.volume.hu);
    if (HAS_DCIODVFY) {
      const run = spawnSync('dciodvfy', [writeFile('unsigned.dcm', files[0])], { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    }
  });

  it('writes the same bytes for the same seed', () => {
    const again = writeCtSeries(generatePhantom({ size: 96, seed: 4, massFactorPatient: 0.743 }).volume);
    again.forEach((bytes, k) => expect(Buffer.from(bytes).equals(Buffer.from(gatedFiles[k]))).toBe(true));
  });

  it('carries the cardiac synchronisation of a gated scan, and none on a non-gated one', () => {
    const g = readNatural(gatedFiles[0]);
    expect(g.CardiacSynchronizationTechnique).toBe('PROSPECTIVE');
    expect(Number(g.TriggerTime)).toBeGreaterThan(0);
    expect(g.NominalPercentageOfCardiacPhase).toBe(70);
    expect(Number(g.HeartRate)).toBe(62);
    expect(g.ContrastBolusAgent).toBe('NONE');
    expect(g.ConvolutionKernel).toBe('B35f');
    expect(Number(g.KVP)).toBe(120);
    const n = readNatural(nongatedFiles[0]);
    for (const key of ['CardiacSynchronizationTechnique', 'TriggerTime', 'NominalPercentageOfCardiacPhase', 'HeartRate']) expect(n[key]).toBeUndefined();
    expect(n.ConvolutionKernel).toBe('STANDARD');
  });

  it('numbers instances from the head down, with valid 2.25 UIDs', () => {
    const numbers = gatedFiles.map((b) => Number(readNatural(b).InstanceNumber));
    expect(numbers[0]).toBe(gatedFiles.length); // slice 0 is the most inferior
    expect(numbers.at(-1)).toBe(1);
    const ds = readNatural(gatedFiles[0]);
    for (const uid of [ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID, ds._meta.ImplementationClassUID.Value[0]]) {
      expect(isValidUid(uid), uid).toBe(true);
      expect(uid.startsWith('2.25.')).toBe(true);
    }
  });

  it.skipIf(!HAS_DCIODVFY)('passes dciodvfy (CT Image IOD) without errors, gated and non-gated', () => {
    // The only attributes outside the classic CT Image IOD: the gated scan's cardiac ones.
    const cardiac = ['(0x0018,0x1060)', '(0x0018,0x1088)', '(0x0018,0x9037)', '(0x0020,0x9241)'];
    for (const [name, bytes, extended] of [
      ['gated.dcm', gatedFiles[5], cardiac],
      ['nongated.dcm', nongatedFiles[3], []],
    ] as const) {
      const file = writeFile(name, bytes);
      const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(output).toMatch(/CTImage/);
      const lines = output.split('\n');
      expect(lines.filter((l) => /^Error/.test(l)), `${name}:\n${output}`).toEqual([]);
      const notInIod = lines.filter((l) => /^Warning - Attribute is not present in standard DICOM IOD/.test(l)).map((l) => l.match(/\(0x[0-9a-f]{4},0x[0-9a-f]{4}\)/i)?.[0]);
      expect(notInIod, `${name}:\n${output}`).toEqual([...extended]);
      const otherWarnings = lines.filter((l) => /^Warning/.test(l) && !/not present in standard DICOM IOD/.test(l));
      expect(otherWarnings, `${name}:\n${output}`).toEqual([]);
    }
  });

  it.skipIf(!HAS_DCMDUMP)('is parsed by dcmtk dcmdump with the expected header values', () => {
    const file = writeFile('dump.dcm', gatedFiles[0]);
    const dump = execFileSync('dcmdump', ['+L', file], { encoding: 'utf8' });
    expect(dump).toMatch(/\(0002,0010\) UI =LittleEndianExplicit/);
    expect(dump).toMatch(/\(0008,0016\) UI =CTImageStorage/);
    expect(dump).toMatch(/\(0018,1210\) SH \[B35f\]/);
    expect(dump).toMatch(/\(0018,0060\) DS \[120\]/);
    expect(dump).toMatch(/\(0018,9351\) FL 0\.74(3|29999)/);
    expect(dump).toMatch(/\(7fe0,0010\) OW .*# 18432, 1 PixelData/);
  });

  it('formats decimal strings within 16 characters', () => {
    for (const v of [0.390625, 0.68359375, -174.658203125, 1 / 3, 123456.789012345, -0.000001234, 1e-12]) {
      const s = formatDs(v);
      expect(s.length).toBeLessThanOrEqual(16);
      expect(Math.abs(Number(s) - v)).toBeLessThan(Math.max(1e-6, Math.abs(v) * 1e-6));
    }
    expect(() => formatDs(Number.NaN)).toThrow(/decimal string/);
  });

  it('refuses a volume whose voxel count does not match its size', () => {
    const v = { ...gated.volume, hu: new Int16Array(10) };
    expect(() => writeCtSeries(v)).toThrow(/10 voxels for 96 x 96 x 48/);
  });

  it('exposes each slice header for inspection without encoding', () => {
    const ds = ctSliceDataset(gated.volume, 2);
    expect(ds.InstanceNumber).toBe(gated.volume.slices - 2);
    expect(ds.SliceLocation).toBe(String(gated.volume.imagePositionsMm[2][2]));
  });
});
