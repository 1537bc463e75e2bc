// The panel's scoring state for the displayed series: load the volume from the viewer, detect
// and score in a Web Worker, then keep the lesion set and the assignment here so that assign /
// reassign / exclude rescore at once (scoreResult needs no pass over the volume).
import { Assignment, InputError, scoreResult, type LesionSet } from '../../../core/index';
import type { ClinicalInputs, CtVolume, LesionLabel, ScoringResult, ScoringSettings, Vec3 } from '../../../core/types';
import { SOP_CLASS } from '../../../core/dicom/codes';
import { currentReport, restoreAssignment, restoredMessage, versionStatuses, type CalciumReport, type CalciumSegReadback } from '../../../core/encode/readback';
import { madeByLine, storedDifference } from '../../../core/encode/stored-view';
// Loaded with the panel (not on demand): the archive's read goes out before the CT's images are asked for.
import { DicomwebClient, loadCalciumReports, loadReportSeg } from '../../../core/store/dicomweb';
import { dataSourceTransport, type ActiveDataSource } from '../dataSource';
import type { CommandsManager, DisplaySet, ExtensionManager } from '../ohif';
import { workerEncoder } from './encodeJob';
import { CancelledError, scoreOnMain, startScoringJob, type ScoringDone, type ScoringJob } from './scoringJob';
import { geometryOfDisplaySet, volumeFromDisplaySet } from './volumeFromViewer';
import type { LabellerKind, LabellingInfo, SeriesSource } from './workerProtocol';
import { compareWithPrior, priorCurrentOf, searchPrior, type PriorView } from './prior';
import type { AcquisitionFacts, PriorComparison } from '../../../core/prior';
import { seriesFactsFromInstances } from '../seriesFacts';

export type SaveState =
  | { status: 'idle' }
  | { status: 'saving' }
  | {
      status: 'saved';
      message: string;
      reportText: string;
      version: number;
      /** The SR that is now the current report (the one stored, or the archive's when unchanged). */
      sopInstanceUid: string;
      /** The archive's current report already said this: nothing was stored. */
      unchanged: boolean;
      /** What the reader should know (another reader saving the same study at once, source UIDs). */
      warnings: string[];
    }
  | { status: 'error'; message: string; downloads?: { name: string; url: string }[] };

export type SessionState =
  | { status: 'idle' }
  | { status: 'loading'; loaded: number; total: number }
  | { status: 'detecting'; done: number; total: number }
  | { status: 'labelling'; done: number; total: number }
  | { status: 'cancelled' }
  | { status: 'scored'; result: ScoringResult; elapsedMs: number; restored: string | null }
  | { status: 'error'; message: string; problems: string[] | null };

/** Loading, finding lesions or labelling: a scoring is under way. */
export function isBusy(state: SessionState): boolean {
  return state.status === 'loading' || state.status === 'detecting' || state.status === 'labelling';
}

/**
 * The current calcium report the archive holds for the displayed series, as the panel shows it:
 * at once from the SR (phase 'preview', while the CT loads and its lesions are found), then with
 * its labels applied to the lesions found now ('applied'), or set aside because the reader chose
 * "Score again" ('set aside': the archive keeps it as it is until the reader saves).
 */
export interface StoredView {
  report: CalciumReport;
  /** Who or what made it (core madeByLine). */
  madeBy: string;
  /** The superseded versions named, e.g. " Version 1 is superseded by version 2." */
  older: string;
  phase: 'preview' | 'applied' | 'set aside';
  /** Once applied: one line when the lesions found now score otherwise than the stored report. */
  difference: string | null;
}

/** What reading the archive gave: the view of the current report and its SEG (being fetched); null when nothing is stored for this series. */
type StoredRead = { view: StoredView; seg: Promise<CalciumSegReadback | null> | null } | null;

/** Where the stored reports are read from: the data source's WADO root and its headers. */
export interface ArchiveAccess {
  url: string;
  /** The data source's QIDO root, for the study search of the prior (url when not given). */
  qidoUrl?: string | null;
  headers: Record<string, string>;
  /**
   * The calcium reports of a study the viewer already holds (OHIF's metadata of its SR series):
   * shown at once, before the archive answers; the archive's own answer then decides.
   */
  inViewer?: (studyUid: string) => CalciumReport[];
}

