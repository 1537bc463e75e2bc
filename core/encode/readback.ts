/**
 * Reading stored calcium results back (a second reader continues where the first stopped):
 *  - readCalciumSr: the TID 1500 report's scores, references, settings, flags and warnings;
 *  - readCalciumSeg: the SEG's artery segments as voxel lists per CT slice;
 *  - restoreAssignment: maps the SEG's artery voxels onto a freshly detected LesionSet's
 *    components and sets the Assignment labels accordingly;
 *  - currentReport: which of several stored versions is the current one.
 *
 * "Current" is decided like this (and only like this): among the calcium reports of a study,
 * drop every report that another report names in its Predecessor Documents Sequence; of the
 * rest, the one with the latest ContentDate/ContentTime (UTC, written by encodeSr) is current,
 * then the highest version number. A VERIFIED report wins over an UNVERIFIED one only through
 * that chain: a correction of a verified report is itself the newest.
 */
import { ARTERIES, type Artery, type ClinicalInputs, type LesionLabel, type Totals } from '../types';
import { ALGORITHM_FAMILY, MEASUREMENT, LOCAL, SOP_CLASS, SR as SRC, YES, arteryOfCode, codeFromItem, sameCode, type Code } from '../dicom/codes';
import { AUTOMATIC_CHECK_SUFFIX, EXCLUDED_SEGMENT_LABEL, ORIGIN_SUFFIX } from './seg';
import { PRODUCT } from './common';
import type { ReviewState } from './report-text';
import type { ComponentLabels, LabelOrigin, LesionSetLike } from './arteries';
import { TOTAL_TRACKING_ID } from './sr';
import { first, personName, readPart10, type Dataset } from './dicom-io';
import { concatBytes } from '../bytes';
import type { AcquisitionFacts } from '../prior';

export interface ArteryReadback extends Totals {
  trackingId: string;
  trackingUid: string;
  /** The SEG segments the artery's group references: the reader's, then the model's unconfirmed ones. */
  segmentNumbers: number[];
}

export interface LesionReadback {
  artery: Artery;
  trackingId: string;
  trackingUid: string;
  agatston: number;
  volumeMm3: number;
  massMg: number | null;
  /** CT SOP Instance UIDs the lesion's outlines are drawn on (largest slice first). */
  images: string[];
}

/** The comparison with a prior study as the report stores it (core/prior.ts, encodeSr). */
export interface StoredPriorComparison {
  priorStudyInstanceUid: string;
  /** YYYY-MM-DD, or null when the prior carried no date. */
  priorStudyDate: string | null;
  priorTotal: number | null;
  change: number | null;
  /** Per year; null when not computed (`annualisedNote` then says why). */
  annualisedChange: number | null;
  annualisedNote: string | null;
  sqrtDifference: number | null;
  progression: boolean | null;
  warnings: string[];
}

export interface CalciumReport {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  /** PatientID and StudyDate (DICOM DA) of the study, as copied from the source CT (null when empty). */
  patientId: string | null;
  studyDate: string | null;
  /** kVp, slice thickness and kernel of the scored series; null for reports that do not record them. */
  acquisition: AcquisitionFacts | null;
  /** The comparison with a prior study, when the report made one. */
  prior: StoredPriorComparison | null;
  seriesDescription: string;
  version: number;
  /** DICOM ContentDate + ContentTime, e.g. "20261125161036.123000". */
  contentDateTime: string;
  completionFlag: string;
  verificationFlag: string;
  reviewed: boolean;
  /** SOP Instance UIDs of the reports this one corrects. */
  predecessors: string[];
  arteries: Partial<Record<Artery, ArteryReadback>>;
  /** Per-lesion groups (outlined on the CT), in report order. */
  lesions: LesionReadback[];
  total: Totals;
  seg: { sopClassUid: string; sopInstanceUid: string } | null;
  sourceSeriesUid: string | null;
  settingsParameters: string[];
  algorithm: { name: string; version: string } | null;
  warnings: string[];
  agatstonCategory: string | null;
  cacDrs: string | null;
  cadRadsP: string | null;
  guidance: string | null;
  reportText: string | null;
  /** Review state as stored (null for reports written before it was recorded). */
  reviewState: ReviewState | null;
  confirmed: boolean;
  /** Candidates left to review / excluded as non-coronary when stored (null when not recorded). */
  pendingCandidates: number | null;
  excludedCandidates: number | null;
  /** The MESA inputs stored with the report, if any. */
  clinical: ClinicalInputs | null;
  /** "12.3 %" as stored, if computed. */
  mesaRisk: string | null;
  /**
   * The person observer of the report's observation context (TID 1002 Person Observer Name,
   * as DICOM PN text "Family^Given"): written when a named reader reviewed the result.
   */
  observerName: string | null;
  /** Who verified the report (Verifying Observer Name), when it is VERIFIED. */
  verifierName: string | null;
}

