/**
 * Input checks before scoring (docs/scoring.md §1.5): errors where the volume cannot be scored, warnings
 * where it can but the score means something different from a standard Agatston score.
 * Every message is one line: what is wrong, and what it means for the score or what to do.
 */
import type { PixelLayout } from './dicom/pixels';
import type { CtVolume, SeriesFacts, Vec3 } from './types';
import { cross, dot, median, norm } from './math';

export interface CheckReport {
  warnings: string[];
  errors: string[];
  /**
   * The messages (also in errors or warnings) saying the pixel values themselves cannot be
   * trusted: HU outside what a CT scanner produces, a blank volume, a slice unlike its
   * neighbours. While any is present a score, even when forced, carries no decision support
   * (scoreVolume passes them on as LesionSet.inputProblems).
   */
  implausible: string[];
}

/** Above these sizes scoring still works but is slow and memory-hungry in a browser. */
export const LARGE_VOLUME_SLICES = 1000;
export const LARGE_VOLUME_VOXELS = 2 ** 28;

/** Agatston scoring is defined on 3 mm slices at 120 kVp (docs/scoring.md §1.1). */
const STANDARD_SLICE_MM = 3;
const STANDARD_KVP = 120;
const MM_TOLERANCE = 0.05;

const isVec3 = (v: unknown): v is Vec3 =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const fmt = (x: number, digits = 2) => String(Number(x.toFixed(digits)));


/** Checks a CT volume before scoring; see the module comment. */
export function checkVolume(volume: CtVolume): CheckReport {
  const warnings: string[] = [];
  const errors: string[] = [];
  const implausible: string[] = [];
  const facts = volume.facts;

  // --- Modality ---
  if (!facts || facts.modality !== 'CT') {
    errors.push(
      `This series is ${facts?.modality ? `modality ${facts.modality}` : 'of unknown modality'}, not CT: calcium scoring needs a non-contrast CT series.`,
    );
  }

  // --- Geometry (errors: nothing can be measured without it) ---
  const geometryErrors = checkGeometry(volume);
  errors.push(...geometryErrors);
  if (geometryErrors.length === 0) {
    checkSlicePositions(volume, warnings, errors);
    implausible.push(...checkPixelValues(volume));
    errors.push(...implausible);
  }
  if (!facts) return { warnings, errors, implausible };

  if (facts.rows !== volume.rows || facts.columns !== volume.columns) {
    errors.push(
      `Header says ${facts.columns} x ${facts.rows} pixels but the pixel data is ${volume.columns} x ${volume.rows}: the series is inconsistent; re-send it.`,
    );
  }

  // --- Size ---
  const voxels = volume.columns * volume.rows * volume.slices;
  if (volume.slices > LARGE_VOLUME_SLICES || voxels > LARGE_VOLUME_VOXELS) {
    warnings.push(
      `Very large series (${volume.slices} slices, ${(voxels / 1e6).toFixed(0)} million voxels): scoring will be slow and may exhaust browser memory; a 3 mm cardiac reconstruction is what Agatston scoring expects.`,
    );
  }

  // --- Acquisition (docs/scoring.md §1.1, 1.5): what the headers say ---
  warnings.push(...checkAcquisition(facts, volume.sliceIncrementMm));
  // --- What the voxels say ---
  if (facts.contrast !== true) {
    const bloodPoolHu = centralSoftTissueMedianHu(volume);
    if (bloodPoolHu !== null && bloodPoolHu >= CONTRAST_BLOOD_POOL_HU) {
      warnings.push(
        `The heart region looks contrast-enhanced (median soft tissue ${Math.round(bloodPoolHu)} HU; non-contrast blood is 30-60 HU): enhanced blood above 130 HU would be counted as calcium. Use the non-contrast series.`,
      );
    }
  }
  const metalVoxels = centralMetalVoxelCount(volume);
  if (metalVoxels >= METAL_MIN_VOXELS) {
    warnings.push(
      `Metal (HU >= ${METAL_HU}) in the heart region (stent, wire, lead or valve?): metal and its streaks are counted as calcium unless those lesions are marked non-coronary.`,
    );
  }
  return { warnings, errors, implausible };
}

