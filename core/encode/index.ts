/**
 * Encoding a scoring result into DICOM objects for the archive (SPEC 2): SEG (calcium per
 * artery), SR (TID 1500 measurement report referencing the SEG) and the Encapsulated PDF
 * summary, plus the sentence for the radiologist's report.
 *
 * Call sequence (CLI --store, the viewer's "Save" command):
 *   const objects = await encodeResult({ result, lesionSet, assignment, volume }, { version, predecessor });
 *   const outcome = await storeResult(objects.all, { url: dicomWebRoot, retries: 3 });
 *   // outcome.pending holds whatever was not stored (Part-10 bytes), to retry or download.
 * or in one call: encodeAndStore(input, encodeOptions, storeOptions).
 */
import type { CtVolume, ScoringResult } from '../types';
import type { ComponentLabels, LesionSetLike } from './arteries';
import type { WriteContext } from './common';
import { encodePdf, type EncodedPdf } from './pdf';
import { encodeSeg, type EncodedSeg, type SegmentationType } from './seg';
import { encodeSr, type EncodedSr, type PredecessorRef } from './sr';
import { reportText } from './report-text';
import { storeResult, type StoreOptions, type StoreOutcome } from '../store/stow';

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
}

export async function encodeResult(input: EncodeInput, opts: EncodeOptions = {}): Promise<EncodedResult> {
  const ctx: WriteContext = { now: opts.now ?? new Date(), version: opts.version ?? 1 };
  if (!Number.isInteger(ctx.version) || ctx.version < 1) throw new Error(`Report version must be a whole number >= 1 (got ${opts.version}).`);
  if (ctx.version > 1 && !opts.predecessor) {
    throw new Error(`Report version ${ctx.version} needs the predecessor it corrects (PredecessorDocumentsSequence).`);
  }
  const seg = encodeSeg({ result: input.result, lesionSet: input.lesionSet, labels: input.assignment }, { type: opts.segmentationType, ctx, creatorName: opts.reviewerName });
  const sr = encodeSr(
    { result: input.result, geometry: input.lesionSet.geometry, seg, lesionSet: opts.outlines === false ? null : input.lesionSet, lesionGroups: opts.lesionGroups ?? false },
    { ctx, predecessor: opts.predecessor, reviewerName: opts.reviewerName, verifier: opts.verifier },
  );
  const pdf = opts.pdf === false ? null : await encodePdf({ result: input.result, volume: input.volume, lesionSet: input.lesionSet }, { ctx });
  const all: EncodedObject[] = [];
  if (seg) all.push(seg);
  all.push(sr);
  if (pdf) all.push(pdf);
  return { seg, sr, pdf, reportText: reportText(input.result), all };
}

/** Encode and store in one call; the outcome says what was stored and keeps what was not. */
export async function encodeAndStore(
  input: EncodeInput,
  encodeOptions: EncodeOptions,
  storeOptions: StoreOptions,
): Promise<{ encoded: EncodedResult; outcome: StoreOutcome }> {
  const encoded = await encodeResult(input, encodeOptions);
  const outcome = await storeResult(encoded.all, storeOptions);
  return { encoded, outcome };
}