type Item = Dataset & { ContentSequence?: Item[] };

function conceptName(item: Item): Code | null {
  return codeFromItem(first(item.ConceptNameCodeSequence));
}
function children(item: Item): Item[] {
  return (item.ContentSequence as Item[] | undefined) ?? [];
}
function findChild(item: Item, code: Code): Item | undefined {
  return children(item).find((c) => sameCode(conceptName(c), code));
}
/** Finding Site in either form (SCT 363698007, or SRT G-C0E3 as written since OHIF's viewport prints the SCT code). */
function findingSiteOf(item: Item): Code | null {
  const site = findChild(item, SRC.findingSiteSrt) ?? findChild(item, SRC.findingSite);
  return codeFromItem(first(site?.ConceptCodeSequence));
}
function numValue(item: Item | undefined): number | null {
  const mv = first<Dataset>(item?.MeasuredValueSequence);
  if (!mv) return null;
  const v = Number(first(mv.NumericValue));
  return Number.isFinite(v) ? v : null;
}

function asDataset(input: Uint8Array | Dataset): Dataset {
  return input instanceof Uint8Array ? readPart10(input) : input;
}

/** Whether a dataset is one of our calcium reports (TID 1500 with a calcium score). */
export function isCalciumReport(input: Uint8Array | Dataset): boolean {
  const ds = asDataset(input) as Item;
  if (!sameCode(conceptName(ds), SRC.imagingMeasurementReport)) return false;
  const meas = findChild(ds, SRC.imagingMeasurements);
  return !!meas && children(meas).some((g) => children(g).some((c) => sameCode(conceptName(c), MEASUREMENT.calciumScore)));
}

