/**
 * Artery assignment of detected lesions (docs/scoring.md §1.3): who says which artery each 2D
 * component belongs to. Labels are kept per slice component, so one 3D lesion that runs from
 * one artery into another (LM into LAD is common) can be split.
 *
 * Precedence: labels set by a person ('reader') or by a person's seed points ('seed') are never
 * overwritten by automatic labels ('auto'). `reviewed` turns true on the first person's edit
 * (user or seed), which makes the SEG SEMIAUTOMATIC rather than AUTOMATIC (docs/dicom-objects.md §2.3).
 *
 * Nothing here reads the volume: point look-ups use the sparse voxel lists of the LesionSet.
 */
import type { LesionLabel, Vec3 } from '../types';
import { LESION_LABELS } from '../types';
import { patientToVoxel, voxelToPatient } from '../dicom/geometry';
import type { LesionSet } from './detect';

export type LabelSource = 'auto' | 'seed' | 'reader' | 'none';

/** A point a person placed on an artery: every lesion it touches belongs to that artery. */
export interface Seed {
  pointMm: Vec3;
  artery: LesionLabel;
}

/** Serialised assignment: only components that carry a label. */
export interface AssignmentJson {
  version: 1;
  reviewed: boolean;
  /** [componentId, label, source], plus for automatic labels [confidence, fine class, needs review]. */
  labels: ([number, LesionLabel, LabelSource] | [number, LesionLabel, LabelSource, number, string, boolean])[];
  /** The model that proposed the automatic labels, and whether a person confirmed them. */
  model?: { name: string; version: string } | null;
  autoConfirmed?: boolean;
}

/** A model's proposal for one slice component (core/labelling/model.ts). */
export interface AutoProposal {
  componentId: number;
  label: LesionLabel;
  confidence: number;
  /** The model's fine class, e.g. 'aortic-valve' behind OTHER. */
  fineClass: string;
  needsReview: boolean;
}

/** How far from a lesion voxel a click or seed still hits that lesion (brief: 2 mm). */
export const POINT_TOLERANCE_MM = 2;

/** Who outranks whom: a person (reader) over their seeds over the model over nothing. */
export const SOURCE_RANK: Readonly<Record<LabelSource, number>> = Object.freeze({ none: 0, auto: 1, seed: 2, reader: 3 });

/**
 * Pairs of seeds (indices into `seeds`, lower first) that name different arteries at one point:
 * closer than half the smaller pixel spacing, so no voxel tells them apart. applySeeds applies
 * neither seed of such a pair.
 */
export function seedConflicts(seeds: Seed[], geometry: { columnSpacingMm: number; rowSpacingMm: number }): [number, number][] {
  const closeMm = Math.min(geometry.columnSpacingMm, geometry.rowSpacingMm) / 2;
  const pairs: [number, number][] = [];
  for (let a = 0; a < seeds.length; a++) {
    for (let b = a + 1; b < seeds.length; b++) {
      if (seeds[a].artery === seeds[b].artery) continue;
      const p = seeds[a].pointMm;
      const q = seeds[b].pointMm;
      if (Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]) < closeMm) pairs.push([a, b]);
    }
  }
  return pairs;
}

export class Assignment {
  readonly set: LesionSet;
  reviewed = false;
  /** The model whose proposals this holds (null: none ran). */
  model: { name: string; version: string } | null = null;
  /** True once a person confirmed the automatic proposals (confirmAll). */
  autoConfirmed = false;
  private labels: LesionLabel[];
  private sources: LabelSource[];
  /** Per component, for automatic labels: confidence (NaN otherwise), fine class, review flag. */
  private confidences: Float32Array;
  private fineClasses: (string | null)[];
  private review: Uint8Array;
  /** Per component: iMin, iMax, jMin, jMax (built on first point look-up). */
  private bounds: Int32Array | null = null;

  constructor(set: LesionSet) {
    this.set = set;
    this.labels = new Array<LesionLabel>(set.components.length).fill('UNASSIGNED');
    this.sources = new Array<LabelSource>(set.components.length).fill('none');
    this.confidences = new Float32Array(set.components.length).fill(NaN);
    this.fineClasses = new Array<string | null>(set.components.length).fill(null);
    this.review = new Uint8Array(set.components.length);
  }

