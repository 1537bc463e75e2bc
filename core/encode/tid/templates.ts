/**
 * SR templates (DICOM PS3.16) as small typed builders, named after the standard's templates
 * (STYLE.md: "reading the code is reading the standard's tree"). Each constructor checks what
 * the template requires, so a report that cannot be valid cannot be built.
 */
import {
  LANGUAGE_EN_US,
  MEASUREMENT,
  SR,
  type Code,
} from '../../dicom/codes';
import {
  assertReferencedUid,
  assertUid,
  codeContent,
  container,
  image,
  num,
  pname,
  scoord,
  text,
  uidref,
  type ContentItem,
  type ImageReference,
} from './content';

/** TID 1204 Language of Content Item and Descendants ("en-US", RFC 5646). */
export function languageOfContent(language: Code = LANGUAGE_EN_US): ContentItem {
  return codeContent('HAS CONCEPT MOD', SR.language, language);
}

/** TID 1004 Device Observer Identifying Attributes (inside TID 1002 Observer Context). */
export interface DeviceObserver {
  uid: string;
  name: string;
  manufacturer: string;
  modelName: string;
}

/** TID 1001 Observation Context: a device (the algorithm) and, once reviewed, the person. */
export function observationContext(device: DeviceObserver, personName?: string | null): ContentItem[] {
  assertUid(device.uid, 'Device Observer UID');
  const items: ContentItem[] = [];
  if (personName && personName.trim()) {
    items.push(codeContent('HAS OBS CONTEXT', SR.observerType, SR.person));
    items.push(pname('HAS OBS CONTEXT', SR.personObserverName, personName));
  }
  items.push(codeContent('HAS OBS CONTEXT', SR.observerType, SR.device));
  items.push(uidref('HAS OBS CONTEXT', SR.deviceObserverUid, device.uid));
  items.push(text('HAS OBS CONTEXT', SR.deviceObserverName, device.name));
  items.push(text('HAS OBS CONTEXT', SR.deviceObserverManufacturer, device.manufacturer));
  items.push(text('HAS OBS CONTEXT', SR.deviceObserverModelName, device.modelName));
  return items;
}

/** TID 4019 Algorithm Identification: name, version, and the parameters that change the result. */
export class AlgorithmIdentification {
  constructor(
    readonly name: string,
    readonly version: string,
    readonly parameters: string[] = [],
  ) {
    if (!name.trim() || !version.trim()) throw new Error('TID 4019: algorithm name and version are required');
  }
  items(): ContentItem[] {
    return [
      text('HAS CONCEPT MOD', SR.algorithmName, this.name),
      text('HAS CONCEPT MOD', SR.algorithmVersion, this.version),
      ...this.parameters.map((p) => text('HAS CONCEPT MOD', ALGORITHM_PARAMETERS, p)),
    ];
  }
}
const ALGORITHM_PARAMETERS: Code = Object.freeze({ scheme: 'DCM', value: '111002', meaning: 'Algorithm Parameters' });

/** TID 300 Measurement: a NUM with its unit and, optionally, the method that produced it. */
export class Measurement {
  constructor(
    readonly name: Code,
    readonly value: number,
    readonly unit: Code,
    readonly method: Code | null = null,
  ) {
    if (!Number.isFinite(value)) throw new Error(`TID 300 "${name.meaning}": ${value} is not a finite number`);
  }
  item(): ContentItem {
    const mods = this.method ? [codeContent('HAS CONCEPT MOD', MEASUREMENT.measurementMethod, this.method)] : [];
    return num('CONTAINS', this.name, this.value, this.unit, mods);
  }
}

/** A CODE or TEXT evaluation (TID 1500 / 1411 qualitative evaluations). */
export type QualitativeEvaluation = { name: Code; code: Code } | { name: Code; text: string };

function evaluationItem(q: QualitativeEvaluation): ContentItem {
  return 'code' in q ? codeContent('CONTAINS', q.name, q.code) : text('CONTAINS', q.name, q.text);
}

interface GroupCommon {
  trackingIdentifier: string;
  trackingUid: string;
  finding: Code;
  findingSite: Code;
  measurements: Measurement[];
  evaluations?: QualitativeEvaluation[];
}

function checkGroup(g: GroupCommon, tid: string): void {
  if (!g.trackingIdentifier.trim()) throw new Error(`${tid}: Tracking Identifier (DCM 112039) is required`);
  assertUid(g.trackingUid, `${tid} Tracking Unique Identifier (DCM 112040)`);
}

/** One planar region (TID 1411 row 5 "Image Region"): a closed outline on one CT image. */
export interface PlanarRegion {
  graphicType: 'POLYLINE' | 'POINT' | 'CIRCLE' | 'ELLIPSE' | 'MULTIPOINT';
  /** Column/row pairs in image pixel coordinates (PS3.3 C.18.6.1.1: (0,0) is the top left corner). */
  points: number[];
  image: ImageReference;
}

/**
 * The Measurement Group container shared by TID 1411 and TID 1501: tracking identifier and UID,
 * finding, the volume's definition (TID 1411 only), finding site, measurements, evaluations.
 */