export function readCalciumSr(input: Uint8Array | Dataset): CalciumReport {
  const ds = asDataset(input) as Item;
  if (!sameCode(conceptName(ds), SRC.imagingMeasurementReport)) {
    throw new Error('This SR is not a TID 1500 Imaging Measurement Report; it holds no calcium score.');
  }
  const meas = findChild(ds, SRC.imagingMeasurements);
  if (!meas) throw new Error('The calcium report has no Imaging Measurements container.');
  const arteries: Partial<Record<Artery, ArteryReadback>> = {};
  const lesions: LesionReadback[] = [];
  let total: Totals | null = null;
  let seg: CalciumReport['seg'] = null;
  let sourceSeriesUid: string | null = null;
  const params: string[] = [];
  let algName: string | null = null;
  let algVersion: string | null = null;
  for (const c of children(meas)) {
    const name = conceptName(c);
    if (sameCode(name, SRC.algorithmName)) algName = String(c.TextValue);
    else if (sameCode(name, SRC.algorithmVersion)) algVersion = String(c.TextValue);
    else if (name?.value === '111002' && name.scheme === 'DCM') params.push(String(c.TextValue));
    if (!sameCode(name, SRC.measurementGroup)) continue;
    const trackingId = String(findChild(c, SRC.trackingIdentifier)?.TextValue ?? '');
    const trackingUid = String(findChild(c, SRC.trackingUid)?.UID ?? '');
    const site = findingSiteOf(c);
    const refSeg = findChild(c, SRC.referencedSegment);
    const sop = first<Dataset>(refSeg?.ReferencedSOPSequence);
    const segNumbers = sop ? ([] as unknown[]).concat(sop.ReferencedSegmentNumber ?? []).map(Number) : [];
    if (sop && !seg) seg = { sopClassUid: String(sop.ReferencedSOPClassUID), sopInstanceUid: String(sop.ReferencedSOPInstanceUID) };
    const src = findChild(c, SRC.sourceSeriesForSegmentation);
    if (src && !sourceSeriesUid) sourceSeriesUid = String(src.UID);
    const totals: Totals = {
      agatston: numValue(findChild(c, MEASUREMENT.calciumScore)) ?? 0,
      volumeMm3: numValue(findChild(c, MEASUREMENT.calciumVolume)) ?? 0,
      massMg: numValue(findChild(c, MEASUREMENT.calciumMass)),
      lesionCount: numValue(findChild(c, MEASUREMENT.numberOfLesions)) ?? 0,
    };
    const hasNum = children(c).some((x) => x.ValueType === 'NUM');
    if (!hasNum) continue; // the outline half of an artery/total finding: no measurements of its own
    const artery = arteryOfCode(site);
    const regions = children(c).filter((x) => x.ValueType === 'SCOORD' && sameCode(conceptName(x), SRC.imageRegion));
    if (artery && regions.length > 0 && !refSeg) {
      lesions.push({
        artery,
        trackingId,
        trackingUid,
        agatston: totals.agatston,
        volumeMm3: totals.volumeMm3,
        massMg: totals.massMg,
        images: regions.map((r) => String(first<Dataset>(first<Dataset>(r.ContentSequence)?.ReferencedSOPSequence)?.ReferencedSOPInstanceUID ?? '')),
      });
    } else if (artery) arteries[artery] = { ...totals, trackingId, trackingUid, segmentNumbers: segNumbers };
    else if (trackingId === TOTAL_TRACKING_ID) total = totals;
  }
  if (!total) throw new Error('The calcium report has no total group ("Total coronary calcium").');
  const evals = findChild(ds, SRC.qualitativeEvaluations);
  const texts = (code: Code) => (evals ? children(evals).filter((c) => sameCode(conceptName(c), code)).map((c) => String(c.TextValue)) : []);
  const reviewedItem = evals ? children(evals).find((c) => sameCode(conceptName(c), LOCAL.reviewed)) : undefined;
  const reviewedCode = codeFromItem(first(reviewedItem?.ConceptCodeSequence));
  const version = Number(texts(LOCAL.reportVersion)[0] ?? NaN);
  const codeOf = (name: Code) => codeFromItem(first((evals ? children(evals).find((c) => sameCode(conceptName(c), name)) : undefined)?.ConceptCodeSequence));
  const yes = (name: Code) => sameCode(codeOf(name), YES);
  const count = (name: Code) => {
    const t = texts(name)[0];
    return t === undefined || !Number.isFinite(Number(t)) ? null : Number(t);
  };
  const stateText = texts(LOCAL.reviewState)[0];
  const reviewState = stateText === 'reviewed' || stateText === 'in review' || stateText === 'automatic' ? stateText : null;
  let clinical: ClinicalInputs | null = null;
  const age = count(LOCAL.age);
  if (age !== null) {
    clinical = {
      ageYears: age,
      sex: texts(LOCAL.sex)[0] as ClinicalInputs['sex'],
      race: texts(LOCAL.race)[0] as ClinicalInputs['race'],
      diabetes: yes(LOCAL.diabetes),
      currentSmoker: yes(LOCAL.currentSmoker),
      totalCholesterolMgDl: count(LOCAL.totalCholesterol) ?? NaN,
      hdlMgDl: count(LOCAL.hdl) ?? NaN,
      lipidLoweringMedication: yes(LOCAL.lipidLowering),
      systolicBpMmHg: count(LOCAL.systolicBp) ?? NaN,
      antihypertensiveMedication: yes(LOCAL.antihypertensive),
      familyHistoryOfHeartAttack: yes(LOCAL.familyHistory),
    };
  }
  // A SEG that only holds excluded calcium is referenced by no measurement group: find it in the evidence.
  if (!seg) {
    for (const st of (ds.CurrentRequestedProcedureEvidenceSequence as Dataset[] | undefined) ?? []) {
      for (const se of (st.ReferencedSeriesSequence as Dataset[] | undefined) ?? []) {
        for (const r of (se.ReferencedSOPSequence as Dataset[] | undefined) ?? []) {
          const cls = String(r.ReferencedSOPClassUID);
          if (!seg && (cls === SOP_CLASS.segmentation || cls === SOP_CLASS.labelmapSegmentation)) {
            seg = { sopClassUid: cls, sopInstanceUid: String(r.ReferencedSOPInstanceUID) };
          }
        }
      }
    }
  }
  // TID 1002 at the root: the person observer, when one is recorded.
  const observer = children(ds).find((c) => c.RelationshipType === 'HAS OBS CONTEXT' && sameCode(conceptName(c), SRC.personObserverName));
  const verifier = first<Dataset>(ds.VerifyingObserverSequence);
  const predecessors: string[] = [];
  for (const st of (ds.PredecessorDocumentsSequence as Dataset[] | undefined) ?? []) {
    for (const se of (st.ReferencedSeriesSequence as Dataset[] | undefined) ?? []) {
      for (const s of (se.ReferencedSOPSequence as Dataset[] | undefined) ?? []) predecessors.push(String(s.ReferencedSOPInstanceUID));
    }
  }
  const numText = (name: Code) => {
    const t = texts(name)[0];
    return t === undefined || t.trim() === '' || !Number.isFinite(Number(t)) ? null : Number(t);
  };
  const kvp = numText(LOCAL.kvp);
  const thickness = numText(LOCAL.sliceThickness);
  const kernel = texts(LOCAL.kernel)[0] ?? null;
  const acquisition = kvp !== null || thickness !== null || kernel !== null ? { kvp, sliceThicknessMm: thickness, convolutionKernel: kernel } : null;
  const priorUid = texts(LOCAL.priorStudyUid)[0];
  const progressionCode = codeOf(LOCAL.progression);
  const rateText = texts(LOCAL.annualisedChange)[0];
  const prior: StoredPriorComparison | null = priorUid
    ? {
        priorStudyInstanceUid: priorUid,
        priorStudyDate: texts(LOCAL.priorStudyDate)[0] ?? null,
        priorTotal: numText(LOCAL.priorAgatston),
        change: numText(LOCAL.agatstonChange),
        annualisedChange: numText(LOCAL.annualisedChange),
        annualisedNote: numText(LOCAL.annualisedChange) === null ? (rateText ?? null) : null,
        sqrtDifference: numText(LOCAL.sqrtDifference),
        progression: progressionCode ? sameCode(progressionCode, YES) : null,
        warnings: texts(LOCAL.priorWarning),
      }
    : null;
  const textAttr = (v: unknown) => (v === undefined || v === null || String(v).trim() === '' ? null : String(v).trim());
  return {
    sopInstanceUid: String(ds.SOPInstanceUID),
    seriesInstanceUid: String(ds.SeriesInstanceUID),
    studyInstanceUid: String(ds.StudyInstanceUID),
    patientId: textAttr(ds.PatientID),
    studyDate: textAttr(ds.StudyDate),
    acquisition,
    prior,
    seriesDescription: String(ds.SeriesDescription ?? ''),
    version: Number.isFinite(version) ? version : 1,
    contentDateTime: `${ds.ContentDate ?? ''}${ds.ContentTime ?? ''}`,
    completionFlag: String(ds.CompletionFlag ?? ''),
    verificationFlag: String(ds.VerificationFlag ?? ''),
    reviewed: reviewedCode ? reviewedCode.value === '373066001' : ds.CompletionFlag === 'COMPLETE',
    predecessors,
    arteries,
    lesions,
    total,
    seg,
    sourceSeriesUid,
    settingsParameters: params,
    algorithm: algName ? { name: algName, version: algVersion ?? '' } : null,
    warnings: texts(LOCAL.warning),
    agatstonCategory: texts(LOCAL.agatstonCategory)[0] ?? null,
    cacDrs: texts(LOCAL.cacDrs)[0] ?? null,
    cadRadsP: texts(LOCAL.cadRadsP)[0] ?? null,
    guidance: texts(LOCAL.guidance)[0] ?? null,
    reportText: texts(SRC.comment)[0] ?? null,
    reviewState,
    confirmed: yes(LOCAL.readerConfirmed),
    pendingCandidates: count(LOCAL.pendingCandidates),
    excludedCandidates: count(LOCAL.excludedCandidates),
    clinical,
    mesaRisk: texts(LOCAL.mesaRisk)[0] ?? null,
    observerName: personName(observer?.PersonName)?.trim() || null,
    verifierName: personName(verifier?.VerifyingObserverName)?.trim() || null,
  };
}

