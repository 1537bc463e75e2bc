/**
 * The calcium score as a TID 1500 Imaging Measurement Report (docs/dicom-objects.md §2.2), readable in stock
 * OHIF's SR viewport.
 *
 * Imaging Measurements (all groups TID 1411 Volumetric ROI Measurements):
 *  - per artery with calcium, one finding written as two groups sharing the SEG segment's
 *    Tracking Identifier and Tracking UID: the first references the SEG segment and holds the
 *    artery's Agatston score (method DCM 112055), volume, mass and lesion count, finding site =
 *    the artery; the second defines the same volume as outlines on the CT slices (TID 1411 allows
 *    one volume definition per group). OHIF merges groups by Tracking UID and draws the outline
 *    with the scores; a TID 1500 group without image coordinates stops OHIF 3.13 from loading
 *    any measurement, so every finding has its outline group;
 *  - the total over all arteries, the same way (all segment numbers, finding site = coronary
 *    artery); without calcium there is no SEG and the totals are one TID 1501 group;
 *  - optionally one group per lesion (outlines, score, volume, mass).
 * TID 4019 algorithm identification (name, version, settings as parameters) sits on the Imaging
 * Measurements container; qualitative evaluations carry the report sentence, categories,
 * decision-support text, review state, version and warnings.
 *
 * Versions: a corrected report lists its predecessor in the Predecessor Documents Sequence,
 * carries "Calcium score vN" as its series description and a newer ContentDate/Time. How the
 * current version is found: see currentReport() in readback.ts.
 */
import { ARTERIES, type Artery, type ScoringResult, type ScoringSettings, type VolumeGeometry } from '../types';
import {
  ANATOMY,
  ARTERY_CODES,
  LOCAL,
  LOCAL_SCHEME,
  MEASUREMENT,
  NO,
  PROCEDURE_CT,
  SEGMENT,
  SOP_CLASS,
  SR as SRC,
  UNITS,
  YES,
  type Code,
} from '../dicom/codes';
import type { ClinicalInputs } from '../types';
import { PRODUCT, SERIES, contentDateTime, equipmentModule, patientStudyModules, referencedSeriesItem, seriesDescription, type WriteContext } from './common';
import { dicomDateTime, newUid, writePart10, type Dataset } from './dicom-io';
import type { EncodedSeg } from './seg';
import { reportText, reviewStatus } from './report-text';
import {
  AlgorithmIdentification,
  ImageLibrary,
  Measurement,
  MeasurementGroup,
  MeasurementReport,
  VolumetricRoiMeasurements,
  observationContext,
  type PlanarRegion,
  type QualitativeEvaluation,
} from './tid/templates';
import type { LesionSetLike } from './arteries';
import type { PriorComparison } from '../prior';

/** Tracking Identifier of the totals group (readback finds the totals by it). */
export const TOTAL_TRACKING_ID = 'Total coronary calcium';

/** Fixed Device Observer UID of this software (TID 1004). */
export const DEVICE_OBSERVER_UID = '2.25.302518839151713853741366155466425327912';

/** An earlier report this one corrects (PS3.3 C.17.2.3 Predecessor Documents Sequence). */
export interface PredecessorRef {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid?: string;
}

export interface SrOptions {
  ctx: WriteContext;
  predecessor?: PredecessorRef | null;
  /** The reviewing radiologist, recorded as a person observer once the result is reviewed. */
  reviewerName?: string | null;
  /** When given, the report is VERIFIED by this person (PS3.3 C.17.2 Verifying Observer). */
  verifier?: { name: string; organization: string } | null;
}

export interface EncodedSr {
  kind: 'SR';
  bytes: Uint8Array;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  version: number;
}