/**
 * Warnings from the acquisition facts alone (docs/scoring.md §1.1, 1.5): kVp, slice thickness and
 * increment, gating, gantry tilt, contrast named in the header, kernel, iterative
 * reconstruction. The viewer shows these before scoring; checkVolume adds what the voxels say.
 */
export function checkAcquisition(facts: SeriesFacts, sliceIncrementMm: number | null): string[] {
  const warnings: string[] = [];
  if (facts.kvp === null) {
    warnings.push('Tube voltage (kVp) not in the header: the 130 HU threshold is defined at 120 kVp; check the protocol.');
  } else if (Math.abs(facts.kvp - STANDARD_KVP) > 0.5) {
    warnings.push(
      `Acquired at ${fmt(facts.kvp, 0)} kVp, not 120 kVp: the 130 HU threshold and density weights are defined at 120 kVp, so the score is not a standard Agatston score.`,
    );
  }
  const thickness = facts.sliceThicknessMm;
  if (thickness !== null && Math.abs(thickness - STANDARD_SLICE_MM) > MM_TOLERANCE) {
    warnings.push(
      `Slice thickness ${fmt(thickness)} mm, not 3 mm: ${
        thickness < STANDARD_SLICE_MM
          ? 'thinner slices show more small and faint calcium, so the score is usually higher'
          : 'thicker slices blur small calcifications below 130 HU, so the score is usually lower'
      } than on a standard 3 mm reconstruction.`,
    );
  }
  if (sliceIncrementMm !== null && Number.isFinite(sliceIncrementMm) && Math.abs(sliceIncrementMm - STANDARD_SLICE_MM) > MM_TOLERANCE) {
    warnings.push(
      `Slice increment ${fmt(sliceIncrementMm)} mm, not 3 mm: slice scores are normalised by ${fmt(sliceIncrementMm)}/3 (Agatston-equivalent), not a standard 3 mm Agatston score.`,
    );
  }
  if (facts.gated === false) {
    warnings.push(
      'Not ECG-gated: cardiac motion blurs calcium, which usually lowers the score (a third of patients change category, Arcadi 2014); prefer a gated calcium-scoring scan.',
    );
  } else if (facts.gated === null) {
    warnings.push('ECG gating not stated in the header: if the scan was not gated, motion may lower the score.');
  }
  if (facts.gantryTiltDeg !== null && Math.abs(facts.gantryTiltDeg) > 0.1) {
    warnings.push(
      `Gantry tilt of ${fmt(facts.gantryTiltDeg, 1)} degrees: slices are not perpendicular to the table, so areas and volumes are slightly distorted.`,
    );
  }
  if (facts.contrast === true) {
    warnings.push(
      `Contrast agent in the header${facts.contrastAgent ? ` (${facts.contrastAgent})` : ''}: calcium scoring is defined on non-contrast CT; enhanced blood above 130 HU is counted as calcium. Use the non-contrast series.`,
    );
  }
  const kernel = facts.convolutionKernel;
  if (kernel && isSharpKernel(kernel)) {
    warnings.push(
      `Sharp reconstruction kernel "${kernel}": edges and noise raise peak HU and area, so the score may be higher than with the standard soft kernel.`,
    );
  }
  const recon = [facts.reconstruction, kernel].filter((x): x is string => !!x).join(' ');
  if (recon && ITERATIVE_RECONSTRUCTION.test(recon)) {
    warnings.push(
      `Iterative reconstruction (${facts.reconstruction ?? kernel}): Agatston scores are 7-48% lower than with filtered back projection (Kurata 2013); compare follow-ups with the same reconstruction.`,
    );
  }
  return warnings;
}