/** The current report among several versions (see the module comment for the rule). */
export function currentReport<T extends Pick<CalciumReport, 'sopInstanceUid' | 'predecessors' | 'contentDateTime' | 'version'>>(
  reports: T[],
): T | null {
  const superseded = new Set(reports.flatMap((r) => r.predecessors));
  const candidates = reports.filter((r) => !superseded.has(r.sopInstanceUid));
  candidates.sort((a, b) => (a.contentDateTime === b.contentDateTime ? b.version - a.version : a.contentDateTime < b.contentDateTime ? 1 : -1));
  return candidates[0] ?? null;
}

/** How a stored version stands: the current one, or superseded by a later version. */
export interface VersionStatus {
  sopInstanceUid: string;
  version: number;
  current: boolean;
  /** The version that names this one as its predecessor (null for the current one or an orphan). */
  supersededBy: number | null;
  /** "version 2 (current)" or "version 1, superseded by version 2". */
  label: string;
}

/**
 * Stored objects cannot be rewritten, so a superseded version is never marked in place: each
 * correction carries the chain (Predecessor Documents Sequence, "supersedes vN" in its series
 * description), and this reads the chain back to label every version.
 */
export function versionStatuses<T extends Pick<CalciumReport, 'sopInstanceUid' | 'predecessors' | 'contentDateTime' | 'version'>>(reports: T[]): VersionStatus[] {
  const current = currentReport(reports);
  const successor = new Map<string, number>();
  for (const r of reports) for (const p of r.predecessors) successor.set(p, Math.max(successor.get(p) ?? 0, r.version));
  return [...reports]
    .sort((a, b) => b.version - a.version)
    .map((r) => {
      const isCurrent = r === current;
      const by = isCurrent ? null : (successor.get(r.sopInstanceUid) ?? (current ? current.version : null));
      const label = isCurrent ? `version ${r.version} (current)` : by !== null ? `version ${r.version}, superseded by version ${by}` : `version ${r.version}`;
      return { sopInstanceUid: r.sopInstanceUid, version: r.version, current: isCurrent, supersededBy: by, label };
    });
}

