/**
 * Check images of the anatomy finder (core/anatomy): where the heart, aorta, bone and lungs, the
 * exclusion zones, the landmarks and the calcium candidates went, on four planes of the CT, so
 * that anyone can see at once whether the anatomy is right (`cacs anatomy --png DIR`).
 *
 * Every image is at the CT's in-plane resolution (one image pixel = the smaller pixel spacing),
 * in a soft-tissue window (-250..450 HU), oriented as radiologists view it: axial with the
 * patient's right on the image left and anterior at the top; coronal with the patient's right
 * on the image left and the head at the top; sagittal with anterior on the left and the head at
 * the top. Reformats are stretched along the slice axis by slice increment / pixel spacing, so
 * the anatomy keeps its shape. Nearest-neighbour sampling throughout (what a voxel holds is
 * what is shown).
 *
 * Drawn on each: 1-pixel outlines of the anatomy label map (on the anatomy's ~2.5 mm grid, so
 * outlines are blocky), translucent tints of the exclusion zones, the candidates' voxels on the
 * plane in their label's colour, the tracked aorta centres as dots, the finder's landmarks as
 * crosses with a letter (R root, A apex, C carina) and the reader's as hollow circles.
 *
 * Pure: no I/O, no DOM. Returns PNG bytes (core/encode/png.ts) and a caption per image.
 */
import {
  LABEL_AORTA,
  LABEL_BONE,
  LABEL_HEART,
  LABEL_LUNG,
  ZONE_AORTA,
  ZONE_CAGE,
  ZONE_HILUM,
  ZONE_MITRAL,
  ZONE_VALVE,
  type Anatomy,
} from '../anatomy/index';
import { gridIndexOfSource } from '../anatomy/grid';
import { dist } from '../math';
import { LABEL_RGB, type Rgb } from '../palette';
import type { LesionSet } from '../scoring/detect';
import { viewerImageNumber } from '../slices';
import type { CtVolume, LesionLabel, Vec3 } from '../types';
import { patientToVoxel, voxelToPatient } from '../dicom/geometry';
import { encodePngRgb } from './png';

/** Grey window of the check images (HU): soft tissue, fat and lung edges, calcium saturates. */
export const CHECK_WINDOW_HU: readonly [number, number] = [-250, 450];

/** Outline colours of the anatomy labels (lung is blended, faint). */
export const CHECK_OUTLINE_RGB = Object.freeze({
  heart: [255, 64, 64] as Rgb,
  aorta: [255, 225, 0] as Rgb,
  bone: [40, 100, 255] as Rgb,
  lung: [0, 255, 255] as Rgb,
});

/** Tint colour per exclusion-zone bit (drawn at ZONE_ALPHA over the CT). */
export const CHECK_ZONE_RGB: Readonly<Record<number, Rgb>> = Object.freeze({
  [ZONE_CAGE]: [140, 70, 255] as Rgb,
  [ZONE_AORTA]: [255, 120, 0] as Rgb,
  [ZONE_VALVE]: [0, 210, 90] as Rgb,
  [ZONE_MITRAL]: [255, 0, 150] as Rgb,
  [ZONE_HILUM]: [0, 180, 180] as Rgb,
});
const ZONE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [ZONE_CAGE]: 'cage',
  [ZONE_AORTA]: 'aortic wall',
  [ZONE_VALVE]: 'valve',
  [ZONE_MITRAL]: 'mitral',
  [ZONE_HILUM]: 'hilum',
});
const ZONE_BITS = [ZONE_CAGE, ZONE_AORTA, ZONE_VALVE, ZONE_MITRAL, ZONE_HILUM];
const ZONE_ALPHA = 0.35;
const LUNG_ALPHA = 0.45;

/** Landmark colours: the finder's crosses, the reader's circles, the aorta track's dots. */
export const CHECK_FINDER_RGB: Rgb = [0, 255, 0];
export const CHECK_READER_RGB: Rgb = [255, 0, 255];
const TRACK_RGB: Rgb = CHECK_OUTLINE_RGB.aorta;