/** Missing or unusable geometry: errors. */
function checkGeometry(v: CtVolume): string[] {
  const errors: string[] = [];
  const positiveInt = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x > 0;
  if (!positiveInt(v.columns) || !positiveInt(v.rows) || !positiveInt(v.slices)) {
    errors.push(`Image size ${v.columns} x ${v.rows} x ${v.slices} is not usable: the series has no complete image geometry.`);
    return errors;
  }
  if (!v.hu || v.hu.length !== v.columns * v.rows * v.slices) {
    errors.push(
      `Pixel data holds ${v.hu?.length ?? 0} values but the geometry needs ${v.columns * v.rows * v.slices}: slices differ in size or are missing; re-send the complete series.`,
    );
  }
  const spacing: [string, number][] = [
    ['column spacing', v.columnSpacingMm],
    ['row spacing', v.rowSpacingMm],
    ['slice increment', v.sliceIncrementMm],
  ];
  for (const [name, value] of spacing) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      errors.push(`Missing or invalid ${name} (${String(value)}): areas and volumes cannot be measured; the series lacks Pixel Spacing or slice positions.`);
    }
  }
  if (!isVec3(v.rowCosines) || !isVec3(v.columnCosines) || !isVec3(v.normal)) {
    errors.push('Missing image orientation (0020,0037): the slices cannot be placed in space.');
  } else {
    const r = v.rowCosines;
    const c = v.columnCosines;
    if (Math.abs(norm(r) - 1) > 1e-3 || Math.abs(norm(c) - 1) > 1e-3 || Math.abs(dot(r, c)) > 1e-3) {
      errors.push('Image orientation (0020,0037) is not two orthogonal unit vectors: the header is corrupt.');
    } else {
      const n = cross(r, c);
      if (Math.abs(dot(n, v.normal) - 1) > 1e-3) {
        errors.push('Slice normal does not match the image orientation: the volume was assembled inconsistently; re-read the series.');
      }
    }
  }
  if (!Array.isArray(v.imagePositionsMm) || v.imagePositionsMm.length !== v.slices || !v.imagePositionsMm.every(isVec3)) {
    errors.push(
      `Slice positions (0020,0032) missing or not one per slice (${v.imagePositionsMm?.length ?? 0} for ${v.slices} slices): the slices cannot be stacked.`,
    );
  }
  if (Array.isArray(v.instances) && v.instances.length > 0 && v.instances.length !== v.slices) {
    errors.push(`${v.instances.length} instances for ${v.slices} slices: the series is incomplete or mixed; re-read it.`);
  }
  return errors;
}

/** Slice order, gaps, non-uniform spacing and shear (gantry tilt) from the slice positions. */
function checkSlicePositions(v: CtVolume, warnings: string[], errors: string[]): void {
  if (v.slices < 2) {
    if (v.slices === 1) warnings.push('Only one slice: lesions cannot be followed between slices and volume uses the stated increment.');
    return;
  }
  const s = v.imagePositionsMm.map((p) => dot(p, v.normal));
  const steps: number[] = [];
  for (let k = 1; k < s.length; k++) steps.push(s[k] - s[k - 1]);
  const bad = steps.findIndex((d) => !(d > 1e-3));
  if (bad >= 0) {
    errors.push(
      `Slices ${bad} and ${bad + 1} are at the same or a decreasing position (${fmt(s[bad])} -> ${fmt(s[bad + 1])} mm): duplicate or unsorted slices; the series may mix acquisitions.`,
    );
    return;
  }
  const typical = median(steps);
  let reportedGaps = 0;
  let nonUniform = false;
  steps.forEach((d, k) => {
    if (d > typical * 1.5 + 1e-3) {
      if (reportedGaps < 3) {
        errors.push(
          `Missing slices: a ${fmt(d)} mm gap between slices ${k} and ${k + 1} (positions ${fmt(s[k])} and ${fmt(s[k + 1])} mm) where the spacing is ${fmt(typical)} mm; lesions there would be missed: re-send the complete series.`,
        );
      }
      reportedGaps++;
    } else if (Math.abs(d - typical) > Math.max(0.01, typical * 0.05)) {
      nonUniform = true;
    }
  });
  if (reportedGaps > 3) errors.push(`${reportedGaps - 3} more gaps between slices.`);
  if (nonUniform) {
    const lo = Math.min(...steps);
    const hi = Math.max(...steps);
    warnings.push(
      `Slice spacing is not uniform (${fmt(lo)} to ${fmt(hi)} mm): volumes use ${fmt(v.sliceIncrementMm)} mm per slice and may be slightly off.`,
    );
  }
  if (Math.abs(typical - v.sliceIncrementMm) > Math.max(0.01, typical * 0.02)) {
    warnings.push(
      `Stated slice increment ${fmt(v.sliceIncrementMm)} mm differs from the slice positions (${fmt(typical)} mm): volumes and normalisation use ${fmt(v.sliceIncrementMm)} mm.`,
    );
  }
  // Shear: successive positions not along the normal (tilted gantry reconstructed without correction).
  const first = v.imagePositionsMm[0];
  const last = v.imagePositionsMm[v.slices - 1];
  const d: Vec3 = [last[0] - first[0], last[1] - first[1], last[2] - first[2]];
  const along = dot(d, v.normal);
  const inPlane = Math.sqrt(Math.max(0, dot(d, d) - along * along));
  const shearDeg = (Math.atan2(inPlane, Math.abs(along)) * 180) / Math.PI;
  const headerTilt = v.facts?.gantryTiltDeg;
  if (shearDeg > 0.5 && !(headerTilt !== null && headerTilt !== undefined && Math.abs(headerTilt) > 0.1)) {
    warnings.push(
      `Slices are sheared by ${fmt(shearDeg, 1)} degrees (gantry tilt): areas and volumes are slightly distorted and lesions may not line up between slices.`,
    );
  }
}

