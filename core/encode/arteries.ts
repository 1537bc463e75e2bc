/**
 * Which voxels belong to which artery, from a LesionSet and the current labels. The encoders
 * work per artery (docs/dicom-objects.md §2.3: one segment per artery with calcium).
 */
import { ARTERIES, type Artery, type LesionLabel, type SliceComponent, type VolumeGeometry } from '../types';

/** The parts of core/scoring LesionSet the encoders read (the real LesionSet satisfies it). */
export interface LesionSetLike {
  geometry: VolumeGeometry;
  components: SliceComponent[];
  /** Per component (same index as components): flat voxel indices (k*rows+j)*columns+i. */
  componentVoxels: Uint32Array[];
}

/** The part of core/scoring Assignment the encoders read. */
export interface ComponentLabels {
  labelOfComponent(componentId: number): LesionLabel;
  /**
   * True for a label a model proposed that no person has confirmed (source 'auto', not accepted
   * with "Confirm automatic labels"). Absent: every label counts as the reader's.
   */
  isUnconfirmedProposal?(componentId: number): boolean;
  /** True for an unconfirmed proposal of low confidence, marked for the reader to check first. */
  componentNeedsReview?(componentId: number): boolean;
}

/**
 * Who set a stored label: a person (a reader, their seeds, or their confirmation), or a model
 * whose proposal nobody confirmed yet ('auto-check': one of low confidence, to check first).
 */
export type LabelOrigin = 'reader' | 'auto' | 'auto-check';

/** One SEG segment's worth of voxels: one label (an artery, or OTHER for excluded) from one origin. */
export interface LabelGroup {
  label: Artery | 'OTHER';
  origin: LabelOrigin;
  voxelCount: number;
  /** Ascending slice index k -> pixel offsets on that slice. */
  slices: Map<number, Uint32Array>;
}

/**
 * The voxels per label and origin, in SEG order: LM, LAD, LCX, RCA, then excluded; for each,
 * the reader's labels first, then a model's unconfirmed proposals, then those of its proposals
 * marked for review (docs/dicom-objects.md §2.3).
 * Groups without voxels are left out.
 */
export function labelGroups(set: LesionSetLike, labels: ComponentLabels): LabelGroup[] {
  const originOf = (id: number): LabelOrigin =>
    labels.isUnconfirmedProposal?.(id) !== true ? 'reader' : labels.componentNeedsReview?.(id) === true ? 'auto-check' : 'auto';
  const order = ([...ARTERIES, 'OTHER'] as const).flatMap((label) => (['reader', 'auto', 'auto-check'] as const).map((origin) => ({ label, origin })));
  // One pass over the components, keyed by the group's place in SEG order.
  const groups = groupVoxels(set, (id) => {
    const label = labels.labelOfComponent(id);
    if (label === 'UNASSIGNED') return null;
    const origin = originOf(id);
    return order.findIndex((o) => o.label === label && o.origin === origin);
  });
  return [...groups.keys()].sort((a, b) => a - b).map((n) => ({ ...order[n], ...groups.get(n)! }));
}

/** One artery's voxels, grouped by slice: in-slice pixel offsets j*columns+i. */
export interface ArteryVoxels {
  artery: Artery;
  voxelCount: number;
  /** Ascending slice index k -> pixel offsets on that slice. */
  slices: Map<number, Uint32Array>;
}

export function arteryVoxels(set: LesionSetLike, labels: ComponentLabels): ArteryVoxels[] {
  return labelVoxels(set, labels, ARTERIES).map((v) => ({ ...v, artery: v.label as Artery }));
}

/** Voxels per wanted label, grouped by slice, in the order of `wanted` (labels without voxels left out). */
export function labelVoxels(
  set: LesionSetLike,
  labels: ComponentLabels,
  wanted: readonly LesionLabel[],
): { label: LesionLabel; voxelCount: number; slices: Map<number, Uint32Array> }[] {
  const groups = groupVoxels(set, (id) => {
    const n = wanted.indexOf(labels.labelOfComponent(id));
    return n < 0 ? null : n;
  });
  return [...groups.keys()].sort((a, b) => a - b).map((n) => ({ label: wanted[n], ...groups.get(n)! }));
}

/**
 * The components' voxels grouped by a key (null: left out), in one pass: per key the voxel
 * count and, per ascending slice k, the sorted distinct in-slice offsets j*columns+i.
 */
function groupVoxels<K>(set: LesionSetLike, keyOf: (componentId: number) => K | null): Map<K, { voxelCount: number; slices: Map<number, Uint32Array> }> {
  const g = set.geometry;
  const sliceSize = g.rows * g.columns;
  const collected = new Map<K, Map<number, number[]>>();
  set.components.forEach((comp, idx) => {
    const key = keyOf(comp.id);
    if (key === null) return;
    let bySlice = collected.get(key);
    if (!bySlice) collected.set(key, (bySlice = new Map()));
    const voxels = set.componentVoxels[idx];
    for (let n = 0; n < voxels.length; n++) {
      const v = voxels[n];
      const k = Math.floor(v / sliceSize);
      let list = bySlice.get(k);
      if (!list) bySlice.set(k, (list = []));
      list.push(v - k * sliceSize);
    }
  });
  const out = new Map<K, { voxelCount: number; slices: Map<number, Uint32Array> }>();
  for (const [key, bySlice] of collected) {
    if (bySlice.size === 0) continue;
    const slices = new Map<number, Uint32Array>();
    let voxelCount = 0;
    for (const k of [...bySlice.keys()].sort((a, b) => a - b)) {
      const arr = Uint32Array.from(new Set(bySlice.get(k)!)).sort();
      voxelCount += arr.length;
      slices.set(k, arr);
    }
    out.set(key, { voxelCount, slices });
  }
  return out;
}
