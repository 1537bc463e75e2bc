/** Input checks (docs/scoring.md §1.5): what stops scoring, and what the reader is warned about. */
import { describe, expect, it } from 'vitest';
import { checkVolume, isSharpKernel } from '../../core/checks';
import { InputError, scoreVolume } from '../../core/index';
import { fillBox, makeVolume } from './helpers/volume';
import type { Vec3 } from '../../core/types';

const clean = () => makeVolume({ columns: 48, rows: 48, slices: 6 });

describe('a standard gated 3 mm, 120 kVp non-contrast scan', () => {
  it('passes without warnings or errors', () => {
    expect(checkVolume(clean())).toEqual({ warnings: [], errors: [], implausible: [] });
  });
});

describe('errors: the series cannot be scored', () => {
  it('an MR series is refused', () => {
    const v = clean();
    v.facts.modality = 'MR';
    const { errors } = checkVolume(v);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/modality MR, not CT/);
    expect(() => scoreVolume(v)).toThrow(InputError);
  });

  it('pixel data that does not fill the geometry is refused', () => {
    const v = clean();
    v.hu = v.hu.subarray(0, v.hu.length - 10);
    expect(checkVolume(v).errors.join(' ')).toMatch(/Pixel data holds/);
  });

  it('missing pixel spacing is refused', () => {
    const v = clean();
    v.rowSpacingMm = Number.NaN;
    expect(checkVolume(v).errors.join(' ')).toMatch(/row spacing/);
  });

  it('orientation vectors that are not orthogonal are refused', () => {
    const v = clean();
    v.columnCosines = [0.5, 0.866, 0];
    expect(checkVolume(v).errors.join(' ')).toMatch(/not two orthogonal unit vectors/);
  });

  it('a missing slice is refused, naming the gap and where it is', () => {
    const v = clean();
    v.imagePositionsMm = v.imagePositionsMm.map(([x, y, z], k) => [x, y, k >= 3 ? z + 3 : z] as Vec3);
    const { errors } = checkVolume(v);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Missing slices: a 6 mm gap between slices 2 and 3 \(positions 6 and 12 mm\)/);
  });

  it('duplicate slice positions (mixed acquisitions) are refused', () => {
    const v = clean();
    v.imagePositionsMm[2] = [...v.imagePositionsMm[1]] as Vec3;
    expect(checkVolume(v).errors.join(' ')).toMatch(/same or a decreasing position/);
  });

  it('an instance list that does not match the slices is refused', () => {
    const v = clean();
    v.instances = [{ sopInstanceUid: '1.2', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', instanceNumber: 1 }];
    expect(checkVolume(v).errors.join(' ')).toMatch(/1 instances for 6 slices/);
  });

  it('scoring can be forced past errors, which then appear among the warnings', () => {
    const v = clean();
    v.facts.modality = 'MR';
    const { result } = scoreVolume(v, { ignoreErrors: true });
    expect(result.warnings.join(' ')).toMatch(/not CT/);
  });
});