/** Candidate colours: the artery colours of LABEL_RGB; OTHER light grey, UNASSIGNED (and unlabelled) white. */
export function candidateRgb(label: LesionLabel | null): Rgb {
  if (label === null || label === 'UNASSIGNED') return [255, 255, 255];
  if (label === 'OTHER') return [200, 200, 200];
  return LABEL_RGB[label];
}

export interface CheckImageOptions {
  /** Detected candidates (core/scoring/detect.ts); their voxels on each plane are painted. */
  lesionSet?: LesionSet;
  /** A component's label (and the model's fine class); null or absent: drawn white as unlabelled. */
  labelOf?: (componentId: number) => { label: LesionLabel; fineClass?: string | null } | null;
  /** A reader's landmarks (patient mm, LPS), drawn as hollow circles. */
  reader?: { aorticRoot?: Vec3 | null; apex?: Vec3 | null; carina?: Vec3 | null };
}

export interface CheckImage {
  /** File name, e.g. "axial-root.png". */
  name: string;
  png: Uint8Array;
  /** One paragraph: the plane, what is drawn, the landmarks, the heart, found and warnings. */
  caption: string;
  width: number;
  height: number;
}

// ---------------------------------------------------------------------------------------------
// Geometry: which volume axis (0 = i columns, 1 = j rows, 2 = k slices) runs along each patient
// axis (x, y, z), and whether its index grows with the patient coordinate.

interface VolumeAxis {
  axis: 0 | 1 | 2;
  n: number;
  spacingMm: number;
  /** +1 when a growing index moves towards growing patient coordinate, else -1. */
  sign: 1 | -1;
}

const PERMUTATIONS: [0 | 1 | 2, 0 | 1 | 2, 0 | 1 | 2][] = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

/** For patient axes x, y, z: the volume axis closest to it (the best-aligned permutation). */
function axesOf(v: CtVolume): [VolumeAxis, VolumeAxis, VolumeAxis] {
  // Slices are sorted ascending along the normal, so k runs along +normal.
  const dirs: Vec3[] = [v.rowCosines, v.columnCosines, v.normal];
  const counts = [v.columns, v.rows, v.slices];
  const spacings = [v.columnSpacingMm, v.rowSpacingMm, Math.abs(v.sliceIncrementMm) || 1];
  let best = PERMUTATIONS[0];
  let bestScore = -1;
  for (const perm of PERMUTATIONS) {
    const score = Math.abs(dirs[perm[0]][0]) + Math.abs(dirs[perm[1]][1]) + Math.abs(dirs[perm[2]][2]);
    if (score > bestScore + 1e-9) {
      bestScore = score;
      best = perm;
    }
  }
  return [0, 1, 2].map((p) => {
    const a = best[p];
    return { axis: a, n: counts[a], spacingMm: spacings[a], sign: dirs[a][p] >= 0 ? 1 : -1 };
  }) as [VolumeAxis, VolumeAxis, VolumeAxis];
}

/**
 * A plane to draw: image columns run along patient axis `h` (towards growing coordinate when
 * hSign is +1), image rows along `v` (downwards towards growing coordinate when vSign is +1);
 * the plane is volume index `fixed` along the volume axis of patient axis `f`.
 */
interface PlaneSpec {
  name: string;
  kind: 'axial' | 'coronal' | 'sagittal';
  h: 0 | 1 | 2;
  hSign: 1 | -1;
  v: 0 | 1 | 2;
  vSign: 1 | -1;
  f: 0 | 1 | 2;
  /** What the plane goes through, for the caption. */
  through: string;
  point: Vec3;
}

/** LPS: +x patient left, +y posterior, +z head. */
const AXIAL = { kind: 'axial', h: 0, hSign: 1, v: 1, vSign: 1, f: 2 } as const; // right on image left, anterior up
const CORONAL = { kind: 'coronal', h: 0, hSign: 1, v: 2, vSign: -1, f: 1 } as const; // right on image left, head up
const SAGITTAL = { kind: 'sagittal', h: 1, hSign: 1, v: 2, vSign: -1, f: 0 } as const; // anterior on image left, head up

