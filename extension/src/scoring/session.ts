// The panel's scoring state for the displayed series: load the volume from the viewer, detect
// and score in a Web Worker, then keep the lesion set and the assignment here so that assign /
// reassign / exclude rescore at once (scoreResult needs no pass over the volume).
import { Assignment, InputError, scoreResult, scoreVolume, type AssignmentJson, type LesionSet } from '../../../core/index';
import type { CtVolume, LesionLabel, ScoringResult, ScoringSettings, Vec3 } from '../../../core/types';
import { SOP_CLASS } from '../../../core/dicom/codes';
import type { DisplaySet, ExtensionManager } from '../ohif';
import { volumeFromDisplaySet } from './volumeFromViewer';

export type SaveState =
  | { status: 'idle' }
  | { status: 'saving' }
  | { status: 'saved'; message: string; reportText: string; version: number }
  | { status: 'error'; message: string; downloads?: { name: string; url: string }[] };

export type SessionState =
  | { status: 'idle' }
  | { status: 'loading'; loaded: number; total: number }
  | { status: 'detecting'; done: number; total: number }
  | { status: 'scored'; result: ScoringResult; elapsedMs: number; restored: string | null }
  | { status: 'error'; message: string; problems: string[] | null };

interface WorkerDone {
  type: 'done';
  result: ScoringResult;
  lesionSet: LesionSet;
  assignment: AssignmentJson;
  /** The checks' warnings (scoreVolume's inputWarnings), carried into every rescoring. */
  inputWarnings: string[];
}
type WorkerMessage = { type: 'progress'; done: number; total: number } | WorkerDone | { type: 'error'; message: string; problems: string[] | null };

function startWorker(): Worker | null {
  try {
    return new Worker(new URL('./score.worker.ts', import.meta.url), { type: 'module', name: 'calcium-scoring' });
  } catch (e) {
    console.warn('[calcium-scoring] No Web Worker, scoring on the main thread:', e);
    return null;
  }
}

/** Score in the worker; falls back to the main thread when the worker cannot start. */
function scoreOffThread(volume: CtVolume, settings: Partial<ScoringSettings> | undefined, onProgress: (d: number, t: number) => void): Promise<WorkerDone> {
  const worker = startWorker();
  const onMain = (): WorkerDone => {
    const { result, lesionSet, assignment, inputWarnings } = scoreVolume(volume, { settings, onProgress });
    return { type: 'done', result, lesionSet, assignment: assignment.toJSON(), inputWarnings };
  };
  if (!worker) return Promise.resolve().then(onMain);
  return new Promise((resolve, reject) => {
    let started = false;
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      started = true;
      const m = e.data;
      if (m.type === 'progress') onProgress(m.done, m.total);
      else {
        worker.terminate();
        if (m.type === 'done') resolve(m);
        else reject(m.problems ? new InputError(m.problems) : new Error(m.message));
      }
    };
    worker.onerror = (e) => {
      worker.terminate();
      if (started) reject(new Error(e.message || 'The scoring worker failed.'));
      else {
        console.warn('[calcium-scoring] The scoring worker did not start, scoring on the main thread:', e.message);
        try {
          resolve(onMain());
        } catch (err) {
          reject(err);
        }
      }
    };
    // The volume's voxels are copied, not transferred: the viewer keeps nothing of them, but a
    // failed worker must leave them usable for the main-thread fallback.
    worker.postMessage({ volume, settings });
  });
}