export interface SegSegmentReadback {
  segmentNumber: number;
  label: string;
  artery: Artery | null;
  /** An "Excluded (non-coronary)" segment: its calcium is restored as excluded (OTHER). */
  excluded: boolean;
  trackingUid: string | null;
  algorithmType: string;
  /**
   * Who set the segment's labels, as the SEG records it (core/encode/seg.ts): 'auto' for a
   * model's unconfirmed proposals (AUTOMATIC, artificial-intelligence family; 'auto-check' for
   * those marked for review, label ending "(automatic, check)"), 'reader' for
   * labels a person set or confirmed, null where the SEG does not say (written before the
   * origin was recorded: SEMIAUTOMATIC with a model's identification).
   */
  origin: LabelOrigin | null;
  /** The model named by an 'auto' segment. */
  model: { name: string; version: string } | null;
  /** CT SOP Instance UID -> in-slice pixel offsets j*columns+i of this segment. */
  pixelsBySourceInstance: Map<string, Uint32Array>;
}

export interface CalciumSegReadback {
  sopInstanceUid: string;
  segmentationType: string;
  rows: number;
  columns: number;
  frameOfReferenceUid: string | null;
  referencedSeriesUid: string | null;
  segments: SegSegmentReadback[];
}

function pixelBytes(ds: Dataset): Uint8Array {
  const pd = ds.PixelData as ArrayBuffer[] | ArrayBuffer | undefined;
  return concatBytes((Array.isArray(pd) ? pd : pd ? [pd] : []).map((b) => new Uint8Array(b as ArrayBuffer)));
}