interface Plane {
  spec: PlaneSpec;
  width: number;
  height: number;
  /** Volume index along the h (resp. v) volume axis of each image column (resp. row). */
  colIdx: Int32Array;
  rowIdx: Int32Array;
  /** Index of the plane along the fixed volume axis. */
  fixed: number;
  ax: [VolumeAxis, VolumeAxis, VolumeAxis];
  /** Flat-index strides of volume axes i, j, k. */
  strides: [number, number, number];
  /** Image pixel size (mm). */
  pixelMm: number;
}

function makePlane(v: CtVolume, ax: [VolumeAxis, VolumeAxis, VolumeAxis], spec: PlaneSpec): Plane {
  const pixelMm = Math.min(v.columnSpacingMm, v.rowSpacingMm);
  const H = ax[spec.h];
  const V = ax[spec.v];
  const F = ax[spec.f];
  const size = (a: VolumeAxis) => Math.max(1, Math.round((a.n * a.spacingMm) / pixelMm));
  const width = size(H);
  const height = size(V);
  const index = (count: number, a: VolumeAxis, sign: 1 | -1) => {
    const out = new Int32Array(count);
    const flip = a.sign * sign < 0;
    for (let u = 0; u < count; u++) {
      const t = Math.min(a.n - 1, Math.max(0, Math.round(((u + 0.5) * a.n) / count - 0.5)));
      out[u] = flip ? a.n - 1 - t : t;
    }
    return out;
  };
  const cont = patientToVoxel(v, spec.point)[F.axis];
  const fixed = Math.min(F.n - 1, Math.max(0, Math.round(Number.isFinite(cont) ? cont : (F.n - 1) / 2)));
  return {
    spec,
    width,
    height,
    colIdx: index(width, H, spec.hSign),
    rowIdx: index(height, V, spec.vSign),
    fixed,
    ax,
    strides: [1, v.columns, v.columns * v.rows],
    pixelMm,
  };
}

/** Continuous image position (x, y) of a patient point on a plane, and its distance from the plane (mm). */
function project(v: CtVolume, plane: Plane, p: Vec3): { x: number; y: number; offMm: number } {
  const c = patientToVoxel(v, p);
  const { spec, ax } = plane;
  const pos = (a: VolumeAxis, sign: 1 | -1, count: number) => {
    const t = a.sign * sign < 0 ? a.n - 1 - c[a.axis] : c[a.axis];
    return ((t + 0.5) * count) / a.n - 0.5;
  };
  const F = ax[spec.f];
  return {
    x: pos(ax[spec.h], spec.hSign, plane.width),
    y: pos(ax[spec.v], spec.vSign, plane.height),
    offMm: Math.abs(c[F.axis] - plane.fixed) * F.spacingMm,
  };
}

// ---------------------------------------------------------------------------------------------
// Raster helpers.

