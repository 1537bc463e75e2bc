/**
 * The one colour per lesion label, used everywhere a reader sees calcium: the viewport overlay,
 * the panel, the SEG (Recommended Display CIELab Value), the PDF key images and its table.
 *
 * The four arteries take four colours of the Okabe-Ito set (Okabe & Ito 2008, "Color Universal
 * Design"), chosen to stay apart for protan, deutan and tritan readers and on OHIF's dark
 * background: LM reddish purple and LAD orange (the pair that used to look alike), LCX sky blue,
 * RCA bluish green. Candidates still to review are yellow (the remaining Okabe-Ito hue that
 * reads as "look here"), excluded (non-coronary) calcium is neutral grey: neither can be taken
 * for an artery.
 *
 * Pure data and arithmetic (no DOM): the viewer's worker, the CLI and the tests share it.
 */
import type { LesionLabel } from './types';

export type Rgb = readonly [number, number, number];

/** sRGB 0..255 per label. */
export const LABEL_RGB: Readonly<Record<LesionLabel, Rgb>> = Object.freeze({
  LM: Object.freeze([204, 121, 167]) as Rgb, // Okabe-Ito reddish purple #CC79A7
  LAD: Object.freeze([230, 159, 0]) as Rgb, // Okabe-Ito orange #E69F00
  LCX: Object.freeze([86, 180, 233]) as Rgb, // Okabe-Ito sky blue #56B4E9
  RCA: Object.freeze([0, 158, 115]) as Rgb, // Okabe-Ito bluish green #009E73
  UNASSIGNED: Object.freeze([240, 228, 66]) as Rgb, // Okabe-Ito yellow #F0E442
  OTHER: Object.freeze([153, 153, 153]) as Rgb, // neutral grey #999999
});

/** What each label is called next to its colour (legend, SEG segment for OTHER). */
export const LABEL_LEGEND: Readonly<Record<LesionLabel, string>> = Object.freeze({
  LM: 'LM',
  LAD: 'LAD',
  LCX: 'LCX',
  RCA: 'RCA',
  UNASSIGNED: 'To review',
  OTHER: 'Excluded (non-coronary)',
});

/** "#rrggbb" for CSS. */
export function labelHex(label: LesionLabel): string {
  return `#${LABEL_RGB[label].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** 0..1 components (pdf-lib's rgb()). */
export function labelUnitRgb(label: LesionLabel): [number, number, number] {
  const [r, g, b] = LABEL_RGB[label];
  return [r / 255, g / 255, b / 255];
}

/**
 * sRGB (0..255) to DICOM scaled CIELab (PS3.3 C.10.7.1.1): L* 0..100 -> 0..65535,
 * a* and b* -128..127 -> 0..65535, D65 white point, sRGB companding.
 */
export function rgbToDicomLab([r, g, b]: Rgb): [number, number, number] {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const R = lin(r), G = lin(g), B = lin(b);
  // IEC 61966-2-1 sRGB to XYZ (D65), normalised by the D65 white point.
  const X = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (t * 24389) / 27 / 116 + 16 / 116);
  const L = 116 * f(Y) - 16;
  const a = 500 * (f(X) - f(Y));
  const bb = 200 * (f(Y) - f(Z));
  const clamp = (v: number) => Math.max(0, Math.min(65535, Math.round(v)));
  return [clamp((L * 65535) / 100), clamp(((a + 128) * 65535) / 255), clamp(((bb + 128) * 65535) / 255)];
}

/** The SEG segment's Recommended Display CIELab Value for a label. */
export function labelDicomLab(label: LesionLabel): [number, number, number] {
  return rgbToDicomLab(LABEL_RGB[label]);
}