export function readCalciumSeg(input: Uint8Array | Dataset): CalciumSegReadback {
  const ds = asDataset(input);
  const type = String(ds.SegmentationType ?? '');
  if (type !== 'BINARY' && type !== 'LABELMAP') throw new Error(`Segmentation type ${type || '(none)'} is not supported for calcium read-back.`);
  const rows = Number(ds.Rows);
  const columns = Number(ds.Columns);
  const frames = Number(ds.NumberOfFrames ?? 1);
  const sliceSize = rows * columns;
  const bits = pixelBytes(ds);
  const bitsAllocated = Number(ds.BitsAllocated);
  const segments = new Map<number, SegSegmentReadback>();
  for (const s of (ds.SegmentSequence as Dataset[]) ?? []) {
    const num = Number(s.SegmentNumber);
    const label = String(s.SegmentLabel ?? '');
    const artery = arteryOfCode(codeFromItem(first(s.AnatomicRegionSequence)));
    const algorithmType = String(s.SegmentAlgorithmType ?? '');
    const alg = first<Dataset>(s.SegmentationAlgorithmIdentificationSequence);
    const byModel = sameCode(codeFromItem(first(alg?.AlgorithmFamilyCodeSequence)), ALGORITHM_FAMILY.artificialIntelligence);
    const origin: LabelOrigin | null = !byModel ? 'reader' : algorithmType !== 'AUTOMATIC' ? null : label.endsWith(AUTOMATIC_CHECK_SUFFIX) ? 'auto-check' : 'auto';
    segments.set(num, {
      segmentNumber: num,
      label,
      artery,
      excluded: !artery && Object.values(ORIGIN_SUFFIX).some((suffix) => label === EXCLUDED_SEGMENT_LABEL + suffix),
      trackingUid: s.TrackingUID ? String(s.TrackingUID) : null,
      algorithmType,
      origin,
      model: origin !== null && origin !== 'reader' && alg ? { name: String(alg.AlgorithmName ?? ''), version: String(alg.AlgorithmVersion ?? '') } : null,
      pixelsBySourceInstance: new Map(),
    });
  }
  const perFrame = (ds.PerFrameFunctionalGroupsSequence as Dataset[]) ?? [];
  const shared = first<Dataset>(ds.SharedFunctionalGroupsSequence) ?? {};
  const collect = new Map<number, Map<string, number[]>>();
  for (let f = 0; f < frames; f++) {
    const fg = perFrame[f] ?? {};
    const der = first<Dataset>(fg.DerivationImageSequence) ?? first<Dataset>(shared.DerivationImageSequence);
    const srcImg = first<Dataset>(der?.SourceImageSequence);
    const sourceUid = srcImg ? String(srcImg.ReferencedSOPInstanceUID) : `frame:${f + 1}`;
    const segId = first<Dataset>(fg.SegmentIdentificationSequence) ?? first<Dataset>(shared.SegmentIdentificationSequence);
    const frameSegment = segId ? Number(segId.ReferencedSegmentNumber) : null;
    for (let p = 0; p < sliceSize; p++) {
      let value: number;
      if (bitsAllocated === 1) {
        const bit = f * sliceSize + p;
        value = (bits[bit >> 3] >> (bit & 7)) & 1;
      } else if (bitsAllocated === 8) value = bits[f * sliceSize + p];
      else value = bits[(f * sliceSize + p) * 2] | (bits[(f * sliceSize + p) * 2 + 1] << 8);
      if (!value) continue;
      const segNo = type === 'BINARY' ? frameSegment : value;
      if (segNo === null || !segments.has(segNo)) continue;
      let bySrc = collect.get(segNo);
      if (!bySrc) collect.set(segNo, (bySrc = new Map()));
      let list = bySrc.get(sourceUid);
      if (!list) bySrc.set(sourceUid, (list = []));
      list.push(p);
    }
  }
  for (const [segNo, bySrc] of collect) {
    const s = segments.get(segNo)!;
    for (const [uid, list] of bySrc) s.pixelsBySourceInstance.set(uid, Uint32Array.from(list));
  }
  const refSeries = first<Dataset>(ds.ReferencedSeriesSequence);
  return {
    sopInstanceUid: String(ds.SOPInstanceUID),
    segmentationType: type,
    rows,
    columns,
    frameOfReferenceUid: ds.FrameOfReferenceUID ? String(ds.FrameOfReferenceUID) : null,
    referencedSeriesUid: refSeries ? String(refSeries.SeriesInstanceUID) : null,
    segments: [...segments.values()],
  };
}