/**
 * HU a CT scanner produces after the rescale: 12-bit scanners span -1024..3071, padding outside
 * the reconstruction circle sits at -2048..-3024 (a fifth of a square image at most), and only
 * metal on extended-range scanners goes above 4095 (a small fraction of any volume).
 */
export const PLAUSIBLE_HU_MIN = -2048;
export const PLAUSIBLE_HU_MAX = 4095;
/** More voxels than this above PLAUSIBLE_HU_MAX: not metal but a wrong rescale or signedness. */
const MAX_FRACTION_ABOVE = 0.01;
/** More voxels than this below PLAUSIBLE_HU_MIN: more than padding can explain. */
const MAX_FRACTION_BELOW = 0.5;
/**
 * More voxels than this at or above the 130 HU calcium threshold: a chest or cardiac CT is
 * mostly air, lung, fat and soft tissue (measured here: 1.8-3.2% of voxels on the ACRIN chest
 * CT, the QRM phantom and the digital phantom; 92% when unsigned data lacks its -1024 intercept).
 */
const MAX_FRACTION_CALCIUM = 0.4;
const CALCIUM_HU = 130;
/**
 * A volume whose sampled voxels span fewer HU than this, all at air or below (stored zeros with
 * the usual intercept, a blanked export) or outside the CT range, holds no anatomy.
 */
const MIN_HU_SPAN = 20;
const BLANK_HU = -900;
/**
 * A slice is "wildly off its neighbours" when its mean voxel-wise HU difference to each
 * neighbour is this many times the difference between the two neighbours themselves (and the
 * volume's typical step), and at least SLICE_OUTLIER_MIN_HU. Anatomy changes gradually, so a
 * real slice lies between its neighbours; a slice decoded from damaged data does not. Measured
 * here: at most 0.8 on the ACRIN chest CT, the QRM phantom and the digital phantom; 4.4 and 9
 * for one slice with a damaged RLE header or JPEG Lossless scan.
 */
const SLICE_OUTLIER_RATIO = 3;
const SLICE_OUTLIER_MIN_HU = 100;

/**
 * Plausibility of the voxels themselves (what the headers cannot show): HU outside what a CT
 * scanner produces, a blank volume (RescaleSlope 0), a slice unlike both its neighbours (damaged
 * compressed data). Reads a regular sample of about 1 in 16 voxels of large slices.
 * Returns error messages; empty when the values look like CT.
 */