function measurementGroupItem(g: GroupCommon, roi: ContentItem[]): ContentItem {
  return container(
    'CONTAINS',
    SR.measurementGroup,
    [
      text('HAS OBS CONTEXT', SR.trackingIdentifier, g.trackingIdentifier),
      uidref('HAS OBS CONTEXT', SR.trackingUid, g.trackingUid),
      codeContent('CONTAINS', SR.finding, g.finding),
      ...roi,
      // SRT form of Finding Site: see SR.findingSiteSrt (what OHIF's SR viewport prints).
      codeContent('HAS CONCEPT MOD', SR.findingSiteSrt, g.findingSite),
      ...g.measurements.map((m) => m.item()),
      ...(g.evaluations ?? []).map(evaluationItem),
    ],
    { continuity: 'SEPARATE' },
  );
}

/**
 * TID 1411 Volumetric ROI Measurements and Qualitative Evaluations. The volume is defined by
 * exactly one of (TID 1411 rows 5 / 7): a SEG segment ("Referenced Segment"), or a set of
 * planar regions, one or more per image ("Image Region"). Viewers such as OHIF draw the
 * planar regions on the CT; the segment form links the group to the SEG.
 */
export class VolumetricRoiMeasurements {
  constructor(
    readonly g: GroupCommon &
      (
        | { segment: ImageReference & { segmentNumbers: number[] }; sourceSeriesUid: string; regions?: undefined }
        | { regions: PlanarRegion[]; segment?: undefined; sourceSeriesUid?: undefined }
      ),
  ) {
    checkGroup(g, 'TID 1411');
    if (g.segment && g.regions) throw new Error('TID 1411: give a Referenced Segment or Image Regions, not both');
    if (g.segment) {
      const nums = g.segment.segmentNumbers;
      if (nums.length === 0 || nums.some((n) => !Number.isInteger(n) || n < 1)) {
        throw new Error('TID 1411: Referenced Segment needs segment numbers >= 1');
      }
      assertReferencedUid(g.sourceSeriesUid!, 'TID 1411 source series');
    } else if (!g.regions || g.regions.length === 0) {
      throw new Error('TID 1411: the volume needs a Referenced Segment or at least one Image Region');
    }
  }
  item(): ContentItem {
    const g = this.g;
    const roi: ContentItem[] = g.segment
      ? [image('CONTAINS', SR.referencedSegment, g.segment), uidref('CONTAINS', SR.sourceSeriesForSegmentation, g.sourceSeriesUid!)]
      : g.regions!.map((r) => scoord('CONTAINS', SR.imageRegion, r.graphicType, r.points, r.image));
    return measurementGroupItem(g, roi);
  }
}

/** TID 1501 Measurement and Qualitative Evaluation Group: measurements not tied to one segment (totals). */
export class MeasurementGroup {
  constructor(readonly g: GroupCommon) {
    checkGroup(g, 'TID 1501');
  }
  item(): ContentItem {
    return measurementGroupItem(this.g, []);
  }
}

/** TID 1600 Image Library: the CT slices the report refers to. */
export class ImageLibrary {
  constructor(readonly images: ImageReference[]) {}
  item(): ContentItem {
    const group = container('CONTAINS', SR.imageLibraryGroup, this.images.map((r) => image('CONTAINS', null, r)));
    return container('CONTAINS', SR.imageLibrary, this.images.length > 0 ? [group] : []);
  }
}

/** TID 1500 Measurement Report: the root OHIF's SR viewport reads (docs/dicom-objects.md §2.2). */
export class MeasurementReport {
  constructor(
    readonly r: {
      observers: ContentItem[];
      procedureReported: Code;
      imageLibrary: ImageLibrary;
      groups: (VolumetricRoiMeasurements | MeasurementGroup)[];
      /** TID 4019 at the Imaging Measurements level: applies to every group. */
      algorithm: AlgorithmIdentification;
      evaluations: QualitativeEvaluation[];
      language?: Code;
    },
  ) {
    if (r.observers.length === 0) throw new Error('TID 1500: an observer context is required');
    // Groups may share a Tracking UID only when they describe the same finding (same identifier).
    const idOfUid = new Map<string, string>();
    for (const gr of r.groups) {
      const seen = idOfUid.get(gr.g.trackingUid);
      if (seen !== undefined && seen !== gr.g.trackingIdentifier) {
        throw new Error(`TID 1500: Tracking UID ${gr.g.trackingUid} is used for two findings ("${seen}", "${gr.g.trackingIdentifier}")`);
      }
      idOfUid.set(gr.g.trackingUid, gr.g.trackingIdentifier);
    }
  }
  /** The root CONTAINER's attributes (SR Document Content module). */
  content(): Record<string, unknown> {
    const r = this.r;
    const children: ContentItem[] = [
      languageOfContent(r.language),
      ...r.observers,
      codeContent('HAS CONCEPT MOD', SR.procedureReported, r.procedureReported),
      r.imageLibrary.item(),
      container('CONTAINS', SR.imagingMeasurements, [...r.algorithm.items(), ...r.groups.map((g) => g.item())]),
    ];
    // TID 1500 rows 13 (CODE) then 14 (TEXT): coded evaluations come first.
    const ordered = [...r.evaluations.filter((q) => 'code' in q), ...r.evaluations.filter((q) => !('code' in q))];
    if (ordered.length > 0) children.push(container('CONTAINS', SR.qualitativeEvaluations, ordered.map(evaluationItem)));
    const root = container('CONTAINS', SR.imagingMeasurementReport, children, { continuity: 'SEPARATE', templateId: '1500' });
    const { RelationshipType: _omit, ...rootAttrs } = root.dataset as Record<string, unknown>;
    return rootAttrs;
  }
}