/** The Assignment methods restoreAssignment uses (core/scoring Assignment has them). */
export interface AssignmentTarget extends ComponentLabels {
  assignComponent(componentId: number, label: LesionLabel, source?: 'auto' | 'seed' | 'reader' | 'none'): void;
  reviewed: boolean;
  /** The model whose proposals the Assignment holds: set from the SEG when proposals are restored. */
  model?: { name: string; version: string } | null;
  /** Sets whether a restored proposal is one to check first, as its segment says. */
  setNeedsReview?(componentId: number, needsReview: boolean): void;
}

export interface RestoreSummary {
  /** Components given an artery label from the SEG. */
  assigned: number;
  /** Components restored as excluded (the SEG's "Excluded (non-coronary)" segment). */
  excluded: number;
  /** Components in no stored segment: left to review (UNASSIGNED), as they were stored. */
  pending: number;
  /** The same as whole lesions (a lesion split between arteries counts once per label it has). */
  lesions: { onArteries: number; excluded: number; pending: number };
  /** SEG voxels that fell on no detected component (settings changed, or the CT differs). */
  unmatchedVoxels: number;
  /** SEG voxels on CT slices not in this series. */
  foreignVoxels: number;
}

/**
 * Apply a stored SEG to a freshly detected LesionSet's components, exactly: each component takes
 * the stored label (an artery, or excluded for an "Excluded (non-coronary)" segment) that covers
 * most of its voxels; a component in no stored segment was left to review and becomes UNASSIGNED
 * again, whatever an automatic labeller proposed since. Each label comes back with the origin
 * its segment records: a model's unconfirmed proposal stays a proposal to confirm (source
 * 'auto', and the Assignment names the model), a label a person set or confirmed is the reader's.
 * For a SEG that does not record the origin (written before it was), the stored review state
 * decides for all its labels: a model's result still automatic or in review comes back as
 * proposals, since it cannot say which of them a person set. The Assignment's reviewed flag is
 * the stored one.
 */
