import * as codecsNs from 'dcmjs-codecs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DicomReadError, datasetsToVolume, initCodecs, readSeries, readSeriesFromFiles } from '../../core/dicom/read';
import { asFiles, ctSlice, IMPLICIT_LE, part10, RLE, series, uid } from './read-fixtures';

function readError(fn: () => unknown): DicomReadError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DicomReadError);
    return e as DicomReadError;
  }
  throw new Error('expected a DicomReadError');
}

describe('reading a CT series into Hounsfield units', () => {
  it('applies RescaleSlope/Intercept exactly once (stored 1424 with intercept -1024 is 400 HU)', () => {
    const s = series(3, { fill: 1424 });
    const v = readSeriesFromFiles(asFiles(s.datasets));
    expect(v.hu.length).toBe(8 * 8 * 3);
    expect(new Set(v.hu)).toEqual(new Set([400]));
  });

  it('applies a non-unit slope per slice and rounds to whole HU', () => {
    const a = ctSlice({ studyUid: '2.25.1', seriesUid: '2.25.2', z: 0, fill: 1000, slope: 0.5, intercept: -100 });
    const b = ctSlice({ studyUid: '2.25.1', seriesUid: '2.25.2', z: 3, fill: 1000, slope: 2, intercept: -1024 });
    const v = readSeriesFromFiles(asFiles([a, b]));
    expect(v.hu[0]).toBe(400);
    expect(v.hu[64]).toBe(976);
  });

  it('turns padding pixels outside the field of view into air, even when their sentinel would rescale to bone', () => {
    const stored = new Uint16Array(64).fill(1024 + 40);
    stored.fill(0xffff, 0, 8); // first row: padding, would be 64511 - 1024 HU
    stored[9] = 1024 + 500; // a real dense pixel stays
    const st = uid();
    const se = uid();
    const ds = [0, 3].map((z) => ctSlice({ studyUid: st, seriesUid: se, z, stored, extra: { PixelPaddingValue: 0xffff, BitsStored: 16, HighBit: 15 } }));
    const v = readSeriesFromFiles(asFiles(ds));
    expect(Array.from(v.hu.subarray(0, 8))).toEqual(new Array(8).fill(-1024));
    expect(v.hu[8]).toBe(40);
    expect(v.hu[9]).toBe(500);
  });

  it('keeps a padding sentinel that is already below air (GE -2000) as it is', () => {
    const stored = new Int16Array(64).fill(40);
    stored[0] = -2000;
    const st = uid();
    const se = uid();
    const ds = [0, 3].map((z) => ctSlice({ studyUid: st, seriesUid: se, z, stored, pixelRepresentation: 1, intercept: 0, extra: { PixelPaddingValue: -2000 } }));
    const v = readSeriesFromFiles(asFiles(ds));
    expect(v.hu[0]).toBe(-2000);
    expect(v.hu[1]).toBe(40);
  });

  it('sign-extends signed pixels and reads implicit VR little endian files', () => {
    const stored = new Int16Array(64).fill(-1000);
    stored[5] = 700;
    const st = uid();
    const se = uid();
    const ds = [0, 3].map((z) => ctSlice({ studyUid: st, seriesUid: se, z, stored, pixelRepresentation: 1, intercept: 0 }));
    const v = readSeriesFromFiles(ds.map((d, n) => ({ name: `s${n}`, bytes: part10(d, IMPLICIT_LE) })));
    expect(v.hu[0]).toBe(-1000);
    expect(v.hu[5]).toBe(700);
  });

  it('sorts slices by position along the slice normal, whatever the file order', () => {
    const s = series(5, { fillOf: (k) => 1024 + 100 * k, stepMm: 2.5, z0: -40 });
    const shuffled = [s.datasets[3], s.datasets[0], s.datasets[4], s.datasets[1], s.datasets[2]];
    const v = readSeriesFromFiles(asFiles(shuffled));
    expect(v.imagePositionsMm.map((p) => p[2])).toEqual([-40, -37.5, -35, -32.5, -30]);
    expect([0, 1, 2, 3, 4].map((k) => v.hu[k * 64])).toEqual([0, 100, 200, 300, 400]);
    expect(v.instances.map((i) => i.instanceNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(v.sliceIncrementMm).toBe(2.5);
    expect(v.normal).toEqual([0, 0, 1]);
  });

  it('fills the series facts from the header: kVp, thickness, increment, kernel, gating, contrast, mass factor', () => {
    const s = series(4, {
      stepMm: 1.5,
      extra: { KVP: 100, SliceThickness: 3, CardiacSynchronizationTechnique: 'PROSPECTIVE', ContrastBolusAgent: 'IOPAMIDOL', CalciumScoringMassFactorPatient: 0.79, GantryDetectorTilt: 0 },
    });
    const v = readSeriesFromFiles(asFiles(s.datasets));
    expect(v.facts).toMatchObject({
      modality: 'CT',
      kvp: 100,
      sliceThicknessMm: 3,
      sliceIncrementMm: 1.5,
      pixelSpacingMm: [0.5, 0.5],
      convolutionKernel: 'B35f',
      gated: true,
      contrast: true,
      contrastAgent: 'IOPAMIDOL',
      massFactorPatient: expect.closeTo(0.79, 5),
      sliceCount: 4,
    });
    expect(v.source.seriesInstanceUid).toBe(s.seriesUid);
    expect(v.source.patientName).toBe('TEST^READER');
  });

  it('names iterative reconstruction found in the header (Agatston runs lower with it)', () => {
    const siemens = readSeriesFromFiles(asFiles(series(2, { extra: { Manufacturer: 'SIEMENS', ConvolutionKernel: 'I30f' } }).datasets));
    expect(siemens.facts.reconstruction).toBe('Siemens iterative kernel I30f');
    const canon = readSeriesFromFiles(asFiles(series(2, { extra: { ImageComments: 'AIDR 3D STD' } }).datasets));
    expect(canon.facts.reconstruction).toBe('ImageComments "AIDR 3D STD"');
    const fbp = readSeriesFromFiles(asFiles(series(2, { extra: { ReconstructionAlgorithm: 'FILTER_BACK_PROJ' } }).datasets));
    expect(fbp.facts.reconstruction).toBeNull();
  });

  it('reads gating from TriggerTime, and a 440 mm chest scan without ECG tags as not gated', () => {
    const triggered = readSeriesFromFiles(asFiles(series(2, { extra: { TriggerTime: 520 } }).datasets));
    expect(triggered.facts.gated).toBe(true);
    const chest = readSeriesFromFiles(asFiles(series(3, { stepMm: 220 }).datasets));
    expect(chest.facts.gated).toBe(false);
  });

  it('says non-gated when the header says CardiacSynchronizationTechnique NONE, unknown when it says nothing', () => {
    const none = readSeriesFromFiles(asFiles(series(2, { extra: { CardiacSynchronizationTechnique: 'NONE' } }).datasets));
    expect(none.facts.gated).toBe(false);
    const silent = readSeriesFromFiles(asFiles(series(2).datasets));
    expect(silent.facts.gated).toBeNull();
    expect(silent.facts.contrast).toBeNull();
  });

  const CODECS = [
    { name: 'RLE lossless', ts: '1.2.840.10008.1.2.5', encode: 'encodeRle', params: {} },
    { name: 'JPEG-LS lossless', ts: '1.2.840.10008.1.2.4.80', encode: 'encodeJpegLs', params: { lossy: false } },
    { name: 'JPEG 2000 lossless', ts: '1.2.840.10008.1.2.4.90', encode: 'encodeJpeg2000', params: { lossy: false } },
    { name: 'JPEG lossless (process 14, SV1)', ts: '1.2.840.10008.1.2.4.70', encode: 'encodeJpeg', params: { lossy: false, predictor: 1, pointTransform: 0 } },
    { name: 'HT-JPEG 2000 lossless', ts: '1.2.840.10008.1.2.4.201', encode: 'encodeHtJpeg2000', params: { lossy: false } },
  ] as const;
  for (const signed of [false, true]) {
    for (const codec of CODECS) {
      it(`reads a ${codec.name} series (${signed ? 'signed 16-bit' : 'unsigned 12-bit'}) to the same HU as the uncompressed one`, async () => {
        await initCodecs();
        const codecs = ((codecsNs as unknown as { default?: typeof codecsNs }).default ?? codecsNs) as typeof codecsNs;
        const st = uid();
        const se = uid();
        const plain: Record<string, unknown>[] = [];
        const encoded: { name: string; bytes: Uint8Array }[] = [];
        for (let k = 0; k < 3; k++) {
          // A ramp from air to dense bone, different on each slice.
          const stored = signed ? new Int16Array(64).map((_, i) => -1000 + 41 * i + k) : new Uint16Array(64).map((_, i) => 24 + 41 * i + k);
          const ds = ctSlice({ studyUid: st, seriesUid: se, z: 3 * k, stored, pixelRepresentation: signed ? 1 : 0, intercept: signed ? 0 : -1024 });
          plain.push(ds);
          const ctx = new codecs.Context({
            width: 8,
            height: 8,
            bitsAllocated: 16,
            bitsStored: signed ? 16 : 12,
            samplesPerPixel: 1,
            pixelRepresentation: signed ? 1 : 0,
            planarConfiguration: 0,
            photometricInterpretation: 'MONOCHROME2',
            decodedBuffer: new Uint8Array(stored.buffer),
          });
          const enc = (codecs.NativeCodecs[codec.encode] as (c: unknown, p: unknown) => { getEncodedBuffer(): Uint8Array })(ctx, codec.params).getEncodedBuffer();
          encoded.push({ name: `c${k}.dcm`, bytes: part10({ ...ds, PixelData: [enc.slice().buffer], _vrMap: { PixelData: 'OB' } }, codec.ts) });
        }
        const a = readSeriesFromFiles(asFiles(plain));
        const b = readSeriesFromFiles(encoded);
        expect(Array.from(b.hu)).toEqual(Array.from(a.hu));
        expect(a.hu[1]).toBe(-1000 + 41);
        expect(a.hu[63]).toBe(-1000 + 41 * 63);
      });
    }
  }

  it('builds a volume from naturalized datasets (datasetsToVolume)', () => {
    const s = series(3, { fill: 1224 });
    const v = datasetsToVolume(s.datasets);
    expect(v.slices).toBe(3);
    expect(v.hu[10]).toBe(200);
  });
});

describe('what a folder can hold', () => {
  it('with two CT series, refuses to guess and lists each series with its slice count', () => {
    const a = series(4, { seriesDescription: 'CaSc 3.0 mm' });
    const b = series(6, { studyUid: a.studyUid, seriesDescription: 'Lung 1.0 mm' });
    const files = [...asFiles(a.datasets, 'a'), ...asFiles(b.datasets, 'b')];
    const e = readError(() => readSeries(files, { chooseSeriesHint: 'pass --series UID' }));
    expect(e.message).toContain('2 CT series could be scored, pass --series UID');
    expect(e.message).toContain(`${a.seriesUid} "CaSc 3.0 mm" (CT, 4 slices)`);
    expect(e.message).toContain(`${b.seriesUid} "Lung 1.0 mm" (CT, 6 slices)`);
    expect(e.message).not.toContain('\n');
    expect(e.series.map((s) => s.sliceCount)).toEqual([6, 4]);
    const chosen = readSeries(files, { seriesUid: a.seriesUid });
    expect(chosen.volume.slices).toBe(4);
    expect(chosen.warnings.join(' ')).toContain(`other series in the input not scored: ${b.seriesUid}`);
  });

  it('sets SR and SEG objects aside (real dcmqi and highdicom objects) and scores the CT', () => {
    const refs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/reference-objects');
    const objects = ['dcmqi-tid1500-sr.dcm', 'dcmqi-seg.dcm', 'highdicom-seg-ct-binary.dcm'].map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(refs, name))) }));
    const a = series(3);
    const r = readSeries([...asFiles(a.datasets), ...objects]);
    expect(r.volume.slices).toBe(3);
    expect(r.volume.source.seriesInstanceUid).toBe(a.seriesUid);
    const others = r.series.filter((s) => s.seriesInstanceUid !== a.seriesUid);
    expect(others.map((s) => s.notScorable).sort()).toEqual(['no images (SEG)', 'no images (SEG)', 'no images (SR)']);
    expect(r.skipped.map((s) => s.name).sort()).toEqual(['dcmqi-seg.dcm', 'dcmqi-tid1500-sr.dcm', 'highdicom-seg-ct-binary.dcm']);
  });

  it('names a series UID that is not there', () => {
    const a = series(2);
    const e = readError(() => readSeries(asFiles(a.datasets), { seriesUid: '1.2.3.4' }));
    expect(e.message).toMatch(/^series 1\.2\.3\.4 is not among the files; found: /);
  });

  it('skips a localizer, whether in its own series or inside the axial series', () => {
    const a = series(3);
    const scout = ctSlice({ studyUid: a.studyUid, seriesUid: uid(), z: 0, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'], seriesDescription: 'Topogram' });
    const inSeries = ctSlice({ studyUid: a.studyUid, seriesUid: a.seriesUid, z: 50, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] });
    const r = readSeries([...asFiles(a.datasets), ...asFiles([scout], 'scout'), ...asFiles([inSeries], 'loc')]);
    expect(r.volume.slices).toBe(3);
    expect(r.skipped.filter((s) => s.reason === 'localizer').map((s) => s.name)).toEqual(['loc-000.dcm']);
    expect(r.warnings.join(' ')).toContain('1 localizer image in the series skipped');
    expect(r.warnings.join(' ')).toContain('localizer');
  });

  it('does not offer a sagittal reformat or a single image for scoring', () => {
    const sag = series(3, { orientation: [0, 1, 0, 0, 0, -1] });
    const single = series(1);
    const e = readError(() => readSeries([...asFiles(sag.datasets, 's'), ...asFiles(single.datasets, 'x')]));
    expect(e.message).toContain('no axial CT series with more than one slice found');
    expect(e.message).toContain('not axial');
    expect(e.message).toContain('a single slice');
  });

  it('skips files that are not DICOM and names them in a warning', () => {
    const a = series(2);
    const files = [...asFiles(a.datasets), { name: 'LICENSE', bytes: new TextEncoder().encode('MIT licence text') }];
    const r = readSeries(files);
    expect(r.volume.slices).toBe(2);
    expect(r.warnings).toContain('1 file is not DICOM and was skipped: LICENSE');
  });

  it('refuses a folder with no DICOM files at all', () => {
    const e = readError(() => readSeries([{ name: 'notes.txt', bytes: new TextEncoder().encode('hello') }]));
    expect(e.message).toBe('the only file, notes.txt, is not DICOM (DICOM Part-10 files have "DICM" at byte 128)');
  });

  it('names a corrupt DICOM file instead of failing somewhere deep', () => {
    const a = series(3);
    const files = asFiles(a.datasets);
    const good = files[1].bytes;
    const broken = new Uint8Array(200);
    broken.set(good.subarray(0, 150));
    broken.fill(0xff, 150);
    files[1] = { name: 'broken.dcm', bytes: broken };
    const e = readError(() => readSeries(files));
    expect(e.message).toMatch(/^broken\.dcm: /);
  });

  it('refuses a series with a missing slice and says where the gap is; scores it with a warning when allowed', () => {
    const a = series(6, { stepMm: 3, z0: 0 });
    const withGap = a.datasets.filter((_, k) => k !== 3);
    const e = readError(() => readSeries(asFiles(withGap)));
    expect(e.message).toBe('1 slice missing (between 6 and 12 mm; the series steps 3 mm): the series is incomplete; export it again with every slice');
    const r = readSeries(asFiles(withGap), { allowGaps: true });
    expect(r.volume.slices).toBe(5);
    expect(r.volume.sliceIncrementMm).toBe(3);
    expect(r.warnings.join(' ')).toContain('calcium on the missing slices is not scored');
  });

  it('warns when the slice spacing varies without a gap', () => {
    const st = uid();
    const se = uid();
    const zs = [0, 3, 6, 9.5, 12.5, 15.5];
    const r = readSeries(asFiles(zs.map((z) => ctSlice({ studyUid: st, seriesUid: se, z }))));
    expect(r.warnings.join(' ')).toContain('slice spacing varies from 3 to 3.5 mm; volumes use the median 3 mm');
  });

  it('refuses slices of different orientation or size in one series', () => {
    const st = uid();
    const se = uid();
    const tilted = [ctSlice({ studyUid: st, seriesUid: se, z: 0 }), ctSlice({ studyUid: st, seriesUid: se, z: 3, orientation: [1, 0, 0, 0, 0.96, -0.28] })];
    expect(readError(() => readSeries(asFiles(tilted))).message).toContain('ImageOrientationPatient differs from the other slices');
    const sizes = [ctSlice({ studyUid: st, seriesUid: se, z: 0 }), ctSlice({ studyUid: st, seriesUid: se, z: 3, rows: 4, columns: 4 })];
    expect(readError(() => readSeries(asFiles(sizes))).message).toContain('4x4 pixels where the series has 8x8');
  });

  it('refuses two different images at one position (several phases in one series)', () => {
    const st = uid();
    const se = uid();
    const ds = [0, 3, 3, 6].map((z) => ctSlice({ studyUid: st, seriesUid: se, z }));
    expect(readError(() => readSeries(asFiles(ds))).message).toContain('the series holds more than one phase or acquisition');
  });

  it('ignores a second copy of the same slice with a warning', () => {
    const a = series(3);
    const files = asFiles([...a.datasets, a.datasets[1]]);
    const r = readSeries(files);
    expect(r.volume.slices).toBe(3);
    expect(r.warnings).toContain('1 duplicate copy of slices ignored');
  });

  it('warns about gantry tilt', () => {
    const r = readSeries(asFiles(series(3, { extra: { GantryDetectorTilt: 12 } }).datasets));
    expect(r.volume.facts.gantryTiltDeg).toBe(12);
    expect(r.warnings.join(' ')).toContain('gantry tilt 12 degrees');
  });
});

describe('compressed data', () => {
  beforeAll(async () => {
    await initCodecs();
  });
  it('gives an explicit message for a transfer syntax the reader cannot decode', () => {
    const a = series(2);
    // Deflated explicit VR little endian: dcmjs cannot inflate it here.
    const e = (() => {
      try {
        readSeries(a.datasets.map((d, n) => ({ name: `x${n}.dcm`, bytes: part10(d, '1.2.840.10008.1.2.4.100') })));
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(DicomReadError);
    expect(e!.message).toMatch(/transfer syntax .*1\.2\.840\.10008\.1\.2\.4\.100.* is not supported/);
  });
});
