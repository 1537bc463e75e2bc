/**
 * DICOM Segmentation of the scored calcium (docs/dicom-objects.md §2.3): one segment per artery with calcium,
 * BINARY (SOP class 1.2.840.10008.5.1.4.1.1.66.4) by default, LABELMAP (…66.7, DICOM 2024d)
 * as an option. Only frames that hold lesion voxels are encoded; each frame references the CT
 * slice it was derived from, and the SEG shares the CT's Frame of Reference.
 */
import type { Artery, ScoringResult, VolumeGeometry } from '../types';
import {
  ALGORITHM_FAMILY,
  ARTERY_CODES,
  DERIVATION,
  SEGMENT,
  SOP_CLASS,
  codeItem,
  type Code,
} from '../dicom/codes';
import { labelGroups, type ComponentLabels, type LabelOrigin, type LesionSetLike } from './arteries';
import {
  PRODUCT,
  SERIES,
  contentDateTime,
  equipmentModule,
  patientStudyModules,
  referencedSeriesItem,
  seriesDescription,
  type WriteContext,
} from './common';
import { ds, newUid, writePart10, type Dataset } from './dicom-io';
import { LABEL_RGB, labelDicomLab, rgbToDicomLab, type Rgb } from '../palette';

export type SegmentationType = 'BINARY' | 'LABELMAP';

/** Display colours per artery (sRGB): the core palette's (core/palette.ts), kept under this name for callers. */
export const ARTERY_RGB: Readonly<Record<Artery, Rgb>> = Object.freeze({
  LM: LABEL_RGB.LM,
  LAD: LABEL_RGB.LAD,
  LCX: LABEL_RGB.LCX,
  RCA: LABEL_RGB.RCA,
});
export { rgbToDicomLab };

/**
 * The label of the segment that holds the calcium a reader (or the model) excluded as
 * non-coronary (docs/dicom-objects.md §2.3): stored so a reopened result restores every decision, never counted.
 */
export const EXCLUDED_SEGMENT_LABEL = 'Excluded (non-coronary)';
/** Appended to the label of a segment that holds a model's unconfirmed proposals. */
export const AUTOMATIC_SUFFIX = ' (automatic)';
/** ... and of one that holds its unconfirmed proposals of low confidence (to check first). */
export const AUTOMATIC_CHECK_SUFFIX = ' (automatic, check)';
/** The label suffix of each origin. */
export const ORIGIN_SUFFIX: Readonly<Record<LabelOrigin, string>> = Object.freeze({ reader: '', auto: AUTOMATIC_SUFFIX, 'auto-check': AUTOMATIC_CHECK_SUFFIX });

export interface EncodedSegment {
  /** The artery, or null for an excluded (non-coronary) segment. */
  artery: Artery | null;
  /** Who set these labels: a person, or a model whose proposals nobody has confirmed yet. */
  origin: LabelOrigin;
  segmentNumber: number;
  label: string;
  trackingId: string;
  trackingUid: string;
  voxelCount: number;
  /** Slice indices k with voxels of this segment. */
  slices: number[];
}

export interface EncodedSeg {
  kind: 'SEG';
  bytes: Uint8Array;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  segmentationType: SegmentationType;
  segments: EncodedSegment[];
  frameCount: number;
}

export interface SegOptions {
  type?: SegmentationType;
  ctx: WriteContext;
  /** The reader who edited the assignment (Content Creator's Name), when known. */
  creatorName?: string | null;
}

export interface SegInput {
  result: ScoringResult;
  lesionSet: LesionSetLike;
  labels: ComponentLabels;
}

/** The segment label a radiologist sees in the viewer's segment list. */
export function segmentLabel(artery: Artery): string {
  return `${artery} calcium`;
}

/**
 * Algorithm identification (PS3.3 C.8.20.2 / Segment Description macro), per segment: a
 * model's unconfirmed proposals are AUTOMATIC, identified by the model (artificial
 * intelligence family); labels a person set or confirmed are SEMIAUTOMATIC, identified by the
 * thresholding that outlined them. A reopened result reads the origin back from these two
 * attributes (core/encode/readback.ts restoreAssignment).
 */
function algorithmIdentification(result: ScoringResult, origin: LabelOrigin): { type: 'AUTOMATIC' | 'SEMIAUTOMATIC'; family: Code; name: string; version: string } {
  if (origin !== 'reader') {
    const model = result.model ?? { name: 'automatic labeller', version: 'unknown' };
    return { type: 'AUTOMATIC', family: ALGORITHM_FAMILY.artificialIntelligence, name: model.name, version: model.version };
  }
  return { type: 'SEMIAUTOMATIC', family: ALGORITHM_FAMILY.thresholding, name: PRODUCT.algorithmName, version: PRODUCT.softwareVersion };
}

