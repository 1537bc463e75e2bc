// The panel's acquisition facts, read from OHIF's naturalised metadata (extension/src/seriesFacts.ts),
// and which studies offer the Calcium Scoring mode (mode/src/index.ts).
import { describe, expect, it } from 'vitest';
import { checkAcquisition } from '../../core/checks';
import { mm, seriesFactsFromInstances } from '../../extension/src/seriesFacts';
import type { SeriesFacts } from '../../core/types';

const acquisitionWarnings = (f: SeriesFacts) => checkAcquisition(f, f.sliceIncrementMm);
import { extensionKey, isValidMode } from '../../mode/src/index';

/** A 512 x 512 axial slice at z, as OHIF naturalises it (numbers for DS/IS, arrays for multi-valued). */
function slice(z: number, extra: Record<string, unknown> = {}) {
  return {
    Modality: 'CT',
    Manufacturer: 'SIEMENS',
    ManufacturerModelName: 'SOMATOM Force',
    KVP: 120,
    SliceThickness: 3,
    ConvolutionKernel: ['Br36', '3'],
    PixelSpacing: [0.39, 0.39],
    Rows: 512,
    Columns: 512,
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    ImagePositionPatient: [-100, -100, z],
    ...extra,
  };
}

describe('series facts shown in the calcium panel', () => {
  it('a gated 3 mm series at 120 kV: thickness, increment, kV, kernel, gating and slice count', () => {
    const instances = [0, -3, -6, -9, -12].map((z) => slice(z, { CardiacSynchronizationTechnique: 'PROSPECTIVE' }));
    const f = seriesFactsFromInstances(instances.reverse());
    expect(f.sliceThicknessMm).toBe(3);
    expect(f.sliceIncrementMm).toBe(3);
    expect(f.kvp).toBe(120);
    expect(f.convolutionKernel).toBe('Br36\\3');
    expect(f.gated).toBe(true);
    expect(f.sliceCount).toBe(5);
    expect(f.pixelSpacingMm).toEqual([0.39, 0.39]);
    expect(acquisitionWarnings(f)).toEqual([]);
  });

  it('overlapping 3.75 mm slices every 3.27 mm at 140 kV without gating raise the docs/scoring.md §1.5 warnings', () => {
    const instances = [0, 1, 2, 3].map((k) => slice(-k * 3.27, { SliceThickness: 3.75, KVP: 140, ReconstructionDiameter: 500 }));
    const f = seriesFactsFromInstances(instances);
    expect(f.sliceIncrementMm).toBeCloseTo(3.27, 3);
    expect(f.gated).toBe(false); // a 500 mm field of view is a chest CT
    const w = acquisitionWarnings(f).join(' ');
    expect(w).toContain('3.75 mm');
    expect(w).toContain('140 kV');
    expect(w).toContain('Not ECG-gated');
  });

  it('a named contrast agent is reported and warned about; "NONE" means no contrast', () => {
    expect(seriesFactsFromInstances([slice(0, { ContrastBolusAgent: 'Iomeron 350' }), slice(3)]).contrastAgent).toBe('Iomeron 350');
    expect(acquisitionWarnings(seriesFactsFromInstances([slice(0, { ContrastBolusAgent: 'Iomeron 350' }), slice(3)])).join(' ')).toContain('non-contrast');
    expect(seriesFactsFromInstances([slice(0, { ContrastBolusAgent: 'NONE' }), slice(3)]).contrast).toBe(false);
    expect(seriesFactsFromInstances([slice(0), slice(3)]).contrast).toBeNull();
  });

  it('gating: "NONE" is not gated, a trigger time is gated, nothing said is unknown', () => {
    const gated = (extra: Record<string, unknown>) => seriesFactsFromInstances([slice(0, extra), slice(3, extra)]).gated;
    expect(gated({ CardiacSynchronizationTechnique: 'NONE' })).toBe(false);
    expect(gated({ TriggerTime: 350 })).toBe(true);
    expect(gated({})).toBeNull();
  });

  it('a Siemens ADMIRE kernel (Qr36) is flagged as iterative reconstruction, as the file reader does', () => {
    const f = seriesFactsFromInstances([slice(0, { ConvolutionKernel: ['Qr36', '3'] }), slice(3, { ConvolutionKernel: ['Qr36', '3'] })]);
    expect(f.reconstruction).toContain('Qr36');
    expect(acquisitionWarnings(f).join(' ')).toContain('Iterative reconstruction');
  });

  it('millimetres print without trailing zeros', () => {
    expect(mm(3)).toBe('3 mm');
    expect(mm(0.625)).toBe('0.625 mm');
    expect(mm(null)).toBe('not stated');
  });
});

describe('which studies offer the Calcium Scoring mode', () => {
  it('a study with a CT series offers it, also next to SR and SEG', () => {
    expect(isValidMode({ modalities: 'CT' }).valid).toBe(true);
    expect(isValidMode({ modalities: 'CT\\SR\\SEG' }).valid).toBe(true);
  });

  it('a study without CT does not', () => {
    expect(isValidMode({ modalities: 'MR' }).valid).toBe(false);
    expect(isValidMode({ modalities: 'SR\\SEG' }).valid).toBe(false);
    expect(isValidMode({}).valid).toBe(false);
  });

  it("the mode names the extension by the URL the viewer loaded it from, else by its package name", () => {
    expect(extensionKey(['/plugins/ohif-calcium-scoring-extension/index.js'])).toBe('/plugins/ohif-calcium-scoring-extension/index.js');
    expect(extensionKey(['@ohif/extension-default'])).toBe('ohif-calcium-scoring-extension');
    expect(extensionKey(undefined)).toBe('ohif-calcium-scoring-extension');
    expect(extensionKey([['https://pacs.example/ohif-calcium-scoring-extension/index.js', {}]])).toBe('https://pacs.example/ohif-calcium-scoring-extension/index.js');
  });
});
