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
  const out: LabelGroup[] = [];
  for (const label of [...ARTERIES, 'OTHER'] as const) {
    for (const origin of ['reader', 'auto', 'auto-check'] as const) {
      const [v] = labelVoxels(set, labels, [label], (id) => originOf(id) === origin);
      if (v) out.push({ label, origin, voxelCount: v.voxelCount, slices: v.slices });
    }
  }
  return out;
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

/** The voxels of the excluded (non-coronary, OTHER) components, or null when none is excluded. */
export function excludedVoxels(set: LesionSetLike, labels: ComponentLabels): Omit<ArteryVoxels, 'artery'> | null {
  const [v] = labelVoxels(set, labels, ['OTHER']);
  return v ? { voxelCount: v.voxelCount, slices: v.slices } : null;
}

/** Voxels per wanted label, grouped by slice, in the order of `wanted` (labels without voxels left out). */
export function labelVoxels(
  set: LesionSetLike,
  labels: ComponentLabels,
  wanted: readonly LesionLabel[],
  include: (componentId: number) => boolean = () => true,
): { label: LesionLabel; voxelCount: number; slices: Map<number, Uint32Array> }[] {
  const g = set.geometry;
  const sliceSize = g.rows * g.columns;
  const perArtery = new Map<LesionLabel, Map<number, number[]>>();
  set.components.forEach((comp, idx) => {
    const label = labels.labelOfComponent(comp.id);
    if (!wanted.includes(label) || !include(comp.id)) return;
    const artery = label;
    let bySlice = perArtery.get(artery);
    if (!bySlice) perArtery.set(artery, (bySlice = new Map()));
    const voxels = set.componentVoxels[idx];
    for (let n = 0; n < voxels.length; n++) {
      const v = voxels[n];
      const k = Math.floor(v / sliceSize);
      let list = bySlice.get(k);
      if (!list) bySlice.set(k, (list = []));
      list.push(v - k * sliceSize);
    }
  });
  const out: { label: LesionLabel; voxelCount: number; slices: Map<number, Uint32Array> }[] = [];
  for (const artery of wanted) {
    const bySlice = perArtery.get(artery);
    if (!bySlice || bySlice.size === 0) continue;
    const slices = new Map<number, Uint32Array>();
    let voxelCount = 0;
    for (const k of [...bySlice.keys()].sort((a, b) => a - b)) {
      const arr = Uint32Array.from(new Set(bySlice.get(k)!)).sort();
      voxelCount += arr.length;
      slices.set(k, arr);
    }
    out.push({ label: artery, voxelCount, slices });
  }
  return out;
}