/** The view of the current report when it is of this series (a report that does not name its series counts). */
function viewOfCurrent(reports: CalciumReport[], seriesUid: string): StoredView | null {
  const current = currentReport(reports);
  if (!current || (current.sourceSeriesUid && current.sourceSeriesUid !== seriesUid)) return null;
  // Core wording of the superseded versions (core readback).
  const older = versionStatuses(reports)
    .filter((v) => !v.current)
    .map((v) => ` Version ${v.version} is superseded${v.supersededBy ? ` by version ${v.supersededBy}` : ''}.`)
    .join('');
  return { report: current, madeBy: madeByLine(current), older, phase: 'preview', difference: null };
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
  /** The stored report of the displayed series (shown at once, then applied), or null. */
  stored: StoredView | null = null;
  /** This scoring does not restore the stored labels ("Score again": a fresh automatic scoring). */
  private freshRun = false;
  /** Until the archive answers: where to look again for a stored report among what the viewer holds. */
  private viewerLook: { inViewer: (studyUid: string) => CalciumReport[]; studyUid: string; seriesUid: string } | null = null;
  /** The MESA inputs the reader entered (panel risk form), or restored from the stored SR. */
  clinical: ClinicalInputs | null = null;
  /** The patient's prior calcium result (an earlier study), searched while the series loads; null: no archive to search. */
  prior: PriorView | null = null;
  private listeners = new Set<() => void>();
  private run = 0;

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(state: SessionState) {
    // User Timing marks at each phase change (DevTools' Performance panel, bench:viewer's breakdown).
    if (state.status !== this.state.status || (state.status === 'loading' && state.loaded === 1)) {
      performance.mark(`calcium:${state.status}${state.status === 'loading' && state.loaded === 1 ? ':first-slice' : ''}`);
    }
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
    this.cancelJob();
    this.undoStack = [];
    this.redoStack = [];
    this.selectedLesionId = null;
    this.selectedPart = null;
    this.labelling = null;
    this.overlayState = 'none';
    this.displaySetInstanceUID = displaySetInstanceUID;
    this.lesionSet = null;
    this.assignment = null;
    this.volume = null;
    this.lastSr = null;
    this.stored = null;
    this.freshRun = false;
    this.viewerLook = null;
    this.imageIds = [];
    this.saveState = { status: 'idle' };
    this.armedLabel = null;
    this.clickMessage = null;
    this.set({ status: 'idle' });
  }

  /**
   * The study's calcium reports, metadata only (core loadCalciumReports): when the current one
   * is of this series, its view for the panel, and its SEG fetched in the background (only when
   * the labels are to be restored). Null when nothing is stored for this series.
   */
  private async readStored(archive: ArchiveAccess, studyUid: string, seriesUid: string, withSeg: boolean): Promise<StoredRead> {
    const client = new DicomwebClient({ url: archive.url, headers: archive.headers });
    const view = viewOfCurrent(await loadCalciumReports(client, studyUid), seriesUid);
    if (!view) return null;
    const seg = withSeg ? loadReportSeg(client, studyUid, view.report) : null;
    seg?.catch(() => undefined); // its failure is reported when the labels are applied
    return { view, seg };
  }

  /**
   * Search the archive for the patient's prior calcium result (metadata only, beside the image
   * loading), once per study: another series of the same study keeps what was found.
   */
  private startPriorSearch(archive: ArchiveAccess | null | undefined, displaySet: DisplaySet, studyUid: string) {
    if (!archive || !studyUid) {
      this.prior = null;
      return;
    }
    if (this.prior && this.prior.status !== 'error' && this.prior.current.studyInstanceUid === studyUid) return;
    const instances = displaySet.instances ?? displaySet.images ?? [];
    let acquisition: AcquisitionFacts | null = null;
    try {
      const f = seriesFactsFromInstances(instances);
      acquisition = { kvp: f.kvp, sliceThicknessMm: f.sliceThicknessMm, convolutionKernel: f.convolutionKernel };
    } catch {
      // no instances yet: the scored result's facts are used once there is one
    }
    const current = priorCurrentOf(studyUid, instances[0], acquisition);
    const view: PriorView = { status: 'searching', current };
    this.prior = view;
    void searchPrior(archive, current).then((found) => {
      if (this.prior !== view) return;
      this.prior = found;
      performance.mark(`calcium:prior-${found.status}`);
      this.notify();
    });
  }

  /** The comparison with the prior: of the reader's result, else of the stored report on screen; null without a prior. */
  priorComparison(): PriorComparison | null {
    const stored = this.storedNow();
    return compareWithPrior(this.prior, this.state.status === 'scored' ? { result: this.state.result } : stored?.phase === 'preview' ? { report: stored.report } : null);
  }

  /**
   * Continue from the stored report once the lesions are found: its version chain always (a save
   * is its correction); unless the reader chose "Score again", its SEG's labels on the lesions
   * found now (core restoreAssignment) and its MESA inputs. Returns the panel's line.
   */
  private async applyStored(read: StoredRead, lesionSet: LesionSet, assignment: Assignment): Promise<string | null> {
    if (!read) {
      this.stored = null; // the archive holds none for this series (whatever the viewer held)
      return null;
    }
    const current = read.view.report;
    this.lastSr = {
      studyInstanceUid: current.studyInstanceUid,
      seriesInstanceUid: current.seriesInstanceUid,
      sopInstanceUid: current.sopInstanceUid,
      sopClassUid: SOP_CLASS.comprehensiveSr,
      version: current.version,
    };
    if (current.clinical && !this.clinical) this.clinical = current.clinical;
    if (this.freshRun || !read.seg) {
      this.stored = { ...read.view, phase: 'set aside' };
      return `Scored again, automatically: the stored report version ${current.version} stays in the archive as it is until you save (saving stores version ${current.version + 1}).`;
    }
    const seg = await read.seg;
    const summary = seg ? restoreAssignment(lesionSet, assignment, seg, current) : null;
    this.stored = { ...read.view, phase: 'applied' };
    return restoredMessage(current, summary) + read.view.older;
  }

  /**
   * Load the displayed series from the viewer's image cache, then detect, score and (when a
   * model ships) label it in the Web Worker. Progress goes to the state (loading, detecting,
   * labelling); cancel() stops it at any point.
   */
  async score(
    displaySet: DisplaySet,
    extensionManager: ExtensionManager,
    settings?: Partial<ScoringSettings>,
    archive?: ArchiveAccess | null,
    opts: { fresh?: boolean } = {},
  ): Promise<void> {
    this.cancelJob();
    const run = ++this.run;
    const live = () => run === this.run;
    const abort = new AbortController();
    this.abort = abort;
    this.displaySetInstanceUID = displaySet.displaySetInstanceUID;
    this.overlayState = 'none';
    this.freshRun = opts.fresh === true;
    this.stored = null;
    const t0 = performance.now();
    // The stored report (SR metadata only) is read while the volume loads, and shown as soon as
    // it is read: the reader sees a stored result at once, not after the whole scoring.
    const first = displaySet.instances?.[0] ?? displaySet.images?.[0];
    const studyUid = displaySet.StudyInstanceUID ?? (first?.StudyInstanceUID as string | undefined) ?? '';
    const seriesUid = displaySet.SeriesInstanceUID ?? (first?.SeriesInstanceUID as string | undefined) ?? '';
    const storedRead: Promise<StoredRead | Error> =
      archive && studyUid ? this.readStored(archive, studyUid, seriesUid, !this.freshRun).catch((e: unknown) => e as Error) : Promise.resolve(null);
    // What the viewer already holds goes on screen now, with no request of ours (and again when
    // OHIF adds display sets, until the archive answers: checkViewerReports) ...
    this.viewerLook = archive?.inViewer && studyUid ? { inViewer: archive.inViewer, studyUid, seriesUid } : null;
    if (!this.freshRun) this.stored = this.lookInViewer();
    if (this.stored) performance.mark('calcium:restored-shown');
    // ... and the archive's answer replaces it when it says otherwise (a newer version, or none).
    void storedRead.then((read) => {
      if (!live()) return;
      this.viewerLook = null;
      if (read instanceof Error || this.freshRun || this.state.status === 'scored') return;
      const shown = this.storedNow();
      if ((read?.view.report.sopInstanceUid ?? null) === (shown?.report.sopInstanceUid ?? null)) return;
      this.stored = read ? read.view : null;
      if (read && !shown) performance.mark('calcium:restored-shown');
      this.notify();
    });
    this.startPriorSearch(archive, displaySet, studyUid);
    try {
      this.set({ status: 'loading', loaded: 0, total: displaySet.instances?.length ?? 0 });
      const onLoaded = (loaded: number, total: number) => {
        if (live()) this.set({ status: 'loading', loaded, total });
      };
      const load = () => volumeFromDisplaySet(displaySet, extensionManager, onLoaded, abort.signal);
      const onProgress = (phase: 'loading' | 'scoring' | 'labelling', d: number, t: number) => {
        if (!live()) return;
        if (phase === 'loading') onLoaded(d, t);
        else this.set(phase === 'scoring' ? { status: 'detecting', done: d, total: t } : { status: 'labelling', done: d, total: t });
      };
      // The worker starts now and loads the labeller while the slices load.
      const job = startScoringJob(settings, onProgress, { autoLabel: this.autoLabel, labeller: labellerKind() });
      this.job = job;
      // The geometry and image ids from OHIF's metadata (no pixels): the overlay draws on these.
      let shown: ReturnType<typeof geometryOfDisplaySet>;
      let volume: Omit<CtVolume, 'hu'>;
      let done: ScoringDone;
      try {
        shown = geometryOfDisplaySet(displaySet, extensionManager);
        // The worker reads the series itself through the data source when it is DICOMweb, so
        // scoring never waits for the display's loader; else (files opened with OHIF's Upload,
        // or the worker cannot read it) the viewer's image cache.
        const source = seriesSourceOf(displaySet, shown.geometry, archive);
        if (!source) console.info("[calcium-scoring] The data source is not DICOMweb: the series is read from the viewer's image cache.");
        const fetched = source ? await job.fetchAndScore(source) : false;
        if (!live()) return;
        volume = shown.geometry;
        if (!fetched) {
          const loaded = await load();
          if (!live()) return;
          volume = loaded.volume;
          this.set({ status: 'detecting', done: 0, total: volume.slices });
          job.start(loaded.volume);
        }
      } catch (e) {
        job.cancel();
        if (this.job === job) this.job = null;
        throw e;
      }
      try {
        done = await job.promise;
      } catch (e) {
        if (e instanceof CancelledError || e instanceof InputError || !live()) throw e;
        // The worker died (not the input): its voxels went with it, reload them from the cache.
        console.warn('[calcium-scoring]', (e as Error).message, 'Scoring on the main thread.');
        const again = await load();
        if (!live()) return;
        volume = again.volume;
        done = scoreOnMain(again.volume, settings, onProgress);
      } finally {
        if (this.job === job) this.job = null;
      }
      if (!live()) return;
      // The worker's own read is the same series, sorted the same way (core volumeGeometry).
      if (done.geometry) volume = done.geometry;
      const bySop = new Map(shown.geometry.instances.map((inst, k) => [inst.sopInstanceUid, shown.imageIds[k]]));
      const imageIds = volume.instances.map((inst) => bySop.get(inst.sopInstanceUid) ?? '');
      const scored: CtVolume = { ...volume, hu: done.hu };
      this.imageIds = imageIds;
      this.volume = scored;
      this.lesionSet = done.lesionSet;
      this.assignment = Assignment.fromJSON(done.lesionSet, done.assignment);
      this.labelling = done.labelling;
      this.undoStack = [];
      this.redoStack = [];
      this.selectedLesionId = null;
      this.selectedPart = null;
      // Only the input checks' warnings: scoreResult derives the rest (missing mass factor,
      // provisional result) afresh on every rescoring.
      this.warnings = done.inputWarnings;
      this.model = done.result.model;
      this.lastSr = null;
      let restored: string | null = null;
      let result = done.result;
      const read = await storedRead;
      if (!live()) return;
      try {
        if (read instanceof Error) throw read;
        restored = await this.applyStored(read, done.lesionSet, this.assignment);
      } catch (e) {
        restored = `Could not read the stored calcium report: ${(e as Error).message}`;
        // Whatever was half applied goes: the labels are the ones just proposed.
        this.assignment = Assignment.fromJSON(done.lesionSet, done.assignment);
        if (this.storedNow()?.phase === 'preview') this.stored = null;
      }
      if (!live()) return;
      if (restored || this.clinical) result = scoreResult(done.lesionSet, this.assignment, { warnings: this.warnings, model: this.model, clinical: this.clinical });
      const applied = this.storedNow();
      if (applied?.phase === 'applied') this.stored = { ...applied, difference: storedDifference(applied.report, result) };
      this.viewerLook = null;
      this.assignmentVersion++;
      this.set({ status: 'scored', result, elapsedMs: performance.now() - t0, restored });
    } catch (e) {
      if (!live()) return;
      if (e instanceof CancelledError || (e as Error).name === 'AbortError') {
        this.set({ status: 'cancelled' });
        return;
      }
      const problems = e instanceof InputError ? e.problems : null;
      this.set({ status: 'error', message: (e as Error).message, problems });
    } finally {
      if (this.abort === abort) this.abort = null;
    }
  }

  /**
   * Show the current report of the displayed series from what the viewer holds, when none is
   * shown yet and the archive has not answered (OHIF may add the SR's display set after the CT's).
   * The mode calls it whenever display sets are added.
   */
  checkViewerReports(): void {
    if (!this.viewerLook || this.stored || this.freshRun || !isBusy(this.state)) return;
    this.stored = this.lookInViewer();
    if (!this.stored) return;
    performance.mark('calcium:restored-shown');
    this.notify();
  }

  private lookInViewer(): StoredView | null {
    const look = this.viewerLook;
    if (!look) return null;
    try {
      return viewOfCurrent(look.inViewer(look.studyUid), look.seriesUid);
    } catch (e) {
      console.warn('[calcium-scoring] the stored reports the viewer holds:', (e as Error).message);
      return null;
    }
  }

  /** The stored view as it is now (other steps of a scoring change it while it awaits). */
  private storedNow(): StoredView | null {
    return this.stored;
  }

  private cancelJob() {
    this.abort?.abort();
    this.abort = null;
    this.job?.cancel();
    this.job = null;
  }

  /** Stop loading / scoring / labelling; the reader can start again with "Score". */
  cancel(): void {
    if (!isBusy(this.state)) return;
    this.run++;
    this.cancelJob();
    this.set({ status: 'cancelled' });
  }

  /**
   * "Score again": a fresh automatic scoring that sets the stored labels aside for this session
   * (the archive keeps the stored report as it is until the reader saves a correction). While
   * the stored result is shown and the lesions are still being found, that scoring simply goes
   * on without restoring; once scored, the series is loaded and scored anew.
   */
  async scoreAgain(displaySet: DisplaySet, extensionManager: ExtensionManager, archive?: ArchiveAccess | null): Promise<void> {
    if (isBusy(this.state) && this.displaySetInstanceUID === displaySet.displaySetInstanceUID) {
      this.freshRun = true;
      if (this.stored) this.stored = { ...this.stored, phase: 'set aside' };
      this.notify();
      return;
    }
    await this.score(displaySet, extensionManager, undefined, archive, { fresh: true });
  }

  /** Run the automatic labeller (when a model ships) after detection. */
  autoLabel = true;

  /** What the labeller did on the last scoring (backend, times), for the panel. */
  labelling: LabellingInfo | null = null;

  /** Bumped on every change of labels (assign, undo, restore, rescoring): the overlay redraws on it. */
  assignmentVersion = 0;

  /** Whether the lesion overlay has caught up with the labels ("none" before the first scoring). */
  overlayState: 'none' | 'drawing' | 'settled' = 'none';

  setOverlayState(state: 'none' | 'drawing' | 'settled') {
    if (state === this.overlayState) return;
    this.overlayState = state;
    this.notify();
  }

  /** The lesion the reader is looking at (list click, N / P): hotkeys 1-4 / X act on it. */
  selectedLesionId: number | null = null;
  /**
   * Of a split 3D lesion (its slices on more than one label, listed as one row per part): the
   * label of the part the reader selected; null for the whole lesion (and for a lesion not split).
   */
  selectedPart: LesionLabel | null = null;

  /**
   * The components an assign acts on: the lesion as the reader sees it. A lesion on one label is
   * one row and all its components; a split lesion's part (the components that carry the part's
   * label) is a row of its own, and an assign on it changes that part only, never the other
   * parts (another artery, an exclusion, a proposal not yet reviewed keep their label and
   * Agatston). The reader merges a split lesion by giving each part the same label.
   */
  partComponents(lesionId: number, part: LesionLabel | null): number[] {
    const lesion = this.lesionSet?.lesions.find((l) => l.id === lesionId);
    if (!lesion || !this.assignment) return [];
    const a = this.assignment;
    const labels = new Set(lesion.componentIds.map((id) => a.labelOfComponent(id)));
    if (part === null || labels.size < 2 || !labels.has(part)) return lesion.componentIds;
    return lesion.componentIds.filter((id) => a.labelOfComponent(id) === part);
  }

  /** The components of the selection (the overlay outlines them). */
  selectedComponents(): number[] {
    return this.selectedLesionId === null ? [] : this.partComponents(this.selectedLesionId, this.selectedPart);
  }

  /** Whether a lesion row (a lesion, or a split lesion's part) is the selection. */
  isRowSelected(row: { id: number; parentId?: number; artery: LesionLabel }): boolean {
    if (row.parentId === undefined) return row.id === this.selectedLesionId;
    return row.parentId === this.selectedLesionId && (this.selectedPart === null || this.selectedPart === row.artery);
  }

  private undoStack: Assignment[] = [];
  private redoStack: Assignment[] = [];
  private job: ScoringJob | null = null;
  private abort: AbortController | null = null;

  /** Keep the labels before a reader's edit, for undo. */
  private remember() {
    if (!this.assignment) return;
    this.undoStack.push(this.assignment.clone());
    if (this.undoStack.length > 200) this.undoStack.shift();
    this.redoStack = [];
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Undo the last assignment edit (assign, exclude, bulk exclude, click). */
  undo(): ScoringResult | null {
    const previous = this.undoStack.pop();
    if (!previous || !this.assignment) return null;
    this.redoStack.push(this.assignment.clone());
    this.assignment = previous;
    return this.rescore();
  }

  redo(): ScoringResult | null {
    const next = this.redoStack.pop();
    if (!next || !this.assignment) return null;
    this.undoStack.push(this.assignment.clone());
    this.assignment = next;
    return this.rescore();
  }

  /** Select a lesion, or one part of a split lesion (highlighted on the overlay; the hotkeys act on it); null clears. */
  select(lesionId: number | null, part: LesionLabel | null = null): void {
    this.selectedLesionId = lesionId;
    this.selectedPart = lesionId === null ? null : part;
    this.notify();
  }

  /** Select a lesion row by its id (a lesion, or a split lesion's part id). Returns the 3D lesion id. */
  selectRow(rowId: number): number | null {
    const row = this.state.status === 'scored' ? this.state.result.lesions.find((l) => l.id === rowId) : undefined;
    if (!row) return null;
    const lesionId = row.parentId ?? row.id;
    this.select(lesionId, row.parentId === undefined ? null : row.artery);
    return lesionId;
  }

  /**
   * Lesions left to review, in slice order: not assigned, or labelled automatically and not yet
   * confirmed by the reader.
   */
  reviewQueue(): number[] {
    if (!this.lesionSet || !this.assignment) return [];
    const a = this.assignment;
    return this.lesionSet.lesions
      .filter((l) => l.componentIds.some((id) => a.labelOfComponent(id) === 'UNASSIGNED' || a.sourceOfComponent(id) === 'auto'))
      .map((l) => l.id);
  }

  /** Select the next (step 1) or previous (step -1) lesion to review; returns its id or null. */
  stepReview(step: 1 | -1): number | null {
    const queue = this.reviewQueue();
    const all = this.lesionSet?.lesions.map((l) => l.id) ?? [];
    const list = queue.length ? queue : all;
    if (!list.length) return null;
    const current = this.selectedLesionId;
    let next: number;
    if (current === null) next = step > 0 ? list[0] : list[list.length - 1];
    else if (step > 0) next = list.find((id) => id > current) ?? list[0];
    else next = [...list].reverse().find((id) => id < current) ?? list[list.length - 1];
    // Of a split lesion, the part left to review is selected (an assign then acts on it alone).
    const a = this.assignment;
    const lesion = this.lesionSet?.lesions.find((l) => l.id === next);
    const labels = lesion && a ? [...new Set(lesion.componentIds.map((id) => a.labelOfComponent(id)))] : [];
    const toReview = lesion && a ? lesion.componentIds.find((id) => a.labelOfComponent(id) === 'UNASSIGNED' || a.sourceOfComponent(id) === 'auto') : undefined;
    this.select(next, labels.length > 1 && toReview !== undefined && a ? a.labelOfComponent(toReview) : null);
    return next;
  }

  /**
   * Save the current result through core saveToArchive, as the CLI and the screening worker do:
   * the version chain read from the archive, nothing stored when the archive's current report
   * already says the same ("unchanged"), SEG + SR (TID 1500) + PDF stored in order with retries
   * and a time limit per request, what was not stored kept (the outbox, offered as downloads),
   * and a warning when another reader saved the same study at the same time. Encoding runs in
   * the encoding worker; storing goes through the data source (createStoreFunction), reading
   * through its WADO root with its headers. The encoder (dcmjs, pdf-lib) loads only when first saving.
   */
  get savedVersion(): number {
    return this.lastSr?.version ?? 0;
  }

  async save(source: ActiveDataSource, commandsManager: CommandsManager, opts: { reviewerName?: string | null } = {}): Promise<SaveState> {
    const transport = dataSourceTransport(commandsManager, source, (phase, ms) => performance.measure(`calcium:save:${phase}`, { start: performance.now() - ms, duration: ms }));
    if (typeof transport === 'string' || !source.wadoRoot) {
      this.setSave({ status: 'error', message: typeof transport === 'string' ? transport : 'The viewer has no DICOMweb data source to read the archive from (see app-config.js).' });
      return this.saveState;
    }
    if (!this.lesionSet || !this.assignment || !this.volume || this.state.status !== 'scored') {
      this.setSave({ status: 'error', message: 'Score the series before saving.' });
      return this.saveState;
    }
    const run = this.run;
    const result = this.state.result;
    const volume = this.volume;
    this.setSave({ status: 'saving' });
    performance.mark('calcium:save:start');
    try {
      const { saveToArchive, outboxFiles, DEFAULT_TIMEOUT_S } = await import(/* webpackChunkName: "calcium-encode" */ '../../../core/store/index');
      // The voxels go to the encoding worker and come back (also when it fails); without them
      // (the worker died) scoring again reloads them.
      const encoder = workerEncoder(this.lesionSet, this.assignment, (hu) => {
        if (this.volume === volume) this.volume = hu ? { ...volume, hu } : null;
        performance.mark('calcium:save:encoded');
      });
      const saved = await saveToArchive(
        // The comparison with the patient's prior result goes into the SR, the PDF and the report text.
        { result, lesionSet: this.lesionSet, assignment: this.assignment, volume, prior: this.priorComparison() },
        {
          url: source.wadoRoot,
          headers: source.headers,
          transport,
          encoder,
          timeoutMs: storeTimeLimitS(DEFAULT_TIMEOUT_S) * 1000,
          // The reader's name goes into the SR (person observer) once the result is reviewed.
          encode: { reviewerName: opts.reviewerName ?? null },
          log: (line) => console.info('[calcium-scoring]', line),
        },
      );
      performance.mark('calcium:save:done');
      if (run !== this.run) return this.saveState;
      if (!saved.ok) {
        // Nothing is lost: what was not stored can be downloaded as Part-10 files (the outbox).
        const downloads = outboxFiles(saved.outcome.pending).map((f) => ({
          name: f.name,
          url: URL.createObjectURL(new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: 'application/dicom' })),
        }));
        this.setSave({ status: 'error', message: saved.message, downloads });
        return this.saveState;
      }
      // The session's chain follows what was decided: the report stored now, or the archive's
      // current one when it already says the same.
      const current = saved.unchanged ? saved.current : null;
      this.lastSr = current
        ? { studyInstanceUid: current.studyInstanceUid, seriesInstanceUid: current.seriesInstanceUid, sopInstanceUid: current.sopInstanceUid, sopClassUid: SOP_CLASS.comprehensiveSr, version: current.version }
        : {
            studyInstanceUid: volume.source.studyInstanceUid,
            seriesInstanceUid: saved.encoded.sr.seriesInstanceUid ?? '',
            sopInstanceUid: saved.encoded.sr.sopInstanceUid,
            sopClassUid: saved.encoded.sr.sopClassUid,
            version: saved.chain.version,
          };
      const kinds = saved.outcome.stored.map((o) => o.kind).join(' + ');
      this.setSave({
        status: 'saved',
        version: this.lastSr.version,
        sopInstanceUid: this.lastSr.sopInstanceUid,
        unchanged: saved.unchanged,
        warnings: saved.warnings,
        reportText: saved.encoded.reportText,
        message: current
          ? `Unchanged: the archive already holds this result as calcium report version ${current.version}, nothing stored.`
          : `Stored ${kinds} as calcium report version ${saved.chain.version}${saved.chain.predecessor ? ` (correction of version ${saved.chain.predecessor.version})` : ''} in the archive.`,
      });
    } catch (e) {
      if (run === this.run) this.setSave({ status: 'error', message: `Saving failed: ${(e as Error).message}` });
    }
    return this.saveState;
  }

  /**
   * Set the mass calibration factor c (mg HA per cm^3 per HU, docs/scoring.md §1.2) by hand, e.g. from a
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
  assignAtPoint(pointMm: Vec3, armed: LesionLabel | null = this.armedLabel): number | null {
    if (!armed || !this.assignment || this.state.status !== 'scored') return null;
    const label = armed;
    const lesionId = this.assignment.lesionAt(pointMm);
    // A click on a split lesion acts on the part under the pointer (see partComponents).
    const at = lesionId === null ? null : this.assignment.componentAt(pointMm);
    const part = at === null ? null : this.assignment.labelOfComponent(at);
    if (lesionId !== null) {
      this.remember();
      for (const id of this.partComponents(lesionId, part)) this.assignment.assignComponent(id, label, 'reader');
    }
    const hit = lesionId;
    if (hit !== null) {
      this.selectedLesionId = hit;
      this.selectedPart = this.partComponents(hit, null).length === this.partComponents(hit, label).length ? null : label;
    }
    const name = label === 'OTHER' ? 'excluded' : `assigned to ${label}`;
    this.clickMessage = hit === null ? 'No calcified lesion within 2 mm of the click.' : `Lesion #${hit} ${name}.`;
    if (hit === null) this.notify();
    else this.rescore();
    return hit;
  }

  /** Exclude (OTHER) every lesion nobody assigned yet: bone, aortic wall and noise in one step. */
  excludeUnassigned(): ScoringResult {
    if (!this.lesionSet || !this.assignment || this.state.status !== 'scored') throw new Error('Score the series first.');
    this.remember();
    for (const lesion of this.lesionSet.lesions) {
      const labels = this.assignment.labelsOfLesion(lesion.id);
      if (labels.length === 1 && labels[0] === 'UNASSIGNED') this.assignment.assignLesion(lesion.id, 'OTHER', 'reader');
    }
    return this.rescore();
  }

  /**
   * The reader accepts every remaining automatic label as it stands (one action, undoable):
   * the result stops being a proposal and decision support is shown. Lesions nobody assigned
   * stay unassigned (and the result provisional) until they are assigned or excluded.
   */
  confirmAutomatic(): ScoringResult {
    if (!this.lesionSet || !this.assignment || this.state.status !== 'scored') throw new Error('Score the series first.');
    this.remember();
    this.assignment.confirmAll();
    return this.rescore();
  }

  private rescore(): ScoringResult {
    if (!this.lesionSet || !this.assignment || this.state.status !== 'scored') throw new Error('Score the series first.');
    if (this.saveState.status === 'saved' || this.saveState.status === 'error') this.saveState = { status: 'idle' };
    const result = scoreResult(this.lesionSet, this.assignment, { warnings: this.warnings, model: this.model, clinical: this.clinical });
    this.assignmentVersion++;
    this.set({ status: 'scored', result, elapsedMs: this.state.elapsedMs, restored: this.state.restored });
    return result;
  }

  /** Set (or clear) the MESA inputs from the panel's risk form; rescores at once (risk beside the guideline text, stored in the SR). */
  setClinical(clinical: ClinicalInputs | null): ScoringResult {
    this.clinical = clinical;
    return this.rescore();
  }

  /**
   * Assign, reassign or exclude (label OTHER) a 3D lesion, or only one part of it when it is
   * split (part: the label of that part, see partComponents); rescores at once.
   */
  assignLesion(lesionId: number, label: LesionLabel, part: LesionLabel | null = null): ScoringResult {
    if (!this.lesionSet || !this.assignment || this.state.status !== 'scored') throw new Error('Score the series first.');
    const ids = this.partComponents(lesionId, part);
    this.remember();
    if (ids.length === this.partComponents(lesionId, null).length) this.assignment.assignLesion(lesionId, label, 'reader');
    else for (const id of ids) this.assignment.assignComponent(id, label, 'reader');
    // The selection follows the part to its new label (null once the lesion is whole again).
    if (this.selectedLesionId === lesionId) this.selectedPart = this.partComponents(lesionId, null).length === this.partComponents(lesionId, label).length ? null : label;
    // A change after saving makes the stored report out of date: rescore offers a correction.
    return this.rescore();
  }
}