class Canvas {
  readonly rgb: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgb = new Uint8Array(width * height * 3);
  }

  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    this.rgb[o] = c[0];
    this.rgb[o + 1] = c[1];
    this.rgb[o + 2] = c[2];
  }

  blend(x: number, y: number, c: Rgb, alpha: number): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    for (let n = 0; n < 3; n++) this.rgb[o + n] = Math.round((1 - alpha) * this.rgb[o + n] + alpha * c[n]);
  }

  fillRect(x0: number, y0: number, w: number, h: number, c: Rgb, alpha = 1): void {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) this.blend(x, y, c, alpha);
  }

  /** A cross of arm `r` px, 1 px wide, on a black 3-px backing so it reads on any grey. */
  cross(cx: number, cy: number, r: number, c: Rgb): void {
    const x0 = Math.round(cx);
    const y0 = Math.round(cy);
    for (let d = -r - 1; d <= r + 1; d++)
      for (let w = -1; w <= 1; w++) {
        this.set(x0 + d, y0 + w, BLACK);
        this.set(x0 + w, y0 + d, BLACK);
      }
    for (let d = -r; d <= r; d++) {
      this.set(x0 + d, y0, c);
      this.set(x0, y0 + d, c);
    }
  }

  /** A hollow circle of radius r (1 px, with a black ring outside). */
  circle(cx: number, cy: number, r: number, c: Rgb): void {
    for (let y = Math.floor(cy - r - 2); y <= Math.ceil(cy + r + 2); y++)
      for (let x = Math.floor(cx - r - 2); x <= Math.ceil(cx + r + 2); x++) {
        const d = Math.hypot(x - cx, y - cy);
        if (Math.abs(d - r) <= 0.5) this.set(x, y, c);
        else if (Math.abs(d - r - 1) <= 0.5 || Math.abs(d - r + 1) <= 0.5) this.set(x, y, BLACK);
      }
  }

  /** A filled dot of radius r with a black rim. */
  dot(cx: number, cy: number, r: number, c: Rgb): void {
    for (let y = Math.floor(cy - r - 1); y <= Math.ceil(cy + r + 1); y++)
      for (let x = Math.floor(cx - r - 1); x <= Math.ceil(cx + r + 1); x++) {
        const d = Math.hypot(x - cx, y - cy);
        if (d <= r) this.set(x, y, c);
        else if (d <= r + 1) this.set(x, y, BLACK);
      }
  }

  /** Text in the 5x7 font below, upper case, with a black shadow; returns the width drawn. */
  text(x: number, y: number, s: string, c: Rgb, scale = 1): number {
    let at = x;
    for (const ch of s.toUpperCase()) {
      const g = FONT[ch] ?? FONT['?'];
      for (let row = 0; row < 7; row++)
        for (let col = 0; col < 5; col++) {
          if (!((g[row] >> (4 - col)) & 1)) continue;
          for (let sy = 0; sy < scale; sy++)
            for (let sx = 0; sx < scale; sx++) {
              this.set(at + col * scale + sx + 1, y + row * scale + sy + 1, BLACK);
              this.set(at + col * scale + sx, y + row * scale + sy, c);
            }
        }
      at += 6 * scale;
    }
    return at - x;
  }
}

const BLACK: Rgb = [0, 0, 0];