describe('warnings: the score can be computed but means something else', () => {
  it('kVp other than 120', () => {
    const v = clean();
    v.facts.kvp = 100;
    const { warnings, errors } = checkVolume(v);
    expect(errors).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/100 kVp, not 120 kVp/);
  });

  it('1.5 mm overlapping slices warn about the increment; 1 mm slices warn about thickness and increment', () => {
    const overlapping = makeVolume({ columns: 24, rows: 24, slices: 6, incrementMm: 1.5, thicknessMm: 3 });
    expect(checkVolume(overlapping).warnings).toEqual([expect.stringMatching(/increment 1.5 mm, not 3 mm.*1.5\/3/)]);
    const thin = makeVolume({ columns: 24, rows: 24, slices: 6, incrementMm: 1, thicknessMm: 1 });
    const w = checkVolume(thin).warnings.join(' ');
    expect(w).toMatch(/thickness 1 mm, not 3 mm/);
    expect(w).toMatch(/increment 1 mm, not 3 mm/);
  });

  it('a non-gated scan warns that motion lowers the score', () => {
    const v = clean();
    v.facts.gated = false;
    expect(checkVolume(v).warnings).toEqual([expect.stringMatching(/Not ECG-gated/)]);
  });

  it('contrast named in the header', () => {
    const v = clean();
    v.facts.contrast = true;
    v.facts.contrastAgent = 'Iomeprol';
    expect(checkVolume(v).warnings).toEqual([expect.stringMatching(/Contrast agent in the header \(Iomeprol\)/)]);
  });

  it('an enhanced blood pool (300 HU in the heart region) is detected without any header hint', () => {
    const v = clean();
    fillBox(v, [12, 35], [12, 35], [0, 5], 300);
    expect(checkVolume(v).warnings).toEqual([expect.stringMatching(/looks contrast-enhanced \(median soft tissue 300 HU/)]);
  });

  it('a few dense calcifications and some bone in the heart region do not look like contrast', () => {
    const v = clean();
    fillBox(v, [20, 21], [20, 21], [1, 4], 600);
    fillBox(v, [16, 31], [28, 31], [0, 5], 250); // e.g. a strip of vertebral bone, a quarter of the region
    expect(checkVolume(v).warnings).toEqual([]);
  });

  it('gantry tilt in the header, and slices sheared without it', () => {
    const tilted = clean();
    tilted.facts.gantryTiltDeg = 15;
    expect(checkVolume(tilted).warnings).toEqual([expect.stringMatching(/Gantry tilt of 15 degrees/)]);
    const sheared = clean();
    sheared.imagePositionsMm = sheared.imagePositionsMm.map(([x, y, z]) => [x, y + z * 0.2, z] as Vec3);
    expect(checkVolume(sheared).warnings).toEqual([expect.stringMatching(/sheared by 11.3 degrees/)]);
  });

  it('non-uniform slice spacing is a warning, not an error', () => {
    const v = clean();
    v.imagePositionsMm = v.imagePositionsMm.map(([x, y, z], k) => [x, y, k === 3 ? z + 0.4 : z] as Vec3);
    const { warnings, errors } = checkVolume(v);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/not uniform \(2.6 to 3.4 mm\)/)]);
  });

  it('metal in the heart region (a stent at 3071 HU) is flagged; dense calcium at 1500 HU is not', () => {
    const v = clean();
    fillBox(v, [20, 21], [20, 22], [1, 3], 1500);
    expect(checkVolume(v).warnings).toEqual([]);
    fillBox(v, [24, 25], [24, 25], [1, 3], 3071);
    expect(checkVolume(v).warnings).toEqual([expect.stringMatching(/Metal \(HU >= 3000\) in the heart region/)]);
  });

  it('a sharp kernel and iterative reconstruction are named', () => {
    const v = clean();
    v.facts.convolutionKernel = 'B70f';
    v.facts.reconstruction = 'ADMIRE 3';
    const w = checkVolume(v).warnings.join(' ');
    expect(w).toMatch(/Sharp reconstruction kernel "B70f"/);
    expect(w).toMatch(/Iterative reconstruction \(ADMIRE 3\).*7-48% lower/);
  });

  it('a very large series warns about time and memory', () => {
    const v = makeVolume({ columns: 2, rows: 2, slices: 1001, incrementMm: 3 });
    expect(checkVolume(v).warnings).toEqual([expect.stringMatching(/Very large series \(1001 slices/)]);
  });

  it('unknown kVp and unknown gating are mentioned', () => {
    const v = clean();
    v.facts.kvp = null;
    v.facts.gated = null;
    const w = checkVolume(v).warnings;
    expect(w).toHaveLength(2);
    expect(w.join(' ')).toMatch(/kVp\) not in the header/);
    expect(w.join(' ')).toMatch(/gating not stated/);
  });

  it('every message is a single line', () => {
    const v = makeVolume({ columns: 24, rows: 24, slices: 6, incrementMm: 1, thicknessMm: 1 });
    Object.assign(v.facts, { kvp: 80, gated: false, contrast: true, gantryTiltDeg: 10, convolutionKernel: 'BONE', reconstruction: 'ASIR-V 50%' });
    v.facts.modality = 'PT';
    const { warnings, errors } = checkVolume(v);
    expect(warnings.length + errors.length).toBeGreaterThan(6);
    for (const m of [...warnings, ...errors]) expect(m).not.toMatch(/\n/);
  });
});

describe('kernel names', () => {
  it.each([
    ['B70f', true],
    ['Br64', true],
    ['BONE', true],
    ['LUNG', true],
    ['FC52', true],
    ['B35f', false],
    ['Qr36', false],
    ['STANDARD', false],
    ['SOFT', false],
    ['FC12', false],
    ['B', false],
  ])('%s sharp: %s', (kernel, sharp) => {
    expect(isSharpKernel(kernel)).toBe(sharp);
  });
});