export class CalciumSession {
  state: SessionState = { status: 'idle' };
  displaySetInstanceUID: string | null = null;
  /** Image ids in volume slice order (k), to jump the viewport to a lesion. */
  imageIds: string[] = [];
  lesionSet: LesionSet | null = null;
  assignment: Assignment | null = null;
  /** The scored volume (voxels kept for the PDF's key images when saving). */
  volume: CtVolume | null = null;
  saveState: SaveState = { status: 'idle' };
  /** The label a click on the image gives (null: clicks do nothing). */
  armedLabel: LesionLabel | null = null;
  /** What the last click on the image did, for the panel. */
  clickMessage: string | null = null;
  /** The last SR stored from this session: a re-save is a correction of it (version + 1). */
  private lastSr: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; sopClassUid: string; version: number } | null = null;
  private warnings: string[] = [];
  private model: ScoringResult['model'] = null;
  private listeners = new Set<() => void>();
  private run = 0;

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(state: SessionState) {
    this.state = state;
    this.notify();
  }

  private notify() {
    for (const fn of this.listeners) fn();
  }

  private setSave(state: SaveState) {
    this.saveState = state;
    this.notify();
  }

  /** Forget the result when another series is displayed. */
  reset(displaySetInstanceUID: string | null) {
    if (displaySetInstanceUID === this.displaySetInstanceUID) return;
    this.run++;
    this.displaySetInstanceUID = displaySetInstanceUID;
    this.lesionSet = null;
    this.assignment = null;
    this.volume = null;
    this.lastSr = null;
    this.imageIds = [];
    this.saveState = { status: 'idle' };
    this.armedLabel = null;
    this.clickMessage = null;
    this.set({ status: 'idle' });
  }

  /**
   * A second reader: when the archive holds a calcium report for this series, apply its SEG's
   * artery labels to the new lesion set (core restoreAssignment) and continue its version chain.
   * Returns a line for the panel, or null when there is nothing stored.
   */
  private async restoreStored(dicomWebRoot: string, volume: CtVolume, lesionSet: LesionSet, assignment: Assignment): Promise<string | null> {
    const [{ loadCalciumResults }, { restoreAssignment }] = await Promise.all([
      import(/* webpackChunkName: "calcium-encode" */ '../../../core/store/dicomweb'),
      import(/* webpackChunkName: "calcium-encode" */ '../../../core/encode/readback'),
    ]);
    const stored = await loadCalciumResults({ url: dicomWebRoot }, volume.source.studyInstanceUid);
    const current = stored.current;
    if (!current || (current.sourceSeriesUid && current.sourceSeriesUid !== volume.source.seriesInstanceUid)) return null;
    this.lastSr = {
      studyInstanceUid: current.studyInstanceUid,
      seriesInstanceUid: current.seriesInstanceUid,
      sopInstanceUid: current.sopInstanceUid,
      sopClassUid: SOP_CLASS.comprehensiveSr,
      version: current.version,
    };
    const who = current.reviewed ? 'reviewed' : 'not reviewed';
    if (!stored.seg) return `Opened the stored report version ${current.version} (${who}, no calcium segmentation to restore).`;
    const summary = restoreAssignment(lesionSet, assignment, stored.seg, { reviewed: current.reviewed });
    return `Restored the stored report version ${current.version} (${who}): ${summary.assigned} lesion parts on arteries.`;
  }

  async score(displaySet: DisplaySet, extensionManager: ExtensionManager, settings?: Partial<ScoringSettings>, dicomWebRoot?: string | null): Promise<void> {
    const run = ++this.run;
    const live = () => run === this.run;
    this.displaySetInstanceUID = displaySet.displaySetInstanceUID;
    const t0 = performance.now();
    try {
      this.set({ status: 'loading', loaded: 0, total: displaySet.instances?.length ?? 0 });
      const { volume, imageIds } = await volumeFromDisplaySet(displaySet, extensionManager, (loaded, total) => {
        if (live()) this.set({ status: 'loading', loaded, total });
      });
      if (!live()) return;
      this.set({ status: 'detecting', done: 0, total: volume.slices });
      const done = await scoreOffThread(volume, settings, (d, t) => live() && this.set({ status: 'detecting', done: d, total: t }));
      if (!live()) return;
      this.imageIds = imageIds;
      this.volume = volume;
      this.lesionSet = done.lesionSet;
      this.assignment = Assignment.fromJSON(done.lesionSet, done.assignment);
      // Only the input checks' warnings: scoreResult derives the rest (missing mass factor,
      // provisional result) afresh on every rescoring.
      this.warnings = done.inputWarnings;
      this.model = done.result.model;
      this.lastSr = null;
      let restored: string | null = null;
      let result = done.result;
      if (dicomWebRoot) {
        try {
          restored = await this.restoreStored(dicomWebRoot, volume, done.lesionSet, this.assignment);
          if (restored) result = scoreResult(done.lesionSet, this.assignment, { warnings: this.warnings, model: this.model });
        } catch (e) {
          restored = `Could not read the stored calcium report: ${(e as Error).message}`;
        }
      }
      if (!live()) return;
      this.set({ status: 'scored', result, elapsedMs: performance.now() - t0, restored });
    } catch (e) {
      if (!live()) return;
      const problems = e instanceof InputError ? e.problems : null;
      this.set({ status: 'error', message: (e as Error).message, problems });
    }
  }

  /**
   * Encode the current result as SEG + SR (TID 1500) + PDF (core/encode) and store them over
   * STOW-RS at `dicomWebRoot`. The encoder (dcmjs, pdf-lib) loads only when first saving.
   */
  get savedVersion(): number {
    return this.lastSr?.version ?? 0;
  }

  async save(dicomWebRoot: string | null): Promise<SaveState> {
    if (!dicomWebRoot) {
      this.setSave({ status: 'error', message: 'The viewer has no DICOMweb data source to store into (see app-config.js).' });
      return this.saveState;
    }
    if (!this.lesionSet || !this.assignment || !this.volume || this.state.status !== 'scored') {
      this.setSave({ status: 'error', message: 'Score the series before saving.' });
      return this.saveState;
    }
    const run = this.run;
    const result = this.state.result;
    this.setSave({ status: 'saving' });
    try {
      const [{ encodeAndStore }, { outboxFiles }] = await Promise.all([
        import(/* webpackChunkName: "calcium-encode" */ '../../../core/encode/index'),
        import(/* webpackChunkName: "calcium-encode" */ '../../../core/store/index'),
      ]);
      const version = this.lastSr ? this.lastSr.version + 1 : 1;
      const { encoded, outcome } = await encodeAndStore(
        { result, lesionSet: this.lesionSet, assignment: this.assignment, volume: this.volume },
        { version, predecessor: this.lastSr },
        { url: dicomWebRoot, retries: 2 },
      );
      if (run !== this.run) return this.saveState;
      if (!outcome.ok) {
        // Nothing is lost: what was not stored can be downloaded as Part-10 files (the outbox).
        const downloads = outboxFiles(outcome.pending).map((f) => ({
          name: f.name,
          url: URL.createObjectURL(new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: 'application/dicom' })),
        }));
        this.setSave({ status: 'error', message: outcome.failure?.message ?? 'The archive did not store the results.', downloads });
        return this.saveState;
      }
      this.lastSr = {
        studyInstanceUid: this.volume.source.studyInstanceUid,
        seriesInstanceUid: encoded.sr.seriesInstanceUid,
        sopInstanceUid: encoded.sr.sopInstanceUid,
        sopClassUid: encoded.sr.sopClassUid,
        version,
      };
      const kinds = encoded.all.map((o) => o.kind).join(' + ');
      this.setSave({
        status: 'saved',
        version,
        reportText: encoded.reportText,
        message: `Stored ${kinds}${version > 1 ? ` (correction, version ${version})` : ''} in the archive.`,
      });
    } catch (e) {
      if (run === this.run) this.setSave({ status: 'error', message: `Saving failed: ${(e as Error).message}` });
    }
    return this.saveState;
  }

  /**
   * Set the mass calibration factor c (mg HA per cm^3 per HU, SPEC 1.2) by hand, e.g. from a
   * phantom scan; mass is then reported. Detection does not depend on c, so only the
   * (cheap) scoring reruns. null returns to no mass.
   */
  setMassFactor(c: number | null): ScoringResult {
    if (!this.lesionSet || this.state.status !== 'scored') throw new Error('Score the series first.');
    if (c !== null && !(Number.isFinite(c) && c > 0 && c < 10)) throw new Error('The mass calibration factor must be a number between 0 and 10 mg HA/cm³/HU.');
    this.lesionSet = {
      ...this.lesionSet,
      settings: { ...this.lesionSet.settings, massFactor: c, massFactorSource: c === null ? null : 'user' },
    };
    // The assignment keeps its reference to the set it was made for; labels are per component id.
    return this.rescore();
  }

  /** Arm (or disarm with null) click-to-assign on the image. */
  arm(label: LesionLabel | null) {
    this.armedLabel = label;
    this.clickMessage = null;
    this.notify();
  }

  /**
   * A click on the image at a patient point (mm): the lesion there, or the nearest lesion voxel
   * within 2 mm (core assignPoint), takes the armed label. Returns the lesion id or null.
   */
  assignAtPoint(pointMm: Vec3): number | null {
    if (!this.armedLabel || !this.assignment || this.state.status !== 'scored') return null;
    const label = this.armedLabel;
    const hit = this.assignment.assignPoint(pointMm, label, 'reader');
    const name = label === 'OTHER' ? 'excluded' : `assigned to ${label}`;
    this.clickMessage = hit === null ? 'No calcified lesion within 2 mm of the click.' : `Lesion #${hit} ${name}.`;
    if (hit === null) this.notify();
    else this.rescore();
    return hit;
  }

  /** Exclude (OTHER) every lesion nobody assigned yet: bone, aortic wall and noise in one step. */
  excludeUnassigned(): ScoringResult {
    if (!this.lesionSet || !this.assignment || this.state.status !== 'scored') throw new Error('Score the series first.');
    for (const lesion of this.lesionSet.lesions) {
      const labels = this.assignment.labelsOfLesion(lesion.id);
      if (labels.length === 1 && labels[0] === 'UNASSIGNED') this.assignment.assignLesion(lesion.id, 'OTHER', 'reader');
    }
    return this.rescore();
  }

  private rescore(): ScoringResult {
    if (!this.lesionSet || !this.assignment || this.state.status !== 'scored') throw new Error('Score the series first.');
    if (this.saveState.status === 'saved' || this.saveState.status === 'error') this.saveState = { status: 'idle' };
    const result = scoreResult(this.lesionSet, this.assignment, { warnings: this.warnings, model: this.model });
    this.set({ status: 'scored', result, elapsedMs: this.state.elapsedMs, restored: this.state.restored });
    return result;
  }

  /** Assign, reassign or exclude (label OTHER) a 3D lesion; rescores at once. */
  assignLesion(lesionId: number, label: LesionLabel): ScoringResult {
    if (!this.lesionSet || !this.assignment || this.state.status !== 'scored') throw new Error('Score the series first.');
    this.assignment.assignLesion(lesionId, label, 'reader');
    // A change after saving makes the stored report out of date: rescore offers a correction.
    return this.rescore();
  }
}

/** One session per page: the panel and the commands share it. */
export const session = new CalciumSession();