/** Settings as "name: value" lines (TID 4019 Algorithm Parameters; shown as is by SR viewers). */
export function settingsParameters(s: ScoringSettings): string[] {
  return [
    `Threshold (HU, inclusive): ${s.thresholdHu}`,
    s.minAreaPixels !== null ? `Minimum area (pixels): ${s.minAreaPixels}` : `Minimum area (mm2): ${s.minAreaMm2}`,
    `Connectivity (2D): ${s.connectivity2d}`,
    `Normalised to slice thickness (mm): ${s.normaliseToMm ?? 'none'}`,
    s.massFactor !== null
      ? `Mass calibration factor (mg HA/cm3/HU): ${s.massFactor} (${s.massFactorSource ?? 'given'})`
      : 'Mass calibration factor (mg HA/cm3/HU): none',
  ];
}

/**
 * The score's concept with the finding named in its meaning ("LAD Agatston score"): OHIF's SR
 * viewport prints "<meaning>: <value> <unit code>" for each measurement, so this is the line
 * that tells the reader which artery the outline belongs to. The code (SCT 450360000) is the
 * standard one; only the human-readable meaning carries the name.
 */
export function agatstonConcept(what: string): Code {
  return { ...MEASUREMENT.calciumScore, meaning: `${what} Agatston score` };
}

function measurements(t: { agatston: number; volumeMm3: number; massMg: number | null; lesionCount: number }, what: string): Measurement[] {
  const out = [
    new Measurement(agatstonConcept(what), round(t.agatston, 2), UNITS.score, MEASUREMENT.agatstonMethod),
    new Measurement(MEASUREMENT.calciumVolume, round(t.volumeMm3, 2), UNITS.mm3, MEASUREMENT.volumeMethod),
  ];
  if (t.massMg !== null) out.push(new Measurement(MEASUREMENT.calciumMass, round(t.massMg, 3), UNITS.mg, MEASUREMENT.massMethod));
  out.push(new Measurement(MEASUREMENT.numberOfLesions, t.lesionCount, UNITS.lesions));
  return out;
}

/** Tracking Identifier of a per-lesion group, e.g. "LAD lesion 2" (readback parses it). */
export function lesionTrackingId(artery: Artery, n: number): string {
  return `${artery} lesion ${n}`;
}

/**
 * Planar regions of a set of slice components: an outline around each component's pixels
 * on its CT slice, largest component first (the one OHIF draws for a group).
 */
function componentRegions(set: LesionSetLike, componentIds: number[], marginPx = 1, avoidSlices: Set<number> = new Set()): PlanarRegion[] {
  const g = set.geometry;
  const sliceSize = g.rows * g.columns;
  const sorted = componentIds.map((id) => set.components[id - 1]).sort((a, b) => b.pixelCount - a.pixelCount || a.slice - b.slice || a.id - b.id);
  // The first region is the one OHIF draws: prefer a slice no other finding is drawn on, so the
  // labels do not cover each other.
  const firstIdx = sorted.findIndex((c) => !avoidSlices.has(c.slice));
  if (firstIdx > 0) sorted.unshift(...sorted.splice(firstIdx, 1));
  return sorted
    .map((c) => {
      let i0 = Infinity, i1 = -Infinity, j0 = Infinity, j1 = -Infinity;
      for (const v of set.componentVoxels[c.id - 1]) {
        const p = v - c.slice * sliceSize;
        const i = p % g.columns;
        const j = (p - i) / g.columns;
        if (i < i0) i0 = i;
        if (i > i1) i1 = i;
        if (j < j0) j0 = j;
        if (j > j1) j1 = j;
      }
      // Pixel (i, j) covers [i, i+1] x [j, j+1] (PS3.3 C.18.6.1.1); a margin keeps the outline
      // visible next to the calcium instead of on it.
      const x0 = Math.max(0, i0 - marginPx), y0 = Math.max(0, j0 - marginPx);
      const x1 = Math.min(g.columns, i1 + 1 + marginPx), y1 = Math.min(g.rows, j1 + 1 + marginPx);
      const inst = g.instances[c.slice];
      return {
        graphicType: 'POLYLINE' as const,
        points: octagon(x0, y0, x1, y1),
        image: { sopClassUid: inst.sopClassUid, sopInstanceUid: inst.sopInstanceUid },
      };
    });
}