  /** The model's confidence in a component's automatic label; null when the label is not automatic. */
  confidenceOfComponent(componentId: number): number | null {
    this.checkComponent(componentId);
    const n = componentId - 1;
    return this.sources[n] === 'auto' && Number.isFinite(this.confidences[n]) ? this.confidences[n] : null;
  }

  /** The model's fine class of an automatic label (e.g. 'aortic-valve'); null otherwise. */
  fineClassOfComponent(componentId: number): string | null {
    this.checkComponent(componentId);
    return this.sources[componentId - 1] === 'auto' ? this.fineClasses[componentId - 1] : null;
  }

  /** True for an automatic label of low confidence that no person has confirmed yet. */
  componentNeedsReview(componentId: number): boolean {
    this.checkComponent(componentId);
    const n = componentId - 1;
    return this.sources[n] === 'auto' && this.review[n] === 1 && !this.autoConfirmed;
  }

  /**
   * Sets whether an automatic label is one to check first, as a stored result records it (a
   * restored proposal): the flag is the stored one and the confidence, which is not stored, is
   * dropped, so nothing of this session's own proposal for the component remains.
   */
  setNeedsReview(componentId: number, needsReview: boolean): void {
    this.checkComponent(componentId);
    const n = componentId - 1;
    if (this.sources[n] !== 'auto') return;
    this.review[n] = needsReview ? 1 : 0;
    this.confidences[n] = NaN;
    this.fineClasses[n] = null;
  }

  /** A model's label on this component that no person has confirmed (what the SEG stores as automatic). */
  isUnconfirmedProposal(componentId: number): boolean {
    this.checkComponent(componentId);
    return this.unconfirmedAt(componentId - 1);
  }

  /** Automatic labels present and not yet confirmed by a person: the result is a proposal. */
  hasUnconfirmedProposals(): boolean {
    return this.sources.some((_, n) => this.unconfirmedAt(n));
  }

  private unconfirmedAt(n: number): boolean {
    return !this.autoConfirmed && this.sources[n] === 'auto' && this.labels[n] !== 'UNASSIGNED';
  }

  /**
   * A model's proposals, per component (source 'auto'): they never overwrite what a person or a
   * seed set. Replaces earlier automatic proposals and resets the confirmation.
   */
  applyProposals(proposals: AutoProposal[], model: { name: string; version: string }): void {
    for (const p of proposals) {
      checkLabel(p.label);
      this.checkComponent(p.componentId);
      const n = p.componentId - 1;
      if (SOURCE_RANK[this.sources[n]] > SOURCE_RANK.auto) continue;
      this.setComponent(p.componentId, p.label, 'auto');
      this.confidences[n] = p.confidence;
      this.fineClasses[n] = p.fineClass;
      this.review[n] = p.needsReview ? 1 : 0;
    }
    this.model = { name: model.name, version: model.version };
    this.autoConfirmed = false;
  }

  /**
   * The reader accepts every remaining automatic proposal as it stands (one action): the
   * result is no longer a proposal, and the labels stay recorded as automatic ones the reader
   * confirmed. Returns how many components it confirmed.
   */
  confirmAll(): number {
    let count = 0;
    this.sources.forEach((s, n) => {
      if (s === 'auto' && this.labels[n] !== 'UNASSIGNED') count++;
    });
    this.autoConfirmed = true;
    this.reviewed = true;
    return count;
  }

  labelOfComponent(componentId: number): LesionLabel {
    this.checkComponent(componentId);
    return this.labels[componentId - 1];
  }

  sourceOfComponent(componentId: number): LabelSource {
    this.checkComponent(componentId);
    return this.sources[componentId - 1];
  }

  /** Labels of a 3D lesion's components (one entry per distinct label, in component order). */
  labelsOfLesion(lesionId: number): LesionLabel[] {
    const lesion = this.lesion(lesionId);
    return [...new Set(lesion.componentIds.map((id) => this.labels[id - 1]))];
  }