export function checkPixelValues(v: CtVolume): string[] {
  const problems: string[] = [];
  const sliceSize = v.columns * v.rows;
  if (!v.hu || v.hu.length !== sliceSize * v.slices || v.slices === 0) return problems;
  const stride = Math.max(1, Math.floor(Math.min(v.columns, v.rows) / 128));
  const sampledColumns = Math.ceil(v.columns / stride);
  const samples = Math.ceil(v.rows / stride) * sampledColumns;
  let below = 0;
  let above = 0;
  let dense = 0;
  let min = Infinity;
  let max = -Infinity;
  // toPrevious[k]: mean |HU(k) - HU(k-1)|; skipping[k]: mean |HU(k+1) - HU(k-1)|, over the
  // sampled voxels, with values clamped to the plausible range so padding and metal do not dominate.
  const toPrevious = new Float64Array(v.slices);
  const skipping = new Float64Array(v.slices);
  // The clamped samples of the two previous slices, so each voxel is read once.
  let previous = new Int16Array(samples);
  let beforePrevious = new Int16Array(samples);
  let current = new Int16Array(samples);
  const hu = v.hu;
  for (let k = 0; k < v.slices; k++) {
    let s = 0;
    for (let j = 0; j < v.rows; j += stride) {
      const row = (k * v.rows + j) * v.columns;
      for (let i = 0; i < v.columns; i += stride) {
        const h = hu[row + i];
        if (h < min) min = h;
        if (h > max) max = h;
        let c = h;
        if (h >= CALCIUM_HU) dense++;
        if (h < PLAUSIBLE_HU_MIN) {
          below++;
          c = PLAUSIBLE_HU_MIN;
        } else if (h > PLAUSIBLE_HU_MAX) {
          above++;
          c = PLAUSIBLE_HU_MAX;
        }
        current[s++] = c;
      }
    }
    if (k > 0) {
      let dPrev = 0;
      for (let n = 0; n < samples; n++) dPrev += Math.abs(current[n] - previous[n]);
      toPrevious[k] = dPrev / samples;
    }
    if (k > 1) {
      let dSkip = 0;
      for (let n = 0; n < samples; n++) dSkip += Math.abs(current[n] - beforePrevious[n]);
      skipping[k - 1] = dSkip / samples;
    }
    const spare = beforePrevious;
    beforePrevious = previous;
    previous = current;
    current = spare;
  }
  const total = samples * v.slices;
  const pct = (n: number) => `${fmt((100 * n) / total, 1)}%`;
  if (max - min < MIN_HU_SPAN && (max <= BLANK_HU || min < PLAUSIBLE_HU_MIN || max > PLAUSIBLE_HU_MAX)) {
    problems.push(
      `Every voxel is ${min === max ? `${min} HU` : `between ${min} and ${max} HU`}: the images are blank, so the pixel data or its rescale (RescaleSlope/RescaleIntercept) is wrong; check the export, nothing can be scored.`,
    );
    return problems;
  }
  if (above > MAX_FRACTION_ABOVE * total) {
    problems.push(
      `${pct(above)} of the voxels are above ${PLAUSIBLE_HU_MAX} HU (up to ${max} HU), far more than metal explains: the rescale (RescaleIntercept/RescaleSlope) or the pixel representation (signed/unsigned) in the header is wrong, so every lesion and score would be wrong.`,
    );
  }
  if (problems.length === 0 && dense > MAX_FRACTION_CALCIUM * total) {
    problems.push(
      `${pct(dense)} of the voxels are at or above ${CALCIUM_HU} HU, where a CT of the chest is mostly air, lung, fat and soft tissue: the rescale in the header is wrong (unsigned pixel data usually needs RescaleIntercept -1024), so calcium cannot be told from tissue.`,
    );
  }
  if (below > MAX_FRACTION_BELOW * total) {
    problems.push(
      `${pct(below)} of the voxels are below ${PLAUSIBLE_HU_MIN} HU (down to ${min} HU), far more than padding explains: the rescale (RescaleIntercept/RescaleSlope) in the header is wrong, so calcium would be missed.`,
    );
  }
  if (problems.length > 0 || v.slices < 3) return problems;
  const interior = Array.from(toPrevious.subarray(1));
  const typical = median(interior);
  const outliers: number[] = [];
  // Interior slices only: an end slice has one neighbour, and real series often end abruptly
  // (a phantom's edge, the table), so the test cannot tell a damaged end slice from anatomy.
  for (let k = 1; k < v.slices - 1; k++) {
    const reference = Math.max(skipping[k], typical, 1);
    if (Math.min(toPrevious[k], toPrevious[k + 1]) >= Math.max(SLICE_OUTLIER_RATIO * reference, SLICE_OUTLIER_MIN_HU)) outliers.push(k);
  }
  if (outliers.length > 0) {
    const name = (k: number) => {
      const n = v.instances?.[k]?.instanceNumber;
      return `slice ${k + 1} of ${v.slices}${n !== null && n !== undefined ? ` (instance ${n})` : ''}`;
    };
    const diff = Math.min(toPrevious[outliers[0]], toPrevious[outliers[0] + 1]);
    problems.push(
      `${outliers.slice(0, 3).map(name).join(', ')}${outliers.length > 3 ? ` and ${outliers.length - 3} more` : ''} ${outliers.length === 1 ? 'is' : 'are'} unlike ${outliers.length === 1 ? 'its' : 'their'} neighbours (mean difference ${Math.round(diff)} HU where neighbouring slices differ by about ${Math.round(typical)} HU): the pixel data is probably damaged (a corrupt compressed slice); re-send the series.`,
    );
  }
  return problems;
}

