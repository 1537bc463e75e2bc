/**
 * Encoding a scoring result into DICOM objects for the archive (docs/dicom-objects.md): SEG (calcium per
 * artery), SR (TID 1500 measurement report referencing the SEG) and the Encapsulated PDF
 * summary, plus the sentence for the radiologist's report.
 *
 * Pure: nothing here talks to an archive. Storing is core/store: encodeAndStore (encode and
 * store as a given version) and saveToArchive (continue the study's version chain, store
 * nothing when the result is unchanged).
 */
import type { CtVolume, ScoringResult } from '../types';
import type { ComponentLabels, LesionSetLike } from './arteries';
import type { WriteContext } from './common';
import { encodePdf, type EncodedPdf } from './pdf';
import { encodeSeg, type EncodedSeg, type SegmentationType } from './seg';
import { encodeSr, type EncodedSr, type PredecessorRef } from './sr';
import { reportText } from './report-text';
import { sourceUidWarning } from '../dicom/uid';
import type { PriorComparison } from '../prior';

export { encodeSeg, segmentLabel, ARTERY_RGB, type EncodedSeg, type SegmentationType } from './seg';
export { encodeSr, settingsParameters, TOTAL_TRACKING_ID, type EncodedSr, type PredecessorRef } from './sr';
export { encodePdf, buildSummaryPdf, type EncodedPdf } from './pdf';
export { reportText } from './report-text';
export { keyImages } from './key-images';
export { encodePngRgb } from './png';
export { readPart10, writePart10, newUid } from './dicom-io';

export type EncodedObject = EncodedSeg | EncodedSr | EncodedPdf;

export interface EncodeInput {
  result: ScoringResult;
  lesionSet: LesionSetLike;
  /** The current labels (core/scoring Assignment). */
  assignment: ComponentLabels;
  /** The CT (voxels needed for the PDF's key images). */
  volume: CtVolume;
  /** The comparison with a prior study of the patient, when one was made (core/prior.ts): SR, PDF, report text. */
  prior?: PriorComparison | null;
}

export interface EncodeOptions {
  segmentationType?: SegmentationType;
  /** 1 for a first report; a correction is predecessor's version + 1. */
  version?: number;
  predecessor?: PredecessorRef | null;
  reviewerName?: string | null;
  verifier?: { name: string; organization: string } | null;
  /** Outline groups for the artery and total findings in the SR (default true: what stock OHIF draws). */
  outlines?: boolean;
  /** Also one SR group per lesion (default false). */
  lesionGroups?: boolean;
  /** Leave the PDF out (e.g. a fast re-save from the viewer). */
  pdf?: boolean;
  now?: Date;
}

export interface EncodedResult {
  seg: EncodedSeg | null;
  sr: EncodedSr;
  pdf: EncodedPdf | null;
  reportText: string;
  /** In store order: SEG, then SR (which references the SEG), then PDF. */
  all: EncodedObject[];
  /** What the reader should know about the stored objects (e.g. source UIDs that break the rules, copied unchanged). */
  warnings: string[];
}

export async function encodeResult(input: EncodeInput, opts: EncodeOptions = {}): Promise<EncodedResult> {
  const ctx: WriteContext = { now: opts.now ?? new Date(), version: opts.version ?? 1 };
  if (!Number.isInteger(ctx.version) || ctx.version < 1) throw new Error(`Report version must be a whole number >= 1 (got ${opts.version}).`);
  if (ctx.version > 1 && !opts.predecessor) {
    throw new Error(`Report version ${ctx.version} needs the predecessor it corrects (PredecessorDocumentsSequence).`);
  }
  const seg = encodeSeg({ result: input.result, lesionSet: input.lesionSet, labels: input.assignment }, { type: opts.segmentationType, ctx, creatorName: opts.reviewerName });
  const sr = encodeSr(
    { result: input.result, geometry: input.lesionSet.geometry, seg, lesionSet: opts.outlines === false ? null : input.lesionSet, lesionGroups: opts.lesionGroups ?? false, prior: input.prior ?? null },
    { ctx, predecessor: opts.predecessor, reviewerName: opts.reviewerName, verifier: opts.verifier },
  );
  const pdf = opts.pdf === false ? null : await encodePdf({ result: input.result, volume: input.volume, lesionSet: input.lesionSet, prior: input.prior ?? null }, { ctx });
  const all: EncodedObject[] = [];
  if (seg) all.push(seg);
  all.push(sr);
  if (pdf) all.push(pdf);
  const uidWarning = sourceUidWarning(input.lesionSet.geometry);
  return { seg, sr, pdf, reportText: reportText(input.result, input.prior ?? null), all, warnings: uidWarning ? [uidWarning] : [] };
}