  /** Assigns every component of a 3D lesion (merging a split lesion back into one artery). */
  assignLesion(lesionId: number, label: LesionLabel, source: LabelSource = 'reader'): void {
    checkLabel(label);
    for (const id of this.lesion(lesionId).componentIds) this.setComponent(id, label, source);
    this.markReviewed(source);
  }

  /** Assigns one 2D slice component (splits its 3D lesion when the others keep another label). */
  assignComponent(componentId: number, label: LesionLabel, source: LabelSource = 'reader'): void {
    checkLabel(label);
    this.checkComponent(componentId);
    this.setComponent(componentId, label, source);
    this.markReviewed(source);
  }

  /**
   * Assigns the 3D lesion at a point (patient mm): the lesion containing the point, else the one
   * with the nearest voxel within 2 mm. Returns the lesion id, or null when nothing is near.
   */
  assignPoint(pointMm: Vec3, label: LesionLabel, source: LabelSource = 'reader'): number | null {
    checkLabel(label);
    const lesionId = this.lesionAt(pointMm);
    if (lesionId !== null) this.assignLesion(lesionId, label, source);
    return lesionId;
  }

  /**
   * Assigns only the slice component at a point (same hit rule as assignPoint): how a reader
   * splits a lesion by hand, one slice at a time. Returns the component id, or null.
   */
  assignComponentAtPoint(pointMm: Vec3, label: LesionLabel, source: LabelSource = 'reader'): number | null {
    checkLabel(label);
    const componentId = this.componentAt(pointMm);
    if (componentId !== null) this.assignComponent(componentId, label, source);
    return componentId;
  }

  /**
   * Automatic labels (a model or a heuristic) per component; they only fill components that
   * no person has labelled.
   */
  applyAutoLabels(labelOf: (componentId: number) => LesionLabel | null | undefined): void {
    for (const c of this.set.components) {
      const label = labelOf(c.id);
      if (label === null || label === undefined) continue;
      checkLabel(label);
      this.setComponent(c.id, label, 'auto');
    }
  }

  /**
   * Applies seed points. A lesion touched by seeds of one artery goes to that artery; a lesion
   * touched by seeds of different arteries is split: each of its slice components takes the label
   * of the nearest seed (distance from the seed to the component's nearest voxel; ties go to the
   * earlier seed). Returns, per seed, the lesion it hit (or null).
   */
  applySeeds(seeds: Seed[]): (number | null)[] {
    const hits: (number | null)[] = [];
    const byLesion = new Map<number, Seed[]>();
    // Seeds of different arteries at one point say nothing about which artery is right: neither
    // is applied (see seedConflicts; the caller warns). Their lesion is held for the reader:
    // unassigned, with the seeds' rank, so that no automatic proposal fills it in.
    const conflicting = new Set(seedConflicts(seeds, this.set.geometry).flat());
    for (const [n, seed] of seeds.entries()) {
      checkLabel(seed.artery);
      if (conflicting.has(n)) {
        hits.push(null);
        const held = this.lesionAt(seed.pointMm);
        if (held !== null) for (const id of this.lesion(held).componentIds) this.setComponent(id, 'UNASSIGNED', 'seed');
        continue;
      }
      const lesionId = this.lesionAt(seed.pointMm);
      hits.push(lesionId);
      if (lesionId === null) continue;
      const list = byLesion.get(lesionId) ?? [];
      list.push(seed);
      byLesion.set(lesionId, list);
    }
    for (const [lesionId, lesionSeeds] of byLesion) {
      const arteries = new Set(lesionSeeds.map((s) => s.artery));
      if (arteries.size === 1) {
        for (const id of this.lesion(lesionId).componentIds) this.setComponent(id, lesionSeeds[0].artery, 'seed');
        continue;
      }
      for (const id of this.lesion(lesionId).componentIds) {
        let best = lesionSeeds[0];
        let bestD2 = Infinity;
        for (const seed of lesionSeeds) {
          const d2 = this.componentDistance2(id, seed.pointMm);
          if (d2 < bestD2) {
            bestD2 = d2;
            best = seed;
          }
        }
        this.setComponent(id, best.artery, 'seed');
      }
    }
    if (byLesion.size > 0) this.markReviewed('seed');
    return hits;
  }