/** Largest Rows or Columns taken as a CT image (CT matrices are 256-1024, a few 2048). */
export const MAX_CT_MATRIX = 4096;
/** Most voxels a volume may have (2 GiB of 16-bit HU): beyond it allocation fails or the machine swaps. */
export const MAX_VOLUME_VOXELS = 2 ** 30;

/**
 * The pixel module of one slice against what a CT image can be and against the data it holds
 * (`storedBytes`: the uncompressed pixel data's length; null for compressed data, which the
 * decoder measures). Returns a one-line problem, or null. Run before any pixel is decoded, so
 * an impossible header is named as what it is (not "truncated") and never allocates gigabytes.
 */
export function checkPixelModule(layout: PixelLayout, storedBytes: number | null): string | null {
  const { rows, columns, bitsAllocated, bitsStored, slope, intercept } = layout;
  const pixels = rows * columns;
  const perPixel = storedBytes !== null && pixels > 0 ? storedBytes / pixels : null;
  const holds = perPixel !== null && Number.isInteger(perPixel) ? `; the pixel data holds ${perPixel} byte${perPixel === 1 ? '' : 's'} per pixel` : '';
  if (rows > MAX_CT_MATRIX || columns > MAX_CT_MATRIX) {
    return `${columns} x ${rows} pixels (Columns x Rows) is not a CT image size (at most ${MAX_CT_MATRIX} a side): the header is corrupt; export the series again`;
  }
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    return `BitsAllocated ${bitsAllocated} is not supported: CT images store 16 bits per pixel${holds}; the header is wrong or this is not a CT image`;
  }
  if (!(Number.isInteger(bitsStored) && bitsStored >= 1 && bitsStored <= bitsAllocated)) {
    return `BitsStored ${bitsStored} does not fit in BitsAllocated ${bitsAllocated}: the header is corrupt`;
  }
  if (storedBytes !== null) {
    const needed = pixels * (bitsAllocated / 8);
    if (storedBytes >= 2 * needed) {
      return `BitsAllocated ${bitsAllocated} says ${bitsAllocated / 8} byte${bitsAllocated === 8 ? '' : 's'} per pixel but the pixel data holds ${storedBytes} bytes for ${columns} x ${rows} pixels${perPixel !== null && Number.isInteger(perPixel) ? ` (${perPixel} bytes per pixel)` : ''}: the header's pixel depth does not match the data`;
    }
  }
  if (!Number.isFinite(slope) || slope === 0) {
    return `RescaleSlope ${slope} maps every pixel to the same value: the header is corrupt (CT uses 1)`;
  }
  if (!Number.isFinite(intercept)) return `RescaleIntercept ${intercept} is not a number: the header is corrupt`;
  // Every value the stored bits can hold, rescaled: if none lands in the CT range, nothing can.
  const signed = layout.pixelRepresentation === 1;
  const lo = signed ? -(2 ** (bitsStored - 1)) : 0;
  const hi = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const a = lo * slope + intercept;
  const b = hi * slope + intercept;
  const [huLo, huHi] = a < b ? [a, b] : [b, a];
  if (huHi < PLAUSIBLE_HU_MIN || huLo > PLAUSIBLE_HU_MAX) {
    return `RescaleSlope ${slope} and RescaleIntercept ${intercept} map every possible pixel value to ${fmt(huLo, 0)}..${fmt(huHi, 0)} HU, outside the ${PLAUSIBLE_HU_MIN}..${PLAUSIBLE_HU_MAX} HU a CT scanner produces: the header is corrupt`;
  }
  return null;
}

