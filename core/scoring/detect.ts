/**
 * Lesion detection for Agatston scoring (docs/scoring.md §1.1).
 *
 * One pass over the volume, slice by slice:
 *  1. threshold (HU >= thresholdHu, inclusive) and label the slice's 2D connected components
 *     (4- or 8-connectivity) into a reused per-slice Int32Array;
 *  2. keep the components that reach the minimum area; store their voxel indices sparsely
 *     (one Uint32Array each) with their per-component sums (area, peak, mean HU, centroid,
 *     Agatston score), so later re-scoring never touches the volume again;
 *  3. merge qualifying components into 3D lesions (26-connectivity) with union-find over
 *     component ids, comparing only the current slice's labels with the previous slice's.
 *
 * No full-volume label map is allocated: the extra memory is two slice label buffers, one
 * slice-sized queue, and 4 bytes per qualifying voxel.
 */
import { resolveSettings } from '../settings';
import type { CtVolume, ScoringSettings, SliceComponent, VolumeGeometry } from '../types';
import { voxelToPatient } from '../dicom/geometry';

/** The detected components and 3D lesions of one volume: everything scoring needs, without the voxels. */
export interface LesionSet {
  geometry: VolumeGeometry;
  settings: ScoringSettings;
  /** 2D components; components[id - 1].id === id. */
  components: SliceComponent[];
  /** Per component (same index as `components`): flat voxel indices (k * rows + j) * columns + i, in no particular order. */
  componentVoxels: Uint32Array[];
  /** Per component (same index as `components`): mean HU of its voxels. */
  componentMeanHu: number[];
  /** 3D lesions (26-connected); lesions[id - 1].id === id; componentIds ascending. */
  lesions: { id: number; componentIds: number[] }[];
  /**
   * Why the voxels cannot be trusted (checkVolume's implausible pixel values, or input errors a
   * caller chose to score anyway), set by scoreVolume. While non-empty every score of this set
   * withholds decision support (RiskSummary.inputProblems), through every rescoring.
   */
  inputProblems?: string[];
}

/** docs/scoring.md §1.1 density weight from a 2D component's peak HU: 1 [130,200), 2 [200,300), 3 [300,400), 4 >= 400. */
export function densityWeight(peakHu: number): number {
  if (peakHu >= 400) return 4;
  if (peakHu >= 300) return 3;
  if (peakHu >= 200) return 2;
  if (peakHu >= 130) return 1;
  return 0;
}

/** Multiplier applied to every slice score: increment / normaliseToMm (docs/scoring.md §1.1), or 1 when off. */
export function sliceNormalisation(sliceIncrementMm: number, settings: ScoringSettings): number {
  return settings.normaliseToMm === null ? 1 : sliceIncrementMm / settings.normaliseToMm;
}

/** The volume's geometry without its voxels, so a LesionSet does not keep the volume alive. */
export function geometryOf(v: VolumeGeometry): VolumeGeometry {
  return {
    columns: v.columns,
    rows: v.rows,
    slices: v.slices,
    columnSpacingMm: v.columnSpacingMm,
    rowSpacingMm: v.rowSpacingMm,
    sliceIncrementMm: v.sliceIncrementMm,
    imagePositionsMm: v.imagePositionsMm,
    rowCosines: v.rowCosines,
    columnCosines: v.columnCosines,
    normal: v.normal,
    instances: v.instances,
    facts: v.facts,
    source: v.source,
  };
}

/** Union-find over component ids (1-based) in a growable Int32Array. */
class UnionFind {
  parent = new Int32Array(1024);

  add(id: number): void {
    if (id >= this.parent.length) {
      const grown = new Int32Array(Math.max(id + 1, this.parent.length * 2));
      grown.set(this.parent);
      this.parent = grown;
    }
    this.parent[id] = id;
  }