  /**
   * The 3D lesion at a point (patient mm): the lesion owning the voxel that contains the point,
   * else the lesion with the nearest voxel centre within 2 mm, else null.
   */
  lesionAt(pointMm: Vec3): number | null {
    const hit = this.componentAt(pointMm);
    return hit === null ? null : this.set.components[hit - 1].lesionId;
  }

  /** The slice component at a point (same rule as lesionAt). */
  componentAt(pointMm: Vec3): number | null {
    const g = this.set.geometry;
    const [fi, fj, fk] = patientToVoxel(g, pointMm);
    const ri = Math.round(fi);
    const rj = Math.round(fj);
    const rk = Math.round(fk);
    const bounds = this.getBounds();
    const components = this.set.components;
    // Search window in voxels around the point, wide enough for POINT_TOLERANCE_MM.
    const wi = Math.ceil(POINT_TOLERANCE_MM / g.columnSpacingMm) + 1;
    const wj = Math.ceil(POINT_TOLERANCE_MM / g.rowSpacingMm) + 1;
    const wk = Math.ceil(POINT_TOLERANCE_MM / Math.max(g.sliceIncrementMm, 1e-6)) + 1;
    const containing =
      ri >= 0 && ri < g.columns && rj >= 0 && rj < g.rows && rk >= 0 && rk < g.slices
        ? (rk * g.rows + rj) * g.columns + ri
        : -1;
    let best: number | null = null;
    let bestD2 = POINT_TOLERANCE_MM * POINT_TOLERANCE_MM + 1e-9;
    for (let n = 0; n < components.length; n++) {
      const c = components[n];
      if (Math.abs(c.slice - fk) > wk) continue;
      const b = n * 4;
      if (fi < bounds[b] - wi || fi > bounds[b + 1] + wi || fj < bounds[b + 2] - wj || fj > bounds[b + 3] + wj) continue;
      if (containing >= 0 && c.slice === rk && this.set.componentVoxels[n].includes(containing)) return c.id;
      const d2 = this.componentDistance2(c.id, pointMm);
      if (d2 < bestD2) {
        bestD2 = d2;
        best = c.id;
      }
    }
    return best;
  }

  /** An independent copy (for undo, or for UI state that must not be mutated in place). */
  clone(): Assignment {
    const a = new Assignment(this.set);
    a.labels = [...this.labels];
    a.sources = [...this.sources];
    a.confidences = this.confidences.slice();
    a.fineClasses = [...this.fineClasses];
    a.review = this.review.slice();
    a.model = this.model;
    a.autoConfirmed = this.autoConfirmed;
    a.reviewed = this.reviewed;
    a.bounds = this.bounds;
    return a;
  }

  toJSON(): AssignmentJson {
    const labels: AssignmentJson['labels'] = [];
    for (let n = 0; n < this.labels.length; n++) {
      if (this.labels[n] === 'UNASSIGNED' && this.sources[n] === 'none') continue;
      if (this.sources[n] === 'auto' && Number.isFinite(this.confidences[n])) {
        labels.push([n + 1, this.labels[n], this.sources[n], Math.round(this.confidences[n] * 1e4) / 1e4, this.fineClasses[n] ?? this.labels[n], this.review[n] === 1]);
      } else labels.push([n + 1, this.labels[n], this.sources[n]]);
    }
    const json: AssignmentJson = { version: 1, reviewed: this.reviewed, labels };
    if (this.model) {
      json.model = this.model;
      json.autoConfirmed = this.autoConfirmed;
    }
    return json;
  }

  static fromJSON(set: LesionSet, json: AssignmentJson): Assignment {
    if (!json || json.version !== 1 || !Array.isArray(json.labels)) {
      throw new Error('This saved assignment is not in a format this version can read (expected version 1); assign the lesions again.');
    }
    const a = new Assignment(set);
    for (const [id, label, source, confidence, fineClass, needsReview] of json.labels) {
      if (!Number.isInteger(id) || id < 1 || id > set.components.length) {
        throw new Error(`The saved assignment names component ${id}, which this scan does not have; it was saved for other settings or another series.`);
      }
      checkLabel(label);
      a.labels[id - 1] = label;
      a.sources[id - 1] = source in SOURCE_RANK ? source : 'reader';
      if (a.sources[id - 1] === 'auto' && typeof confidence === 'number') {
        a.confidences[id - 1] = confidence;
        a.fineClasses[id - 1] = typeof fineClass === 'string' ? fineClass : label;
        a.review[id - 1] = needsReview ? 1 : 0;
      }
    }
    a.reviewed = Boolean(json.reviewed);
    if (json.model && typeof json.model.name === 'string') a.model = { name: json.model.name, version: String(json.model.version) };
    a.autoConfirmed = Boolean(json.autoConfirmed);
    return a;
  }