/** A 5x7 bitmap font (rows top to bottom, bit 4 = left column) for labels and the legend. */
const FONT: Record<string, readonly number[]> = {
  A: [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  B: [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
  C: [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
  D: [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
  F: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
  G: [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
  H: [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  I: [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
  J: [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
  K: [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
  L: [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
  M: [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
  N: [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
  O: [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  P: [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
  Q: [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d],
  R: [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
  S: [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
  T: [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  U: [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  V: [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
  W: [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
  X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
  Y: [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04],
  Z: [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
  '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
  '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
  '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
  '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  ' ': [0, 0, 0, 0, 0, 0, 0],
  '-': [0, 0, 0, 0x1f, 0, 0, 0],
  '+': [0, 0x04, 0x04, 0x1f, 0x04, 0x04, 0],
  '.': [0, 0, 0, 0, 0, 0x0c, 0x0c],
  ',': [0, 0, 0, 0, 0x0c, 0x04, 0x08],
  ':': [0, 0x0c, 0x0c, 0, 0x0c, 0x0c, 0],
  '=': [0, 0, 0x1f, 0, 0x1f, 0, 0],
  '/': [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
  '(': [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
  ')': [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
  '?': [0x0e, 0x11, 0x01, 0x02, 0x04, 0, 0x04],
};

// ---------------------------------------------------------------------------------------------

const fmt = (x: number) => (Math.round(x * 10) / 10).toFixed(1);
const fmtVec = (p: Vec3 | null | undefined) => (p ? `(${p.map(fmt).join(', ')})` : 'not found');

interface Landmark {
  letter: string;
  name: string;
  finder: Vec3 | null;
  reader: Vec3 | null;
}

/**
 * Render the four check images (axial-root, axial-midheart, coronal, sagittal) of the anatomy
 * found on `volume`. See the file comment for what each shows.
 */
export function renderAnatomyChecks(volume: CtVolume, anatomy: Anatomy, opts: CheckImageOptions = {}): CheckImage[] {
  const ax = axesOf(volume);
  const root = anatomy.aorticRootMm;
  const centre = anatomy.heartCentreMm;
  const middle = voxelToPatient(volume, (volume.columns - 1) / 2, (volume.rows - 1) / 2, Math.floor(volume.slices / 2));
  const rootPoint: Vec3 = root ?? centre ?? middle;
  const rootWhat = root ? 'the aortic root' : centre ? 'the heart centre (no aortic root found)' : 'the middle of the volume (no aortic root or heart found)';
  const midPoint: Vec3 = centre ?? [rootPoint[0], rootPoint[1], rootPoint[2] - 40];
  const midWhat = centre ? 'the heart centre' : `40 mm below ${root ? 'the aortic root' : 'the middle of the volume'} (no heart centre found)`;

  const specs: PlaneSpec[] = [
    { name: 'axial-root.png', ...AXIAL, through: rootWhat, point: rootPoint },
    { name: 'axial-midheart.png', ...AXIAL, through: midWhat, point: midPoint },
    { name: 'coronal.png', ...CORONAL, through: rootWhat, point: rootPoint },
    { name: 'sagittal.png', ...SAGITTAL, through: rootWhat, point: rootPoint },
  ];

  const landmarks: Landmark[] = [
    { letter: 'R', name: 'aortic root', finder: root, reader: opts.reader?.aorticRoot ?? null },
    { letter: 'A', name: 'apex', finder: anatomy.apexMm, reader: opts.reader?.apex ?? null },
    { letter: 'C', name: 'carina', finder: anatomy.carinaMm, reader: opts.reader?.carina ?? null },
  ];
  const hasReader = opts.reader !== undefined && landmarks.some((l) => l.reader !== null);
  const summary = anatomySummary(anatomy, landmarks, hasReader);

  return specs.map((spec) => {
    const plane = makePlane(volume, ax, spec);
    const canvas = new Canvas(plane.width, plane.height);
    const voxel = voxelIndexer(plane);
    drawCt(canvas, volume, voxel);
    const zonesSeen = drawLabelsAndZones(canvas, anatomy, plane);
    const candidates = drawCandidates(canvas, volume, plane, voxel, opts);
    drawTrack(canvas, volume, anatomy, plane);
    const landmarkNotes = drawLandmarks(canvas, volume, plane, landmarks);
    drawLegend(canvas, spec, plane, zonesSeen, hasReader, opts.labelOf !== undefined);
    const caption = [
      `${spec.name}: ${planeWhat(volume, plane)} through ${spec.through}; ${orientation(spec.kind)}; window ${CHECK_WINDOW_HU[0]}..${CHECK_WINDOW_HU[1]} HU; ${plane.width}x${plane.height} px of ${fmt(plane.pixelMm)} mm.`,
      `Outlines of the anatomy labels (${fmt(Math.abs(anatomy.grid.dx))} mm grid): heart red, aorta yellow, bone blue, lung faint cyan. Exclusion zones as tints (cage violet, aortic wall orange, valve green, mitral pink, hilum teal): ${zonesSeen.length > 0 ? zonesSeen.join(', ') : 'none on this plane'}.`,
      `Candidates on this plane: ${candidates}.`,
      `Landmarks (finder: green crosses${hasReader ? '; reader: magenta circles' : ''}; projected onto the plane): ${landmarkNotes}. Aorta track centres as yellow dots where the plane cuts the tracked lumen.`,
      summary,
    ].join(' ');
    return { name: spec.name, png: encodePngRgb(plane.width, plane.height, canvas.rgb), caption, width: plane.width, height: plane.height };
  });
}

function orientation(kind: PlaneSpec['kind']): string {
  if (kind === 'axial') return "patient's right on the image left, anterior at the top";
  if (kind === 'coronal') return "patient's right on the image left, head at the top";
  return 'anterior on the image left, head at the top';
}

function planeWhat(volume: CtVolume, plane: Plane): string {
  const F = plane.ax[plane.spec.f];
  const axisName = ['x', 'y', 'z'][plane.spec.f];
  // The plane's patient coordinate along its fixed axis (from the centre voxel of the plane).
  const ijk: [number, number, number] = [(volume.columns - 1) / 2, (volume.rows - 1) / 2, Math.floor(volume.slices / 2)];
  ijk[F.axis] = plane.fixed;
  const at = voxelToPatient(volume, ijk[0], ijk[1], Math.round(ijk[2]))[plane.spec.f];
  const what = plane.spec.kind === 'axial' ? 'axial slice' : `${plane.spec.kind} reformat`;
  const image = F.axis === 2 ? ` (image ${viewerImageNumber(volume, plane.fixed)} of ${volume.slices} in OHIF)` : '';
  return `${what} at ${axisName} = ${fmt(at)} mm${image}`;
}

function anatomySummary(anatomy: Anatomy, landmarks: Landmark[], hasReader: boolean): string {
  const parts = [
    `Anatomy found: ${anatomy.found ? 'yes' : 'no'}.`,
    `Root ${fmtVec(anatomy.aorticRootMm)}, apex ${fmtVec(anatomy.apexMm)}, carina ${fmtVec(anatomy.carinaMm)}, heart centre ${fmtVec(anatomy.heartCentreMm)} mm (LPS).`,
    `Heart ${Math.round(anatomy.heartVolumeMl)} ml, lungs ${Math.round(anatomy.lungVolumeMl)} ml, aorta radius ${anatomy.aortaRadiusMm !== null ? `${fmt(anatomy.aortaRadiusMm)} mm` : 'not found'}.`,
  ];
  if (hasReader) {
    const d = landmarks
      .filter((l) => l.reader)
      .map((l) => `${l.name} ${fmtVec(l.reader)}${l.finder ? `, ${fmt(dist(l.finder, l.reader!))} mm from the finder's` : ''}`);
    parts.push(`Reader: ${d.join('; ')}.`);
  }
  parts.push(anatomy.warnings.length > 0 ? `Warnings: ${anatomy.warnings.join(' ')}` : 'Warnings: none.');
  return parts.join(' ');
}

/** Flat volume index of each image pixel (row-major), for the CT and the candidates. */
function voxelIndexer(plane: Plane): Int32Array {
  const { width, height, colIdx, rowIdx, ax, spec, strides, fixed } = plane;
  const sh = strides[ax[spec.h].axis];
  const sv = strides[ax[spec.v].axis];
  const base = fixed * strides[ax[spec.f].axis];
  const out = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = base + rowIdx[y] * sv;
    for (let x = 0; x < width; x++) out[y * width + x] = row + colIdx[x] * sh;
  }
  return out;
}

function drawCt(canvas: Canvas, volume: CtVolume, voxel: Int32Array): void {
  const [lo, hi] = CHECK_WINDOW_HU;
  const lut = (hu: number) => Math.round((255 * (Math.min(hi, Math.max(lo, hu)) - lo)) / (hi - lo));
  const rgb = canvas.rgb;
  for (let p = 0; p < voxel.length; p++) {
    const g = lut(volume.hu[voxel[p]]);
    rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = g;
  }
}

/** Zone tints and label outlines; returns the names of the zones present on the plane. */
function drawLabelsAndZones(canvas: Canvas, anatomy: Anatomy, plane: Plane): string[] {
  const { width, height, colIdx, rowIdx, ax, spec, fixed } = plane;
  const g = anatomy.grid;
  const labels = anatomy.labels;
  const zones = anatomy.zones && anatomy.zones.length === labels.length ? anatomy.zones : null;
  const NONE = 255;
  const lab = new Uint8Array(width * height).fill(NONE);
  const zone = new Uint8Array(width * height);
  const ijk: [number, number, number] = [0, 0, 0];
  const ah = ax[spec.h].axis;
  const av = ax[spec.v].axis;
  ijk[ax[spec.f].axis] = fixed;
  // The grid voxel of every image pixel (its sampled source voxel's block).
  for (let y = 0; y < height; y++) {
    ijk[av] = rowIdx[y];
    for (let x = 0; x < width; x++) {
      ijk[ah] = colIdx[x];
      const q = gridIndexOfSource(g, ijk[0], ijk[1], ijk[2]);
      if (q < 0) continue;
      lab[y * width + x] = labels[q];
      if (zones) zone[y * width + x] = zones[q];
    }
  }
  const seen = new Set<number>();
  for (let p = 0; p < zone.length; p++) {
    const z = zone[p];
    if (!z) continue;
    const x = p % width;
    const y = (p - x) / width;
    for (const bit of ZONE_BITS) {
      if (z & bit) {
        canvas.blend(x, y, CHECK_ZONE_RGB[bit], ZONE_ALPHA);
        seen.add(bit);
      }
    }
  }
  const outline: [number, Rgb, number][] = [
    [LABEL_LUNG, CHECK_OUTLINE_RGB.lung, LUNG_ALPHA],
    [LABEL_BONE, CHECK_OUTLINE_RGB.bone, 1],
    [LABEL_AORTA, CHECK_OUTLINE_RGB.aorta, 1],
    [LABEL_HEART, CHECK_OUTLINE_RGB.heart, 1],
  ];
  for (const [code, colour, alpha] of outline) {
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        if (lab[p] !== code) continue;
        const edge =
          (x > 0 && lab[p - 1] !== code) ||
          (x < width - 1 && lab[p + 1] !== code) ||
          (y > 0 && lab[p - width] !== code) ||
          (y < height - 1 && lab[p + width] !== code);
        if (edge) canvas.blend(x, y, colour, alpha);
      }
  }
  return ZONE_BITS.filter((b) => seen.has(b)).map((b) => ZONE_NAMES[b]);
}

/** Paints every candidate voxel on the plane; returns a count by label for the caption. */
function drawCandidates(canvas: Canvas, volume: CtVolume, plane: Plane, voxel: Int32Array, opts: CheckImageOptions): string {
  const set = opts.lesionSet;
  if (!set) return 'none given';
  const { ax, spec, fixed } = plane;
  const cols = volume.columns;
  const sliceSize = volume.columns * volume.rows;
  const fAxis = ax[spec.f].axis;
  // Component id of every volume voxel on the plane (sparse: a map from flat index).
  const onPlane = new Map<number, number>();
  for (let n = 0; n < set.components.length; n++) {
    const c = set.components[n];
    if (fAxis === 2 && c.slice !== fixed) continue;
    const vox = set.componentVoxels[n];
    for (let m = 0; m < vox.length; m++) {
      const f = vox[m];
      if (fAxis !== 2) {
        const k = Math.floor(f / sliceSize);
        const r = f - k * sliceSize;
        const j = Math.floor(r / cols);
        const i = r - j * cols;
        if ((fAxis === 0 ? i : j) !== fixed) continue;
      }
      onPlane.set(f, c.id);
    }
  }
  if (onPlane.size === 0) return 'none';
  const colourOf = new Map<number, Rgb>();
  const counts = new Map<string, number>();
  for (const id of new Set(onPlane.values())) {
    const l = opts.labelOf ? opts.labelOf(id) : null;
    colourOf.set(id, candidateRgb(l ? l.label : null));
    const key = !opts.labelOf ? 'unlabelled' : l ? (l.label === 'OTHER' && l.fineClass ? `OTHER/${l.fineClass}` : l.label) : 'unlabelled';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (let p = 0; p < voxel.length; p++) {
    const id = onPlane.get(voxel[p]);
    if (id === undefined) continue;
    const x = p % canvas.width;
    canvas.set(x, (p - x) / canvas.width, colourOf.get(id)!);
  }
  const total = colourOf.size;
  const by = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
  const colouring = opts.labelOf ? 'in their label colours (LM purple, LAD orange, LCX sky blue, RCA green, OTHER light grey, UNASSIGNED white)' : 'white (not labelled)';
  return `${total} 2D component${total === 1 ? '' : 's'}, ${colouring}: ${by.join(', ')}`;
}

/** Tracked aorta centres where the plane cuts the tracked lumen. */
function drawTrack(canvas: Canvas, volume: CtVolume, anatomy: Anatomy, plane: Plane): void {
  const F = plane.ax[plane.spec.f];
  const tolerance = (r: number) => (F.axis === 2 ? Math.max(F.spacingMm / 2, anatomy.grid.dzMm / 2) : r);
  for (const s of [...anatomy.ascendingAorta, ...anatomy.descendingAorta]) {
    const q = project(volume, plane, s.centreMm);
    if (q.offMm > tolerance(s.radiusMm)) continue;
    canvas.dot(q.x, q.y, 2, TRACK_RGB);
  }
}

/** Finder crosses and reader circles, projected; returns the caption's landmark notes. */
function drawLandmarks(canvas: Canvas, volume: CtVolume, plane: Plane, landmarks: Landmark[]): string {
  const notes: string[] = [];
  for (const l of landmarks) {
    const bits: string[] = [];
    if (l.finder) {
      const q = project(volume, plane, l.finder);
      canvas.cross(q.x, q.y, 6, CHECK_FINDER_RGB);
      canvas.text(Math.round(q.x) + 5, Math.round(q.y) - 13, l.letter, CHECK_FINDER_RGB);
      bits.push(`${fmtVec(l.finder)}, ${fmt(q.offMm)} mm off the plane`);
    } else bits.push('not found');
    if (l.reader) {
      const q = project(volume, plane, l.reader);
      canvas.circle(q.x, q.y, 7, CHECK_READER_RGB);
      canvas.text(Math.round(q.x) - 13, Math.round(q.y) + 6, l.letter, CHECK_READER_RGB);
      bits.push(`reader ${fmtVec(l.reader)}, ${fmt(q.offMm)} mm off`);
    }
    notes.push(`${l.letter} ${l.name} ${bits.join('; ')}`);
  }
  return notes.join('; ');
}

function drawLegend(canvas: Canvas, spec: PlaneSpec, plane: Plane, zonesSeen: string[], hasReader: boolean, labelled: boolean): void {
  const rows: [string, Rgb | null][] = [
    [spec.name.replace(/\.png$/, ''), null],
    ['heart', CHECK_OUTLINE_RGB.heart],
    ['aorta', CHECK_OUTLINE_RGB.aorta],
    ['bone', CHECK_OUTLINE_RGB.bone],
    ['lung', CHECK_OUTLINE_RGB.lung],
  ];
  for (const bit of ZONE_BITS) if (zonesSeen.includes(ZONE_NAMES[bit])) rows.push([`zone ${ZONE_NAMES[bit]}`, CHECK_ZONE_RGB[bit]]);
  rows.push(['finder R A C', CHECK_FINDER_RGB]);
  if (hasReader) rows.push(['reader', CHECK_READER_RGB]);
  rows.push([labelled ? 'candidates:' : 'candidates', [255, 255, 255]]);
  // With labels, one more line naming each label in its colour.
  const labelRow: [string, Rgb][] = labelled
    ? (['LM', 'LAD', 'LCX', 'RCA', 'OTHER', 'UNASSIGNED'] as const).map((l) => [l === 'UNASSIGNED' ? 'UNASS' : l, candidateRgb(l)])
    : [];
  const labelRowWidth = labelRow.reduce((s, [t]) => s + 6 * (t.length + 1), 0);
  const lineH = 9;
  const w = Math.max(6 * Math.max(...rows.map(([t]) => t.length)) + 16, labelRowWidth + 8);
  const h = (rows.length + (labelled ? 1 : 0)) * lineH + 4;
  if (canvas.width < w + 4 || canvas.height < h + 4) return; // too small an image for a legend
  canvas.fillRect(2, 2, w, h, BLACK, 0.6);
  rows.forEach(([text, colour], n) => {
    const y = 4 + n * lineH;
    if (colour) {
      canvas.fillRect(4, y + 1, 6, 6, colour);
      canvas.text(14, y, text, [230, 230, 230]);
    } else canvas.text(4, y, text, [255, 255, 255]);
  });
  let x = 6;
  for (const [text, colour] of labelRow) x += canvas.text(x, 4 + rows.length * lineH, text, colour) + 6;
  // Which side is which, at the middle of the left and right edges.
  const [left, right] = spec.kind === 'sagittal' ? ['ANT', 'POST'] : ['PT RIGHT', 'PT LEFT'];
  const ym = Math.round(plane.height / 2) - 3;
  if (plane.width > 120) {
    canvas.text(3, ym, left, [255, 255, 255]);
    canvas.text(plane.width - 6 * right.length - 3, ym, right, [255, 255, 255]);
  }
}