/**
 * Encode the SEG: one segment per artery with calcium, then one "Excluded (non-coronary)"
 * segment with every excluded candidate. Labels a model proposed and no reader confirmed go in
 * segments of their own ("LAD calcium (automatic)", AUTOMATIC), after the reader's, so that a
 * result saved in review reopens with exactly the labels still to confirm. Returns null when nothing is on an artery or excluded:
 * a SEG needs at least one segment and one frame (PS3.3 C.8.20.2), so such a result is reported
 * by the SR and PDF alone. Candidates still to review are in no segment.
 */
export function encodeSeg(input: SegInput, opts: SegOptions): EncodedSeg | null {
  const type = opts.type ?? 'BINARY';
  const g: VolumeGeometry = input.lesionSet.geometry;
  const perArtery = labelGroups(input.lesionSet, input.labels).map((gr) => ({ ...gr, artery: gr.label === 'OTHER' ? null : gr.label }));
  if (perArtery.length === 0) return null;
  if (g.instances.length !== g.slices || g.imagePositionsMm.length !== g.slices) {
    throw new Error(`encodeSeg: geometry lists ${g.instances.length} instances and ${g.imagePositionsMm.length} positions for ${g.slices} slices`);
  }
  const segments: EncodedSegment[] = perArtery.map((a, i) => {
    const suffix = ORIGIN_SUFFIX[a.origin];
    return {
      artery: a.artery,
      origin: a.origin,
      segmentNumber: i + 1,
      label: (a.artery ? segmentLabel(a.artery) : EXCLUDED_SEGMENT_LABEL) + suffix,
      trackingId: (a.artery ? `${a.artery} coronary calcium` : 'Excluded calcium (non-coronary)') + suffix,
      trackingUid: newUid(),
      voxelCount: a.voxelCount,
      slices: [...a.slices.keys()],
    };
  });

  const segmentSequence = segments.map((s) => {
    const alg = algorithmIdentification(input.result, s.origin);
    return {
      SegmentNumber: s.segmentNumber,
      SegmentLabel: s.label,
      SegmentDescription:
        (s.artery
          ? `Calcified plaque assigned to the ${ARTERY_CODES[s.artery].meaning.toLowerCase()}`
          : 'Calcification judged non-coronary (aortic wall, valves, bone, noise): excluded from the score') +
        (s.origin === 'reader' ? '' : '; proposed by the automatic labeller, not yet confirmed by a reader') +
        (s.origin === 'auto-check' ? ' (low confidence: check first)' : ''),
      SegmentAlgorithmType: alg.type,
      SegmentAlgorithmName: alg.name,
      SegmentationAlgorithmIdentificationSequence: [
        { AlgorithmFamilyCodeSequence: [codeItem(alg.family)], AlgorithmName: alg.name, AlgorithmVersion: alg.version },
      ],
      SegmentedPropertyCategoryCodeSequence: [codeItem(SEGMENT.category)],
      SegmentedPropertyTypeCodeSequence: [codeItem(SEGMENT.type)],
      ...(s.artery ? { AnatomicRegionSequence: [codeItem(ARTERY_CODES[s.artery])] } : {}),
      RecommendedDisplayCIELabValue: labelDicomLab(s.artery ?? 'OTHER'),
      TrackingID: s.trackingId,
      TrackingUID: s.trackingUid,
    };
  });

  const sliceSize = g.rows * g.columns;
  type Frame = { k: number; segmentNumber: number | null; pixels: (frame: Uint8Array | Uint16Array) => void };
  const frames: Frame[] = [];
  if (type === 'BINARY') {
    // Frames ordered by segment, then by slice (dimension index order: segment, position).
    perArtery.forEach((a, i) => {
      for (const [k, offs] of a.slices) {
        frames.push({ k, segmentNumber: i + 1, pixels: (f) => offs.forEach((o) => (f[o] = 1)) });
      }
    });
  } else {
    const slices = [...new Set(perArtery.flatMap((a) => [...a.slices.keys()]))].sort((x, y) => x - y);
    for (const k of slices) {
      frames.push({
        k,
        segmentNumber: null,
        pixels: (f) =>
          perArtery.forEach((a, i) => {
            const offs = a.slices.get(k);
            if (offs) offs.forEach((o) => (f[o] = i + 1));
          }),
      });
    }
  }

  let pixelData: Uint8Array;
  let bitsAllocated: number;
  if (type === 'BINARY') {
    // PS3.5 8.1.1: 1-bit frames are packed back to back, first pixel in the least significant bit.
    bitsAllocated = 1;
    const totalBits = frames.length * sliceSize;
    pixelData = new Uint8Array(Math.ceil(totalBits / 8) + (Math.ceil(totalBits / 8) % 2));
    const scratch = new Uint8Array(sliceSize);
    frames.forEach((fr, n) => {
      scratch.fill(0);
      fr.pixels(scratch);
      const base = n * sliceSize;
      for (let p = 0; p < sliceSize; p++) {
        if (scratch[p]) {
          const bit = base + p;
          pixelData[bit >> 3] |= 1 << (bit & 7);
        }
      }
    });
  } else {
    bitsAllocated = segments.length > 255 ? 16 : 8;
    const bytesPerPixel = bitsAllocated / 8;
    pixelData = new Uint8Array(frames.length * sliceSize * bytesPerPixel + ((frames.length * sliceSize * bytesPerPixel) % 2));
    frames.forEach((fr, n) => {
      const view =
        bitsAllocated === 8
          ? pixelData.subarray(n * sliceSize, (n + 1) * sliceSize)
          : new Uint16Array(pixelData.buffer, n * sliceSize * 2, sliceSize);
      fr.pixels(view);
    });
  }

  const framedSlices = [...new Set(frames.map((f) => f.k))].sort((a, b) => a - b);
  const dimensionOrganizationUid = newUid();
  const dimensionIndexSequence: Dataset[] = [];
  if (type === 'BINARY') {
    dimensionIndexSequence.push({
      DimensionOrganizationUID: dimensionOrganizationUid,
      DimensionIndexPointer: 0x0062000b,
      FunctionalGroupPointer: 0x0062000a,
      DimensionDescriptionLabel: 'Segment Number',
    });
  }
  dimensionIndexSequence.push({
    DimensionOrganizationUID: dimensionOrganizationUid,
    DimensionIndexPointer: 0x00200032,
    FunctionalGroupPointer: 0x00209113,
    DimensionDescriptionLabel: 'Image Position Patient',
  });

  const perFrame = frames.map((fr) => {
    const inst = g.instances[fr.k];
    const item: Dataset = {
      DerivationImageSequence: [
        {
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: inst.sopClassUid,
              ReferencedSOPInstanceUID: inst.sopInstanceUid,
              SpatialLocationsPreserved: 'YES',
              PurposeOfReferenceCodeSequence: [codeItem(DERIVATION.sourceImageForProcessing)],
            },
          ],
          DerivationCodeSequence: [codeItem(DERIVATION.segmentation)],
        },
      ],
      FrameContentSequence: [
        { DimensionIndexValues: fr.segmentNumber === null ? [fr.k + 1] : [fr.segmentNumber, fr.k + 1] },
      ],
      PlanePositionSequence: [{ ImagePositionPatient: g.imagePositionsMm[fr.k].map(ds) }],
    };
    if (fr.segmentNumber !== null) item.SegmentIdentificationSequence = [{ ReferencedSegmentNumber: fr.segmentNumber }];
    return item;
  });

  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const sopClassUid = type === 'BINARY' ? SOP_CLASS.segmentation : SOP_CLASS.labelmapSegmentation;
  const facts = g.facts;
  const dataset: Dataset = {
    ...patientStudyModules(g.source),
    ...equipmentModule(),
    ...contentDateTime(opts.ctx),
    SOPClassUID: sopClassUid,
    SOPInstanceUID: sopInstanceUid,
    ImageType: ['DERIVED', 'PRIMARY'],
    Modality: 'SEG',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: SERIES.segNumberBase + opts.ctx.version,
    SeriesDescription: seriesDescription('SEG', opts.ctx.version),
    InstanceNumber: 1,
    FrameOfReferenceUID: g.source.frameOfReferenceUid ?? newUid(),
    PositionReferenceIndicator: '',
    ReferencedSeriesSequence: [referencedSeriesItem(g, framedSlices)],
    ContentLabel: 'CALCIUM',
    ContentDescription: `Coronary calcium by artery, report v${opts.ctx.version}`,
    ContentCreatorName: input.result.reviewed && opts.creatorName ? opts.creatorName : '',
    SegmentationType: type,
    SegmentSequence: segmentSequence,
    SegmentsOverlap: 'NO',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: g.rows,
    Columns: g.columns,
    BitsAllocated: bitsAllocated,
    BitsStored: bitsAllocated,
    HighBit: bitsAllocated - 1,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: frames.length,
    DimensionOrganizationType: '3D',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: dimensionIndexSequence,
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: [...g.rowCosines, ...g.columnCosines].map(ds) }],
        PixelMeasuresSequence: [
          {
            PixelSpacing: [ds(g.rowSpacingMm), ds(g.columnSpacingMm)],
            SliceThickness: ds(facts.sliceThicknessMm ?? g.sliceIncrementMm),
            SpacingBetweenSlices: ds(g.sliceIncrementMm),
          },
        ],
      },
    ],
    PerFrameFunctionalGroupsSequence: perFrame,
    PixelData: [pixelData.buffer.slice(pixelData.byteOffset, pixelData.byteOffset + pixelData.byteLength)],
    _vrMap: { PixelData: type === 'BINARY' || bitsAllocated === 8 ? 'OB' : 'OW' },
  };
  return {
    kind: 'SEG',
    bytes: writePart10(dataset),
    sopClassUid,
    sopInstanceUid,
    seriesInstanceUid,
    segmentationType: type,
    segments,
    frameCount: frames.length,
  };
}