/**
 * The closed outline drawn around calcium: the box (x0, y0)-(x1, y1) with its corners cut, 8
 * vertices and the first repeated (9 points). Not a 4- or 5-point box on purpose: OHIF's SR
 * hydrator (cornerstone adapters, registered types "DCM:111030-POLYLINE-4/5") takes such a box
 * for one of its own RectangleROI measurements, offers to "track" the report, and then shows
 * the box's pixel statistics, or 0 before they are computed, instead of the calcium scores,
 * which live in the groups it cannot take (docs/dicom-objects.md §2.2). No adapter takes a
 * 9-point polyline, so OHIF keeps the report in its SR viewport, where the scores are drawn.
 */
export function octagon(x0: number, y0: number, x1: number, y1: number): number[] {
  const c = Math.min(x1 - x0, y1 - y0) / 4;
  return [x0 + c, y0, x1 - c, y0, x1, y0 + c, x1, y1 - c, x1 - c, y1, x0 + c, y1, x0, y1 - c, x0, y0 + c, x0 + c, y0];
}

/** One TID 1411 group per lesion on an artery: its outlines, Agatston score, volume and mass. */
function lesionGroups(result: ScoringResult, set: LesionSetLike): VolumetricRoiMeasurements[] {
  const out: VolumetricRoiMeasurements[] = [];
  for (const artery of ARTERIES) {
    const lesions = result.lesions.filter((l) => l.artery === artery).sort((a, b) => b.agatston - a.agatston);
    lesions.forEach((lesion, n) => {
      const ms = [
        new Measurement(agatstonConcept(`${artery} lesion ${n + 1}`), round(lesion.agatston, 2), UNITS.score, MEASUREMENT.agatstonMethod),
        new Measurement(MEASUREMENT.calciumVolume, round(lesion.volumeMm3, 2), UNITS.mm3, MEASUREMENT.volumeMethod),
      ];
      if (lesion.massMg !== null) ms.push(new Measurement(MEASUREMENT.calciumMass, round(lesion.massMg, 3), UNITS.mg, MEASUREMENT.massMethod));
      out.push(
        new VolumetricRoiMeasurements({
          trackingIdentifier: lesionTrackingId(artery, n + 1),
          trackingUid: newUid(),
          finding: SEGMENT.type,
          findingSite: ARTERY_CODES[artery],
          regions: componentRegions(set, lesion.componentIds),
          measurements: ms,
        }),
      );
    });
  }
  return out;
}

/**
 * The scored series' kVp, slice thickness and kernel (what decides whether a later scan's score
 * can be compared with this one; core/prior.ts), as text with the unit in the concept name.
 */
export function acquisitionEvaluations(f: Pick<ScoringResult['input'], 'kvp' | 'sliceThicknessMm' | 'convolutionKernel'>): QualitativeEvaluation[] {
  const out: QualitativeEvaluation[] = [];
  if (f.kvp !== null && Number.isFinite(f.kvp)) out.push({ name: LOCAL.kvp, text: String(f.kvp) });
  if (f.sliceThicknessMm !== null && Number.isFinite(f.sliceThicknessMm)) out.push({ name: LOCAL.sliceThickness, text: String(f.sliceThicknessMm) });
  if (f.convolutionKernel && f.convolutionKernel.trim()) out.push({ name: LOCAL.kernel, text: f.convolutionKernel.trim() });
  return out;
}

