/**
 * The two real scans in ../shared/data, read from their files and scored in-process:
 * - acrin-chest-ct: JPEG-LS compressed, non-gated chest CT at 140 kVp, 3.75 mm every 3.27 mm,
 *   dense calcifications in the heart region (z about -161 to -135 mm, peaks 430-780 HU);
 * - qrm-phantom: QRM cardio insert at 120 kVp, 3 mm, hydroxyapatite cylinders of 200/400/800 mg/cm^3.
 * No reference score exists for either; the checks are what the data README states.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initCodecs, readSeries, type ReadResult } from '../../core/dicom/read';
import { scoreVolume } from '../../core/index';
import type { ScoringResult } from '../../core/types';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');
const QRM = path.resolve(REPO_ROOT, '../shared/data/qrm-phantom');

function filesOf(dir: string) {
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) }));
}

describe('ACRIN chest CT (JPEG-LS, non-gated, 140 kVp)', () => {
  let read: ReadResult;
  let result: ScoringResult;
  beforeAll(async () => {
    await initCodecs();
    read = readSeries(filesOf(ACRIN));
    // Non-gated chest CT is scored with warnings, not refused.
    result = scoreVolume(read.volume).result;
  });

  it('decodes all 135 JPEG-LS slices into HU sorted feet to head, every 3.27 mm', () => {
    const v = read.volume;
    expect(v.slices).toBe(135);
    expect([v.columns, v.rows]).toEqual([512, 512]);
    expect(v.sliceIncrementMm).toBeCloseTo(3.27, 2);
    expect(v.imagePositionsMm[0][2]).toBeCloseTo(-360.18, 2);
    expect(v.imagePositionsMm[134][2]).toBeCloseTo(78, 2);
    // Air outside the body is about -1000 HU, and nothing is left unrescaled (pixel padding -2000).
    const centreOfFirstRow = v.hu[256];
    expect(centreOfFirstRow).toBeLessThan(-900);
    let max = -Infinity;
    for (let i = 0; i < v.hu.length; i++) if (v.hu[i] > max) max = v.hu[i];
    expect(max).toBeGreaterThan(1000);
    expect(max).toBeLessThan(3100);
    expect(read.warnings).toEqual([]);
  });

  it('reads the acquisition facts: GE Discovery ST, 140 kVp, 3.75 mm, kernel SOFT, not gated, no mass factor', () => {
    expect(read.volume.facts).toMatchObject({
      manufacturer: 'GE MEDICAL SYSTEMS',
      manufacturerModelName: 'Discovery ST',
      kvp: 140,
      sliceThicknessMm: 3.75,
      convolutionKernel: 'SOFT',
      gated: false,
      massFactorPatient: null,
      gantryTiltDeg: 0,
    });
    expect(read.volume.source.patientId).toBe('ACRIN-NSCLC-FDG-PET-042');
    expect(read.volume.instances).toHaveLength(135);
  });

  it('warns about 140 kVp, 3.75 mm slices, the 3.27 mm increment, no ECG gating and no mass calibration', () => {
    const w = result.warnings.join('\n');
    expect(w).toMatch(/140 kVp/);
    expect(w).toMatch(/3\.75 mm/);
    expect(w).toMatch(/3\.27/);
    expect(w).toMatch(/not ECG-gated/i);
    expect(w).toMatch(/mass not computed/i);
    expect(result.total.massMg).toBeNull();
  });

  it('finds the dense calcifications of the heart region (z -165 to -130 mm, peak >= 430 HU, small)', () => {
    const heart = result.lesions.filter((l) => l.centroidMm[2] > -165 && l.centroidMm[2] < -130 && l.peakHU >= 430 && l.volumeMm3 < 2000);
    expect(heart.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...heart.map((l) => l.peakHU))).toBeGreaterThanOrEqual(700);
  });
});

describe('QRM calcium phantom (120 kVp, 3 mm, Canon/Toshiba)', () => {
  let read: ReadResult;
  let result: ScoringResult;
  beforeAll(() => {
    read = readSeries(filesOf(QRM));
    result = scoreVolume(read.volume).result;
  });

  it('reads 47 uncompressed slices of 0.488 mm pixels, 3 mm apart, and skips the LICENSE file', () => {
    const v = read.volume;
    expect(v.slices).toBe(47);
    expect(v.sliceIncrementMm).toBe(3);
    expect(v.columnSpacingMm).toBeCloseTo(0.488, 6);
    expect(read.skipped).toEqual([{ name: 'LICENSE', reason: 'not a DICOM file' }]);
    expect(v.facts).toMatchObject({ kvp: 120, sliceThicknessMm: 3, manufacturer: 'TOSHIBA', convolutionKernel: 'FC12', gated: null });
  });

  it('finds calcium in the inserts: several small dense lesions on the insert slices, the densest above 800 HU', () => {
    // The cardio insert's cylinders lie on the central slices (z about 595-606 mm), inside 60 mm of the axis.
    const inserts = result.lesions.filter(
      (l) => l.centroidMm[2] > 590 && l.centroidMm[2] < 612 && Math.hypot(l.centroidMm[0], l.centroidMm[1]) < 60 && l.volumeMm3 < 500 && l.peakHU >= 350,
    );
    expect(inserts.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...inserts.map((l) => l.peakHU))).toBeGreaterThanOrEqual(800);
    // Denser rods score higher per mm^3: the density weight rises with peak HU (docs/scoring.md §1.1).
    const densest = inserts.reduce((a, b) => (b.peakHU > a.peakHU ? b : a));
    expect(densest.agatston / densest.volumeMm3).toBeGreaterThan(1);
  });

  it('says gating is not recorded, and that mass needs a calibration factor', () => {
    const w = result.warnings.join('\n');
    expect(w).toMatch(/gating/i);
    expect(w).toMatch(/mass not computed/i);
    expect(w).not.toMatch(/kVp/);
  });
});