export function restoreAssignment(
  set: LesionSetLike,
  assignment: AssignmentTarget,
  seg: CalciumSegReadback,
  opts: Pick<CalciumReport, 'reviewed'> & Partial<Pick<CalciumReport, 'reviewState' | 'confirmed' | 'algorithm'>>,
): RestoreSummary {
  const g = set.geometry;
  if (seg.rows !== g.rows || seg.columns !== g.columns) {
    throw new Error(`The stored segmentation is ${seg.columns} x ${seg.rows} pixels but this CT is ${g.columns} x ${g.rows}: it belongs to another series.`);
  }
  const sliceOf = new Map(g.instances.map((inst, k) => [inst.sopInstanceUid, k]));
  const sliceSize = g.rows * g.columns;
  // Labels whose segment does not record its origin (older SEGs): decided by the stored state.
  const modelLabelled = !!opts.algorithm && opts.algorithm.name !== PRODUCT.algorithmName;
  const legacyOrigin: LabelOrigin =
    opts.confirmed === true || !modelLabelled || (opts.reviewState ? opts.reviewState === 'reviewed' : opts.reviewed) ? 'reader' : 'auto';
  /** Per voxel: its label, plus '|auto' / '|auto-check' for a model's unconfirmed proposal ('|legacy' where the SEG does not say which). */
  const keyOfVoxel = new Map<number, string>();
  let model: { name: string; version: string } | null = null;
  let foreignVoxels = 0;
  for (const s of seg.segments) {
    const label: LesionLabel | null = s.artery ?? (s.excluded ? 'OTHER' : null);
    if (!label) continue;
    const origin: LabelOrigin = opts.confirmed === true ? 'reader' : (s.origin ?? legacyOrigin);
    if (origin !== 'reader') model ??= s.model ?? opts.algorithm ?? null;
    // Older SEGs (origin not recorded) say nothing of which proposals to check first: '|legacy'.
    const key = origin === 'reader' ? label : `${label}|${s.origin === null ? 'legacy' : origin}`;
    for (const [uid, pixels] of s.pixelsBySourceInstance) {
      const k = sliceOf.get(uid);
      if (k === undefined) {
        foreignVoxels += pixels.length;
        continue;
      }
      for (const p of pixels) keyOfVoxel.set(k * sliceSize + p, key);
    }
  }
  let assigned = 0;
  let excluded = 0;
  let pending = 0;
  const lesionsBy = { onArteries: new Set<number>(), excluded: new Set<number>(), pending: new Set<number>() };
  // Ties go to the arteries in order, then excluded; the reader's label before a proposal.
  const order = ([...ARTERIES, 'OTHER'] as LesionLabel[]).flatMap((l) => [l, `${l}|auto`, `${l}|auto-check`, `${l}|legacy`]);
  const matched = new Set<number>();
  set.components.forEach((comp, idx) => {
    const counts = new Map<string, number>();
    for (const v of set.componentVoxels[idx]) {
      const key = keyOfVoxel.get(v);
      if (key) {
        counts.set(key, (counts.get(key) ?? 0) + 1);
        matched.add(v);
      }
    }
    let best: string | null = null;
    for (const key of order) if ((counts.get(key) ?? 0) > (best ? counts.get(best)! : 0)) best = key;
    if (!best) {
      assignment.assignComponent(comp.id, 'UNASSIGNED', 'auto');
      pending++;
      lesionsBy.pending.add(comp.lesionId);
      return;
    }
    const [label, auto] = best.split('|') as [LesionLabel, LabelOrigin | 'legacy' | undefined];
    assignment.assignComponent(comp.id, label, auto ? 'auto' : 'reader');
    if (auto && auto !== 'legacy') assignment.setNeedsReview?.(comp.id, auto === 'auto-check');
    if (label === 'OTHER') {
      excluded++;
      lesionsBy.excluded.add(comp.lesionId);
    } else {
      assigned++;
      lesionsBy.onArteries.add(comp.lesionId);
    }
  });
  assignment.reviewed = opts.reviewed;
  if (model && 'model' in assignment) assignment.model = model;
  return {
    assigned,
    excluded,
    pending,
    lesions: { onArteries: lesionsBy.onArteries.size, excluded: lesionsBy.excluded.size, pending: lesionsBy.pending.size },
    unmatchedVoxels: keyOfVoxel.size - matched.size,
    foreignVoxels,
  };
}

/** The panel's line after reopening a stored result: counts whole lesions, never lesion parts. */
export function restoredMessage(report: Pick<CalciumReport, 'version' | 'reviewState' | 'reviewed'>, summary: RestoreSummary | null): string {
  const state = report.reviewState ?? (report.reviewed ? 'reviewed' : 'automatic');
  const head = `Restored the stored report version ${report.version} (${state})`;
  if (!summary) return `${head}: no calcium on an artery or excluded.`;
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const parts = [
    `${n(summary.lesions.onArteries, 'lesion', 'lesions')} on arteries`,
    `${summary.lesions.excluded} excluded`,
    `${summary.lesions.pending} to review`,
  ];
  const lost = summary.unmatchedVoxels + summary.foreignVoxels;
  return `${head}: ${parts.join(', ')}.${lost > 0 ? ` ${lost} stored voxels match no lesion found now (settings or series differ).` : ''}`;
}