/** The comparison with a prior study: its UID and date, total, change, rate, progression (Hokanson 2004). */
export function priorEvaluations(c: PriorComparison): QualitativeEvaluation[] {
  const out: QualitativeEvaluation[] = [
    { name: LOCAL.progression, code: c.progression ? YES : NO },
    { name: LOCAL.priorStudyUid, text: c.priorStudyInstanceUid },
  ];
  if (c.priorStudyDate) out.push({ name: LOCAL.priorStudyDate, text: c.priorStudyDate });
  out.push({ name: LOCAL.priorAgatston, text: String(round(c.prior.total, 2)) });
  out.push({ name: LOCAL.agatstonChange, text: String(round(c.change.total, 2)) });
  out.push({ name: LOCAL.annualisedChange, text: c.annualisedChange !== null ? String(round(c.annualisedChange, 2)) : (c.annualisedNote ?? 'not computed') });
  out.push({ name: LOCAL.sqrtDifference, text: String(round(c.sqrtDifference, 3)) });
  for (const w of c.warnings) out.push({ name: LOCAL.priorWarning, text: w });
  return out;
}

/** The MESA inputs as qualitative evaluations (yes/no as codes, numbers as text with their unit in the concept name). */
export function clinicalEvaluations(c: ClinicalInputs): QualitativeEvaluation[] {
  const yn = (v: boolean) => (v ? YES : NO);
  return [
    { name: LOCAL.diabetes, code: yn(c.diabetes) },
    { name: LOCAL.currentSmoker, code: yn(c.currentSmoker) },
    { name: LOCAL.antihypertensive, code: yn(c.antihypertensiveMedication) },
    { name: LOCAL.lipidLowering, code: yn(c.lipidLoweringMedication) },
    { name: LOCAL.familyHistory, code: yn(c.familyHistoryOfHeartAttack) },
    { name: LOCAL.age, text: String(c.ageYears) },
    { name: LOCAL.sex, text: c.sex },
    { name: LOCAL.race, text: c.race },
    { name: LOCAL.systolicBp, text: String(c.systolicBpMmHg) },
    { name: LOCAL.totalCholesterol, text: String(c.totalCholesterolMgDl) },
    { name: LOCAL.hdl, text: String(c.hdlMgDl) },
  ];
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function encodeSr(
  input: {
    result: ScoringResult;
    geometry: VolumeGeometry;
    seg: EncodedSeg | null;
    /** When given, the artery and total findings also get outline groups on the CT slices. */
    lesionSet?: LesionSetLike | null;
    /** Also one group per lesion (outline, score, volume, mass). Off by default: OHIF draws its
     *  label on top of the artery's label for an artery's largest lesion. */
    lesionGroups?: boolean;
    /** The comparison with a prior study, when one was made (core/prior.ts). */
    prior?: PriorComparison | null;
  },
  opts: SrOptions,
): EncodedSr {
  const { result, geometry: g, seg } = input;
  const version = opts.ctx.version;
  const algorithm = new AlgorithmIdentification(
    result.model?.name ?? PRODUCT.algorithmName,
    result.model?.version ?? PRODUCT.softwareVersion,
    [
      ...settingsParameters(result.settings),
      ...(result.model ? [`Scoring software: ${PRODUCT.modelName} ${PRODUCT.softwareVersion}`] : []),
    ],
  );

  // Each artery (and the total) is one tracked finding, written as two TID 1411 groups with the
  // same Tracking Identifier and Tracking UID (the SEG segment's TrackingUID): one holds the
  // measurements and references the SEG segment, the other gives the same volume as outlines on
  // the CT slices. Viewers that merge groups by Tracking UID (OHIF) draw the outlines with the
  // artery's scores; TID 1411 allows only one of the two volume definitions per group.
  // Per-lesion groups follow. Without calcium there is no SEG: the totals are a TID 1501 group.
  const groups: (VolumetricRoiMeasurements | MeasurementGroup)[] = [];
  const set = input.lesionSet ?? null;
  const drawnSlices = new Set<number>();
  const componentsOf = (label: string | null) =>
    result.lesions.filter((l) => (label === null ? (ARTERIES as readonly string[]).includes(l.artery) : l.artery === label)).flatMap((l) => l.componentIds);
  for (const artery of ARTERIES) {
    const t = result.arteries[artery];
    if (t.lesionCount === 0) continue;
    // The reader's segment of the artery, then the model's unconfirmed one (core/encode/seg.ts).
    const segments = seg?.segments.filter((s) => s.artery === artery) ?? [];
    if (!seg || segments.length === 0) throw new Error(`encodeSr: ${artery} has calcium but the SEG has no ${artery} segment`);
    const common = { trackingIdentifier: `${artery} coronary calcium`, trackingUid: segments[0].trackingUid, finding: SEGMENT.type, findingSite: ARTERY_CODES[artery] };
    groups.push(
      new VolumetricRoiMeasurements({
        ...common,
        segment: { sopClassUid: seg.sopClassUid, sopInstanceUid: seg.sopInstanceUid, segmentNumbers: segments.map((s) => s.segmentNumber) },
        sourceSeriesUid: g.source.seriesInstanceUid,
        measurements: measurements(t, artery),
      }),
    );
    if (set) {
      const regions = componentRegions(set, componentsOf(artery), 1, drawnSlices);
      drawnSlices.add(g.instances.findIndex((inst) => inst.sopInstanceUid === regions[0].image.sopInstanceUid));
      groups.push(new VolumetricRoiMeasurements({ ...common, regions, measurements: [] }));
    }
  }
  const total = {
    trackingIdentifier: TOTAL_TRACKING_ID,
    trackingUid: newUid(),
    finding: SEGMENT.type,
    findingSite: ANATOMY.coronaryArtery,
  };
  // The total covers the artery segments only: the "Excluded (non-coronary)" segment is never counted.
  const arterySegments = seg ? seg.segments.filter((s) => s.artery !== null) : [];
  if (seg && arterySegments.length > 0) {
    groups.push(
      new VolumetricRoiMeasurements({
        ...total,
        segment: { sopClassUid: seg.sopClassUid, sopInstanceUid: seg.sopInstanceUid, segmentNumbers: arterySegments.map((s) => s.segmentNumber) },
        sourceSeriesUid: g.source.seriesInstanceUid,
        measurements: measurements(result.total, 'Total'),
      }),
    );
    // Drawn on a slice no artery is drawn on when there is one; a wider margin otherwise.
    if (set) groups.push(new VolumetricRoiMeasurements({ ...total, regions: componentRegions(set, componentsOf(null), 4, drawnSlices), measurements: [] }));
  } else {
    groups.push(new MeasurementGroup({ ...total, measurements: measurements(result.total, 'Total') }));
  }
  if (set && input.lesionGroups) groups.push(...lesionGroups(result, set));

  const evaluations: QualitativeEvaluation[] = [
    { name: SRC.comment, text: reportText(result, input.prior ?? null) },
    { name: LOCAL.agatstonCategory, text: result.risk.agatstonCategory },
    { name: LOCAL.cacDrs, text: result.risk.cacDrs },
  ];
  if (result.risk.cadRadsP) evaluations.push({ name: LOCAL.cadRadsP, text: result.risk.cadRadsP });
  evaluations.push({ name: LOCAL.guidance, text: result.risk.guidance });
  if (result.risk.mesaTenYearChdRiskPercent != null) {
    evaluations.push({ name: LOCAL.mesaRisk, text: `${result.risk.mesaTenYearChdRiskPercent.toFixed(1)} %` });
  }
  evaluations.push({ name: LOCAL.reviewed, code: result.reviewed ? YES : NO });
  // What a second reader needs to continue exactly (read back by readCalciumSr).
  const review = reviewStatus(result);
  evaluations.push({ name: LOCAL.readerConfirmed, code: review.confirmed ? YES : NO });
  evaluations.push({ name: LOCAL.reviewState, text: review.state });
  evaluations.push({ name: LOCAL.pendingCandidates, text: String(review.pending) });
  evaluations.push({ name: LOCAL.excludedCandidates, text: String(review.excluded) });
  if (result.risk.clinical) evaluations.push(...clinicalEvaluations(result.risk.clinical));
  evaluations.push(...acquisitionEvaluations(result.input));
  if (input.prior) evaluations.push(...priorEvaluations(input.prior));
  evaluations.push({ name: LOCAL.reportVersion, text: String(version) });
  for (const w of result.warnings) evaluations.push({ name: LOCAL.warning, text: w });

  const framedSlices = seg ? [...new Set(seg.segments.flatMap((s) => s.slices))].sort((a, b) => a - b) : [];
  const librarySlices = framedSlices.length > 0 ? framedSlices : g.instances.map((_, k) => k);
  const report = new MeasurementReport({
    observers: observationContext(
      { uid: DEVICE_OBSERVER_UID, name: PRODUCT.modelName, manufacturer: PRODUCT.manufacturer, modelName: PRODUCT.modelName },
      result.reviewed ? opts.reviewerName : null,
    ),
    procedureReported: PROCEDURE_CT,
    imageLibrary: new ImageLibrary(
      librarySlices.map((k) => ({ sopClassUid: g.instances[k].sopClassUid, sopInstanceUid: g.instances[k].sopInstanceUid })),
    ),
    groups,
    algorithm,
    evaluations,
  });

  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const evidenceSeries: Dataset[] = [referencedSeriesItem(g, librarySlices, 'ReferencedSOPSequence')];
  if (seg) {
    evidenceSeries.push({
      SeriesInstanceUID: seg.seriesInstanceUid,
      ReferencedSOPSequence: [{ ReferencedSOPClassUID: seg.sopClassUid, ReferencedSOPInstanceUID: seg.sopInstanceUid }],
    });
  }
  const verified = !!opts.verifier;
  const dataset: Dataset = {
    ...patientStudyModules(g.source),
    ...equipmentModule(),
    ...contentDateTime(opts.ctx),
    SOPClassUID: SOP_CLASS.comprehensiveSr,
    SOPInstanceUID: sopInstanceUid,
    Modality: 'SR',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: SERIES.srNumberBase + version,
    SeriesDescription: seriesDescription('SR', version),
    ReferencedPerformedProcedureStepSequence: [],
    InstanceNumber: 1,
    PreliminaryFlag: verified ? 'FINAL' : 'PRELIMINARY',
    CompletionFlag: review.state === 'reviewed' ? 'COMPLETE' : 'PARTIAL',
    VerificationFlag: verified ? 'VERIFIED' : 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [{ StudyInstanceUID: g.source.studyInstanceUid, ReferencedSeriesSequence: evidenceSeries }],
    ...report.content(),
    // PS3.3 C.12.1.1.4: describe the private coding scheme used for the local concepts.
    CodingSchemeIdentificationSequence: [
      { CodingSchemeDesignator: LOCAL_SCHEME, CodingSchemeName: 'OHIF calcium scoring local concepts', CodingSchemeResponsibleOrganization: PRODUCT.manufacturer },
    ],
  };
  if (verified) {
    dataset.VerifyingObserverSequence = [
      {
        VerifyingObserverName: opts.verifier!.name,
        VerifyingOrganization: opts.verifier!.organization,
        VerificationDateTime: dicomDateTime(opts.ctx.now),
        VerifyingObserverIdentificationCodeSequence: [],
      },
    ];
  }
  if (opts.predecessor) {
    const p = opts.predecessor;
    dataset.PredecessorDocumentsSequence = [
      {
        StudyInstanceUID: p.studyInstanceUid,
        ReferencedSeriesSequence: [
          {
            SeriesInstanceUID: p.seriesInstanceUid,
            ReferencedSOPSequence: [{ ReferencedSOPClassUID: p.sopClassUid ?? SOP_CLASS.comprehensiveSr, ReferencedSOPInstanceUID: p.sopInstanceUid }],
          },
        ],
      },
    ];
  }
  return { kind: 'SR', bytes: writePart10(dataset), sopClassUid: SOP_CLASS.comprehensiveSr, sopInstanceUid, seriesInstanceUid, version };
}
