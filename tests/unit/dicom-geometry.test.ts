import { describe, expect, it } from 'vitest';
import { GeometryError, stackGeometry, volumeGeometry } from '../../core/dicom/geometry';
import { readPart10 } from '../../core/dicom/part10';
import { planSeries } from '../../core/dicom/read';
import { asFiles, series } from './read-fixtures';

/** A slice header as OHIF's naturalized instances carry it (numbers, arrays). */
function slice(z: number, extra: Record<string, unknown> = {}) {
  return {
    name: `slice at ${z}`,
    dataset: {
      SOPInstanceUID: `1.2.3.${z + 1000}`,
      Rows: 4,
      Columns: 4,
      PixelSpacing: [0.5, 0.5],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      ImagePositionPatient: [-1, -1, z],
      ...extra,
    },
  };
}

describe('stackGeometry (one geometry for the file reader and the viewer)', () => {
  it('sorts along the normal, takes the median step, and drops copies of one slice', () => {
    const g = stackGeometry([slice(6), slice(0), slice(3), slice(3)]);
    expect(g.slices.map((s) => s.name)).toEqual(['slice at 0', 'slice at 3', 'slice at 6']);
    expect(g.sliceIncrementMm).toBe(3);
    expect(g.normal).toEqual([0, 0, 1]);
    expect(g.lengthMm).toBe(6);
    expect(g.warnings).toEqual(['1 duplicate copy of slices ignored']);
  });

  it('refuses two different slices at one position (several phases in one series)', () => {
    expect(() => stackGeometry([slice(0), slice(3), { ...slice(3), dataset: { ...slice(3).dataset, SOPInstanceUID: '9.9' } }])).toThrow(
      /lie at the same position .* more than one phase/,
    );
  });

  it('refuses slices of another size, orientation or spacing, naming the slice', () => {
    expect(() => stackGeometry([slice(0), slice(3, { Rows: 8 })])).toThrow(/^slice at 3: 8x4 pixels where the series has 4x4/);
    expect(() => stackGeometry([slice(0), slice(3, { ImageOrientationPatient: [0, 1, 0, 0, 0, 1] })])).toThrow(/ImageOrientationPatient differs/);
    expect(() => stackGeometry([slice(0), slice(3, { PixelSpacing: [0.7, 0.7] })])).toThrow(/PixelSpacing differs/);
    expect(() => stackGeometry([slice(0, { ImageOrientationPatient: [1, 0, 0, 1, 0, 0] }), slice(3)])).toThrow(GeometryError);
  });

  it('finds missing slices (refused, or a warning with allowGaps) and gantry tilt', () => {
    const gap = [slice(0), slice(3), slice(9), slice(12)];
    expect(() => stackGeometry(gap)).toThrow(/1 slice missing \(between 3 and 9 mm; the series steps 3 mm\)/);
    expect(stackGeometry(gap, { allowGaps: true }).warnings[0]).toMatch(/1 slice missing/);
    const tilted = [0, 3, 6].map((z) => slice(z, { ImagePositionPatient: [-1, -1 + z * 0.3, z] }));
    expect(stackGeometry(tilted).warnings.join(' ')).toMatch(/gantry tilt/);
  });
});

describe('volumeGeometry (the volume the viewer scores has the file reader geometry)', () => {
  it("gives from headers alone (OHIF's instance metadata) exactly the geometry the reader plans from the files", () => {
    // Shuffled, as a display set may list its instances.
    const { datasets } = series(6, { stepMm: 2.5 });
    const files = asFiles([datasets[3], datasets[0], datasets[5], datasets[1], datasets[4], datasets[2]]);
    const fromFiles = planSeries(files).plan.geometry;
    // Headers without pixels, as OHIF's metadata carries them.
    const headers = files.map((f, n) => {
      const { PixelData: _pixels, ...ds } = readPart10(f.bytes) as Record<string, unknown>;
      return { name: `instance ${n + 1}`, dataset: ds };
    });
    const fromHeaders = volumeGeometry(headers).geometry;
    expect(fromHeaders).toEqual(fromFiles);
    expect(fromHeaders.instances.map((i) => i.instanceNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fromHeaders.sliceIncrementMm).toBe(2.5);
  });

  it('refuses what the reader refuses, with the same GeometryError', () => {
    expect(() => volumeGeometry([slice(0)])).toThrow(GeometryError);
  });
});
