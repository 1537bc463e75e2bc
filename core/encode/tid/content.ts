/**
 * SR content items (PS3.3 C.17.3): one constructor per value type. Each refuses values the
 * standard forbids (empty text, non-finite numbers, malformed UIDs) when the item is built,
 * not when an archive or validator rejects the document.
 */
import { codeItem, type Code } from '../../dicom/codes';
import { ds, type Dataset } from '../dicom-io';
import { assertReferencedUid, assertUid } from '../../dicom/uid';

export type RelationshipType =
  | 'CONTAINS'
  | 'HAS OBS CONTEXT'
  | 'HAS CONCEPT MOD'
  | 'HAS PROPERTIES'
  | 'HAS ACQ CONTEXT'
  | 'INFERRED FROM'
  | 'SELECTED FROM';

/** A content item with its relationship to its parent. */
export interface ContentItem {
  readonly relationship: RelationshipType;
  readonly dataset: Dataset;
}

// UIDs the product creates must be valid; UIDs it refers to (the source's, or its own objects')
// are copied as they are (core/dicom/uid).
export { assertUid, assertReferencedUid };

function base(relationship: RelationshipType, valueType: string, name: Code | null, children: ContentItem[] = []): Dataset {
  const d: Dataset = { RelationshipType: relationship, ValueType: valueType };
  if (name) d.ConceptNameCodeSequence = [codeItem(name)];
  if (children.length > 0) d.ContentSequence = children.map((c) => c.dataset);
  return d;
}

export function container(
  relationship: RelationshipType,
  name: Code,
  children: ContentItem[],
  opts: { continuity?: 'SEPARATE' | 'CONTINUOUS'; templateId?: string } = {},
): ContentItem {
  const d = base(relationship, 'CONTAINER', name, children);
  d.ContinuityOfContent = opts.continuity ?? 'SEPARATE';
  if (opts.templateId) d.ContentTemplateSequence = [{ MappingResource: 'DCMR', TemplateIdentifier: opts.templateId }];
  return { relationship, dataset: d };
}

export function codeContent(relationship: RelationshipType, name: Code, value: Code, children: ContentItem[] = []): ContentItem {
  const d = base(relationship, 'CODE', name, children);
  d.ConceptCodeSequence = [codeItem(value)];
  return { relationship, dataset: d };
}

export function text(relationship: RelationshipType, name: Code, value: string, children: ContentItem[] = []): ContentItem {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`TEXT "${name.meaning}": empty text is not allowed`);
  const d = base(relationship, 'TEXT', name, children);
  d.TextValue = value;
  return { relationship, dataset: d };
}

export function uidref(relationship: RelationshipType, name: Code, uid: string): ContentItem {
  assertReferencedUid(uid, `UIDREF "${name.meaning}"`);
  const d = base(relationship, 'UIDREF', name);
  d.UID = uid;
  return { relationship, dataset: d };
}

export function pname(relationship: RelationshipType, name: Code, person: string): ContentItem {
  if (!person.trim()) throw new Error(`PNAME "${name.meaning}": empty name`);
  const d = base(relationship, 'PNAME', name);
  d.PersonName = person;
  return { relationship, dataset: d };
}

export function num(relationship: RelationshipType, name: Code, value: number, unit: Code, children: ContentItem[] = []): ContentItem {
  if (!Number.isFinite(value)) throw new Error(`NUM "${name.meaning}": value ${value} is not a finite number`);
  const d = base(relationship, 'NUM', name, children);
  d.MeasuredValueSequence = [{ NumericValue: ds(value), MeasurementUnitsCodeSequence: [codeItem(unit)] }];
  return { relationship, dataset: d };
}

export interface ImageReference {
  sopClassUid: string;
  sopInstanceUid: string;
  frameNumbers?: number[];
  segmentNumbers?: number[];
}

export function image(relationship: RelationshipType, name: Code | null, ref: ImageReference): ContentItem {
  assertReferencedUid(ref.sopClassUid, 'IMAGE SOP class');
  assertReferencedUid(ref.sopInstanceUid, 'IMAGE SOP instance');
  const d = base(relationship, 'IMAGE', name);
  const sop: Dataset = { ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: ref.sopInstanceUid };
  if (ref.frameNumbers?.length) sop.ReferencedFrameNumber = ref.frameNumbers;
  if (ref.segmentNumbers?.length) sop.ReferencedSegmentNumber = ref.segmentNumbers;
  d.ReferencedSOPSequence = [sop];
  return { relationship, dataset: d };
}

/** 2D image coordinates (SCOORD) selected from one image. */
export function scoord(
  relationship: RelationshipType,
  name: Code,
  graphicType: 'POINT' | 'POLYLINE' | 'CIRCLE' | 'ELLIPSE' | 'MULTIPOINT',
  points: number[],
  source: ImageReference,
): ContentItem {
  if (points.length < 2 || points.length % 2 !== 0 || points.some((p) => !Number.isFinite(p))) {
    throw new Error(`SCOORD "${name.meaning}": needs pairs of finite (column, row) values`);
  }
  const d = base(relationship, 'SCOORD', name, [image('SELECTED FROM', null, source)]);
  d.GraphicType = graphicType;
  d.GraphicData = points;
  return { relationship, dataset: d };
}