/**
 * The automatic labeller the deployment chose: app-config `calciumScoring.labeller`, 'rules'
 * (the default: anatomy rules, measured better on real scans) or 'model' (the shipped ONNX model).
 */
function labellerKind(): LabellerKind {
  const v = (globalThis as { config?: { calciumScoring?: { labeller?: unknown } } }).config?.calciumScoring?.labeller;
  return v === 'model' ? 'model' : 'rules';
}

/**
 * Where the scoring worker reads the displayed series itself: the data source's WADO root
 * (absolute: the worker resolves URLs against its own script) and headers; null when the data
 * source is not DICOMweb.
 */
function seriesSourceOf(displaySet: DisplaySet, geometry: Omit<CtVolume, 'hu'>, archive: ArchiveAccess | null | undefined): SeriesSource | null {
  const studyUid = geometry.source.studyInstanceUid || displaySet.StudyInstanceUID || '';
  const seriesUid = geometry.source.seriesInstanceUid || displaySet.SeriesInstanceUID || '';
  if (!archive?.url || !studyUid || !seriesUid) return null;
  let wadoRoot: string;
  try {
    wadoRoot = new URL(archive.url, globalThis.location?.href).href;
  } catch {
    return null;
  }
  if (!/^https?:/i.test(wadoRoot)) return null;
  return { wadoRoot, headers: archive.headers, studyUid, seriesUid, sopInstanceUids: geometry.instances.map((i) => i.sopInstanceUid) };
}

/**
 * The time limit of one request to the archive while saving, in seconds: the deployment's
 * app-config `calciumScoring.storeTimeLimitS` when set, else the CLI's --timeout default. The
 * data source's own request cannot be cancelled, so an archive that accepts and never answers
 * is no longer waited for then (core stow): the objects not yet stored stay downloadable.
 */
function storeTimeLimitS(fallback: number): number {
  const v = (globalThis as { config?: { calciumScoring?: { storeTimeLimitS?: unknown } } }).config?.calciumScoring?.storeTimeLimitS;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}