  private setComponent(componentId: number, label: LesionLabel, source: LabelSource): void {
    const n = componentId - 1;
    // Automatic labels never overwrite what a person decided.
    if (source === 'auto' && SOURCE_RANK[this.sources[n]] > SOURCE_RANK.auto) return;
    this.labels[n] = label;
    this.sources[n] = label === 'UNASSIGNED' && source === 'auto' ? 'none' : source;
  }

  private markReviewed(source: LabelSource): void {
    if (source === 'reader' || source === 'seed') this.reviewed = true;
  }

  private lesion(lesionId: number): { id: number; componentIds: number[] } {
    const lesion = this.set.lesions[lesionId - 1];
    if (!lesion || lesion.id !== lesionId) throw new RangeError(`There is no lesion ${lesionId} in this scan.`);
    return lesion;
  }

  private checkComponent(componentId: number): void {
    if (!Number.isInteger(componentId) || componentId < 1 || componentId > this.set.components.length) {
      throw new RangeError(`There is no lesion component ${componentId} in this scan.`);
    }
  }

  private getBounds(): Int32Array {
    if (this.bounds) return this.bounds;
    const { columns, rows } = this.set.geometry;
    const sliceSize = columns * rows;
    const b = new Int32Array(this.set.components.length * 4);
    this.set.componentVoxels.forEach((voxels, n) => {
      let iMin = columns;
      let iMax = -1;
      let jMin = rows;
      let jMax = -1;
      for (let m = 0; m < voxels.length; m++) {
        const p = voxels[m] % sliceSize;
        const j = (p / columns) | 0;
        const i = p - j * columns;
        if (i < iMin) iMin = i;
        if (i > iMax) iMax = i;
        if (j < jMin) jMin = j;
        if (j > jMax) jMax = j;
      }
      b.set([iMin, iMax, jMin, jMax], n * 4);
    });
    this.bounds = b;
    return b;
  }

  /** Squared distance (mm^2) from a point to a component's nearest voxel centre. */
  private componentDistance2(componentId: number, pointMm: Vec3): number {
    const g = this.set.geometry;
    const { columns, rows } = g;
    const voxels = this.set.componentVoxels[componentId - 1];
    const k = this.set.components[componentId - 1].slice;
    // voxelToPatient is affine in (i, j) on a slice: origin plus two steps.
    const o = voxelToPatient(g, 0, 0, k);
    const di: Vec3 = [g.rowCosines[0] * g.columnSpacingMm, g.rowCosines[1] * g.columnSpacingMm, g.rowCosines[2] * g.columnSpacingMm];
    const dj: Vec3 = [g.columnCosines[0] * g.rowSpacingMm, g.columnCosines[1] * g.rowSpacingMm, g.columnCosines[2] * g.rowSpacingMm];
    const sliceSize = columns * rows;
    let best = Infinity;
    for (let m = 0; m < voxels.length; m++) {
      const p = voxels[m] % sliceSize;
      const j = (p / columns) | 0;
      const i = p - j * columns;
      const x = o[0] + i * di[0] + j * dj[0] - pointMm[0];
      const y = o[1] + i * di[1] + j * dj[1] - pointMm[1];
      const z = o[2] + i * di[2] + j * dj[2] - pointMm[2];
      const d2 = x * x + y * y + z * z;
      if (d2 < best) best = d2;
    }
    return best;
  }
}

function checkLabel(label: LesionLabel): void {
  if (!LESION_LABELS.includes(label)) {
    throw new RangeError(`Unknown artery label "${String(label)}"; use LM, LAD, LCX, RCA, OTHER or UNASSIGNED.`);
  }
}