/** Median HU of soft tissue (0-600 HU) in the heart region above which the series counts as enhanced. */
export const CONTRAST_BLOOD_POOL_HU = 120;

/**
 * A simple contrast detector: the median HU of voxels between 0 and 600 HU in the central third
 * of the image (in-plane) over the middle half of the slices: the heart and great vessels in a
 * cardiac or chest field of view. Non-contrast blood and myocardium sit at 30-60 HU, and bone
 * is a minority of that box; enhanced blood pools are 150-500 HU and dominate it. The median
 * makes it robust to the spine and to calcium. Returns null when the box has too little tissue.
 */
export function centralSoftTissueMedianHu(v: CtVolume): number | null {
  if (!v.hu || v.hu.length !== v.columns * v.rows * v.slices) return null;
  const i0 = Math.floor(v.columns / 3);
  const i1 = Math.ceil((2 * v.columns) / 3);
  const j0 = Math.floor(v.rows / 3);
  const j1 = Math.ceil((2 * v.rows) / 3);
  const k0 = Math.floor(v.slices / 4);
  const k1 = Math.max(k0 + 1, Math.ceil((3 * v.slices) / 4));
  const histogram = new Uint32Array(601);
  let count = 0;
  // Every other row and column is plenty for a median and halves the cost.
  for (let k = k0; k < k1; k++) {
    for (let j = j0; j < j1; j += 2) {
      const row = (k * v.rows + j) * v.columns;
      for (let i = i0; i < i1; i += 2) {
        const h = v.hu[row + i];
        if (h >= 0 && h <= 600) {
          histogram[h]++;
          count++;
        }
      }
    }
  }
  if (count < 200) return null;
  let seen = 0;
  for (let h = 0; h <= 600; h++) {
    seen += histogram[h];
    if (seen * 2 >= count) return h;
  }
  return null;
}

/** HU above which a voxel is taken as metal (cortical bone and calcium stay below ~2000 HU at 120 kVp). */
export const METAL_HU = 3000;
const METAL_MIN_VOXELS = 10;

/** Voxels at or above METAL_HU in the central third of the image (all slices): stents, wires, leads, valves. */
export function centralMetalVoxelCount(v: CtVolume): number {
  if (!v.hu || v.hu.length !== v.columns * v.rows * v.slices) return 0;
  const i0 = Math.floor(v.columns / 3);
  const i1 = Math.ceil((2 * v.columns) / 3);
  const j0 = Math.floor(v.rows / 3);
  const j1 = Math.ceil((2 * v.rows) / 3);
  let count = 0;
  for (let k = 0; k < v.slices; k++) {
    for (let j = j0; j < j1; j++) {
      const row = (k * v.rows + j) * v.columns;
      for (let i = i0; i < i1; i++) if (v.hu[row + i] >= METAL_HU) count++;
    }
  }
  return count;
}

/** Sharp kernels by vendor naming: GE BONE/LUNG/EDGE/DETAIL, Siemens B/Br/Qr/I 45 and above, Philips C/D/L/Y*, Canon FC30+. */
export function isSharpKernel(kernel: string): boolean {
  const k = kernel.trim().toUpperCase();
  if (/\b(BONE|BONEPLUS|LUNG|EDGE|DETAIL|SHARP|HD ?LUNG)\b/.test(k)) return true;
  const siemens = /^(?:B|BR|BV|BL|QR|I|IR|HR|BF|D)(\d{2})/.exec(k);
  if (siemens) return Number(siemens[1]) >= 45;
  const canon = /^FC(\d{2})/.exec(k);
  if (canon) return Number(canon[1]) >= 30;
  if (/^(C|D|E|L|YA|YB|YC|YD|YE|YF)$/.test(k)) return true;
  return false;
}

/** Vendor names of iterative and deep-learning reconstructions. */
const ITERATIVE_RECONSTRUCTION = /\b(ASIR|ASIR-V|VEO|SAFIRE|ADMIRE|IRIS|IDOSE\d?|IMR|AIDR|AIDR ?3D|FIRST|AICE|DLIR|TRUEFIDELITY|PIXELSHINE|ITERATIVE)\b/i;