  find(x: number): number {
    const p = this.parent;
    let r = x;
    while (p[r] !== r) r = p[r];
    while (p[x] !== r) {
      const next = p[x];
      p[x] = r;
      x = next;
    }
    return r;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // Keep the smaller id as the root: lesion numbering then follows scan order.
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
}

/** Per-slice label buffer states; qualifying components are labelled with their id (> 0). */
const IN_QUEUE = -2;
const BELOW_MIN_AREA = -1;

/**
 * Scratch state of one detection run. The hot loops live in small functions below (not in one
 * big loop) so the JIT optimises each of them early and does not deoptimise when a new path
 * (first component, first merge) is reached halfway through a volume.
 */
interface Scratch {
  /** Labels of the previous and the current slice (0 = unvisited, IN_QUEUE, BELOW_MIN_AREA, or a component id). */
  prev: Int32Array;
  cur: Int32Array;
  /** Breadth-first queue; after a fill it holds the component's pixels (in-slice indices). */
  queue: Int32Array;
  /** Previous-slice component ids touched by the current fill (with repeats removed in runs). */
  touched: Int32Array;
  touchedCount: number;
  /** Sums of the current fill: peak HU, sum HU, sum i, sum j. */
  peak: number;
  sumHu: number;
  sumI: number;
  sumJ: number;
}

/** Next pixel at or after `from` that is above threshold and not yet visited; -1 when none. */
function nextSeed(hu: Int16Array, base: number, from: number, sliceSize: number, threshold: number, cur: Int32Array): number {
  for (let p = from; p < sliceSize; p++) {
    if (hu[base + p] >= threshold && cur[p] === 0) return p;
  }
  return -1;
}

/**
 * Breadth-first fill of the 2D component at p0 (4- or 8-connected); returns its pixel count. The
 * pixels are left in s.queue[0..count), the sums in s, and the previous-slice components within
 * the 3 x 3 block under any of its voxels (26-connectivity) in s.touched.
 */
function fillComponent(
  s: Scratch,
  hu: Int16Array,
  base: number,
  p0: number,
  columns: number,
  rows: number,
  threshold: number,
  eight: boolean,
  checkPrev: boolean,
): number {
  const cur = s.cur;
  const prev = s.prev;
  const queue = s.queue;
  let touched = s.touched;
  let touchedCount = 0;
  let lastTouched = 0;
  let head = 0;
  let tail = 0;
  let peak = -32768;
  let sumHu = 0;
  let sumI = 0;
  let sumJ = 0;
  queue[tail++] = p0;
  cur[p0] = IN_QUEUE;
  while (head < tail) {
    const p = queue[head++];
    const v = hu[base + p];
    if (v > peak) peak = v;
    sumHu += v;
    const j = (p / columns) | 0;
    const i = p - j * columns;
    sumI += i;
    sumJ += j;
    const left = i > 0;
    const right = i < columns - 1;
    const up = j > 0;
    const down = j < rows - 1;
    // In-slice neighbours: enqueue the unvisited ones above threshold. Count the 8 neighbours
    // above threshold: with 8-connectivity they all belong to this component.
    let q: number;
    let aboveNeighbours = 0;
    if (left) {
      q = p - 1;
      if (hu[base + q] >= threshold) { aboveNeighbours++; if (cur[q] === 0) { cur[q] = IN_QUEUE; queue[tail++] = q; } }
    }
    if (right) {
      q = p + 1;
      if (hu[base + q] >= threshold) { aboveNeighbours++; if (cur[q] === 0) { cur[q] = IN_QUEUE; queue[tail++] = q; } }
    }
    if (up) {
      q = p - columns;
      if (hu[base + q] >= threshold) { aboveNeighbours++; if (cur[q] === 0) { cur[q] = IN_QUEUE; queue[tail++] = q; } }
      if (eight) {
        if (left) {
          q = p - columns - 1;
          if (hu[base + q] >= threshold) { aboveNeighbours++; if (cur[q] === 0) { cur[q] = IN_QUEUE; queue[tail++] = q; } }
        }
        if (right) {
          q = p - columns + 1;
          if (hu[base + q] >= threshold) { aboveNeighbours++; if (cur[q] === 0) { cur[q] = IN_QUEUE; queue[tail++] = q; } }
        }
      }
    }
    if (down) {
      q = p + columns;
      if (hu[base + q] >= threshold) { aboveNeighbours++; if (cur[q] === 0) { cur[q] = IN_QUEUE; queue[tail++] = q; } }
      if (eight) {
        if (left) {
          q = p + columns - 1;
          if (hu[base + q] >= threshold) { aboveNeighbours++; if (cur[q] === 0) { cur[q] = IN_QUEUE; queue[tail++] = q; } }
        }
        if (right) {
          q = p + columns + 1;
          if (hu[base + q] >= threshold) { aboveNeighbours++; if (cur[q] === 0) { cur[q] = IN_QUEUE; queue[tail++] = q; } }
        }
      }
    }
    // 26-connectivity to the previous slice: note the components in the 3 x 3 block below this
    // voxel (merged once this component is known to qualify). For an interior voxel (8-connected,
    // all 8 neighbours in this component) each of those 9 is also the voxel right below one of
    // this component's voxels, so checking right below is enough.
    if (checkPrev) {
      if (aboveNeighbours === 8 && eight) {
        const other = prev[p];
        if (other > 0 && other !== lastTouched) {
          if (touchedCount === touched.length) touched = grow(touched);
          touched[touchedCount++] = other;
          lastTouched = other;
        }
      } else {
        const r0 = up ? p - columns : p;
        const r1 = down ? p + columns : p;
        const d0 = left ? -1 : 0;
        const d1 = right ? 1 : 0;
        for (let row = r0; row <= r1; row += columns) {
          for (let d = d0; d <= d1; d++) {
            const other = prev[row + d];
            if (other > 0 && other !== lastTouched) {
              if (touchedCount === touched.length) touched = grow(touched);
              touched[touchedCount++] = other;
              lastTouched = other;
            }
          }
        }
      }
    }
  }
  s.touched = touched;
  s.touchedCount = touchedCount;
  s.peak = peak;
  s.sumHu = sumHu;
  s.sumI = sumI;
  s.sumJ = sumJ;
  return tail;
}

function grow(a: Int32Array): Int32Array {
  const grown = new Int32Array(a.length * 2);
  grown.set(a);
  return grown;
}

/** Labels the first `count` queued pixels with `label` and returns their flat volume indices. */
function takePixels(s: Scratch, count: number, label: number, base: number, keep: boolean): Uint32Array | null {
  const cur = s.cur;
  const queue = s.queue;
  if (!keep) {
    for (let n = 0; n < count; n++) cur[queue[n]] = label;
    return null;
  }
  const voxels = new Uint32Array(count);
  for (let n = 0; n < count; n++) {
    const p = queue[n];
    cur[p] = label;
    voxels[n] = base + p;
  }
  return voxels;
}

/**
 * With 4-connected slices, two 2D components touching only diagonally are still one 3D lesion
 * (26-connectivity, docs/scoring.md §1.1): merge them once the whole slice is labelled.
 */
function mergeDiagonals(
  uf: UnionFind,
  cur: Int32Array,
  componentVoxels: Uint32Array[],
  firstId: number,
  lastId: number,
  base: number,
  columns: number,
  rows: number,
): void {
  for (let id = firstId; id <= lastId; id++) {
    const voxels = componentVoxels[id - 1];
    for (let n = 0; n < voxels.length; n++) {
      const p = voxels[n] - base;
      const j = (p / columns) | 0;
      const i = p - j * columns;
      for (let dj = -1; dj <= 1; dj += 2) {
        if (j + dj < 0 || j + dj >= rows) continue;
        for (let di = -1; di <= 1; di += 2) {
          if (i + di < 0 || i + di >= columns) continue;
          const other = cur[p + dj * columns + di];
          if (other > 0 && other !== id) uf.union(id, other);
        }
      }
    }
  }
}

/**
 * Finds the 2D components and 3D lesions of a CT volume (docs/scoring.md §1.1). `settings` are resolved
 * with resolveSettings (defaults + header mass factor). `onProgress` is called every 16 slices
 * and after the last one (for a progress bar in a Worker).
 */
export function detectLesions(
  volume: CtVolume,
  settings?: Partial<ScoringSettings>,
  opts: { onProgress?: (slicesDone: number, slices: number) => void } = {},
): LesionSet {
  const s = resolveSettings(settings ?? {}, volume.facts);
  const { columns, rows, slices } = volume;
  const sliceSize = columns * rows;
  if (volume.hu.length !== sliceSize * slices) {
    throw new Error(
      `The volume has ${volume.hu.length} voxels but its geometry says ${columns} x ${rows} x ${slices}; re-read the series.`,
    );
  }
  const hu = volume.hu;
  const threshold = s.thresholdHu;
  const pixelAreaMm2 = volume.columnSpacingMm * volume.rowSpacingMm;
  const norm = sliceNormalisation(volume.sliceIncrementMm, s);
  const eight = s.connectivity2d === 8;
  // A component qualifies by pixel count, so compare counts; the 1e-9 keeps exactly 1 mm^2 in
  // despite floating-point spacing products (docs/scoring.md §1.1: the minimum area is inclusive).
  const minPixels =
    s.minAreaPixels !== null ? s.minAreaPixels : Math.max(1, Math.ceil(s.minAreaMm2 / pixelAreaMm2 - 1e-9));

  const scratch: Scratch = {
    prev: new Int32Array(sliceSize),
    cur: new Int32Array(sliceSize),
    queue: new Int32Array(sliceSize),
    touched: new Int32Array(64),
    touchedCount: 0,
    peak: 0,
    sumHu: 0,
    sumI: 0,
    sumJ: 0,
  };
  const components: SliceComponent[] = [];
  const componentVoxels: Uint32Array[] = [];
  const componentMeanHu: number[] = [];
  const uf = new UnionFind();
  let prevHasComponents = false;

  for (let k = 0; k < slices; k++) {
    const base = k * sliceSize;
    scratch.cur.fill(0);
    const firstIdOfSlice = components.length + 1;
    let p0 = nextSeed(hu, base, 0, sliceSize, threshold, scratch.cur);
    while (p0 >= 0) {
      const count = fillComponent(scratch, hu, base, p0, columns, rows, threshold, eight, prevHasComponents);
      if (count < minPixels) {
        takePixels(scratch, count, BELOW_MIN_AREA, base, false);
      } else {
        const id = components.length + 1;
        componentVoxels.push(takePixels(scratch, count, id, base, true)!);
        uf.add(id);
        for (let n = 0; n < scratch.touchedCount; n++) uf.union(id, scratch.touched[n]);
        const areaMm2 = count * pixelAreaMm2;
        const weight = densityWeight(scratch.peak);
        components.push({
          id,
          lesionId: 0,
          slice: k,
          pixelCount: count,
          areaMm2,
          peakHu: scratch.peak,
          weight,
          agatston: areaMm2 * weight * norm,
          centroidMm: voxelToPatient(volume, scratch.sumI / count, scratch.sumJ / count, k),
        });
        componentMeanHu.push(scratch.sumHu / count);
      }
      p0 = nextSeed(hu, base, p0 + 1, sliceSize, threshold, scratch.cur);
    }
    const lastIdOfSlice = components.length;
    if (!eight) mergeDiagonals(uf, scratch.cur, componentVoxels, firstIdOfSlice, lastIdOfSlice, base, columns, rows);
    prevHasComponents = lastIdOfSlice >= firstIdOfSlice;
    if (opts.onProgress && ((k + 1) % 16 === 0 || k + 1 === slices)) opts.onProgress(k + 1, slices);

    const t = scratch.prev;
    scratch.prev = scratch.cur;
    scratch.cur = t;
  }

  // Number the 3D lesions in order of their first (lowest-id) component.
  const lesionOfRoot = new Map<number, number>();
  const lesions: { id: number; componentIds: number[] }[] = [];
  for (const c of components) {
    const root = uf.find(c.id);
    let lesionId = lesionOfRoot.get(root);
    if (lesionId === undefined) {
      lesionId = lesions.length + 1;
      lesionOfRoot.set(root, lesionId);
      lesions.push({ id: lesionId, componentIds: [] });
    }
    c.lesionId = lesionId;
    lesions[lesionId - 1].componentIds.push(c.id);
  }

  return { geometry: geometryOf(volume), settings: s, components, componentVoxels, componentMeanHu, lesions };
}
