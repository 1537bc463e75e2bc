/**
 * DICOM Segmentation of the scored calcium (SPEC 2.3): one segment per artery with calcium,
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
import { arteryVoxels, type ComponentLabels, type LesionSetLike } from './arteries';
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

export type SegmentationType = 'BINARY' | 'LABELMAP';

/** Display colours per artery (sRGB); also used by the PDF key images. */
export const ARTERY_RGB: Readonly<Record<Artery, [number, number, number]>> = Object.freeze({
  LM: [245, 158, 11],
  LAD: [220, 38, 38],
  LCX: [37, 99, 235],
  RCA: [22, 163, 74],
});

export interface EncodedSegment {
  artery: Artery;
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

/** Algorithm identification (PS3.3 C.8.20.2 / Segment Description macro). */
function algorithmIdentification(result: ScoringResult): { family: Code; name: string; version: string } {
  if (result.model) return { family: ALGORITHM_FAMILY.artificialIntelligence, name: result.model.name, version: result.model.version };
  return { family: ALGORITHM_FAMILY.thresholding, name: PRODUCT.algorithmName, version: PRODUCT.softwareVersion };
}

/** sRGB (0..255) to DICOM scaled CIELab (PS3.3 C.10.7.1.1; D65). */
export function rgbToDicomLab([r, g, b]: [number, number, number]): [number, number, number] {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const R = lin(r), G = lin(g), B = lin(b);
  const X = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const Y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const Z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (t * 24389) / 27 / 116 + 16 / 116);
  const L = 116 * f(Y) - 16;
  const a = 500 * (f(X) - f(Y));
  const bb = 200 * (f(Y) - f(Z));
  const clamp = (v: number) => Math.max(0, Math.min(65535, Math.round(v)));
  return [clamp((L * 65535) / 100), clamp(((a + 128) * 65535) / 255), clamp(((bb + 128) * 65535) / 255)];
}

/**
 * Encode the SEG. Returns null when no artery has calcium: a SEG needs at least one segment
 * and one frame (PS3.3 C.8.20.2), so a zero score is reported by the SR and PDF alone.
 */
export function encodeSeg(input: SegInput, opts: SegOptions): EncodedSeg | null {
  const type = opts.type ?? 'BINARY';
  const g: VolumeGeometry = input.lesionSet.geometry;
  const perArtery = arteryVoxels(input.lesionSet, input.labels);
  if (perArtery.length === 0) return null;
  if (g.instances.length !== g.slices || g.imagePositionsMm.length !== g.slices) {
    throw new Error(`encodeSeg: geometry lists ${g.instances.length} instances and ${g.imagePositionsMm.length} positions for ${g.slices} slices`);
  }
  const alg = algorithmIdentification(input.result);
  const algorithmType = input.result.reviewed ? 'SEMIAUTOMATIC' : 'AUTOMATIC';
  const segments: EncodedSegment[] = perArtery.map((a, i) => ({
    artery: a.artery,
    segmentNumber: i + 1,
    label: segmentLabel(a.artery),
    trackingId: `${a.artery} coronary calcium`,
    trackingUid: newUid(),
    voxelCount: a.voxelCount,
    slices: [...a.slices.keys()],
  }));

  const segmentSequence = segments.map((s) => ({
    SegmentNumber: s.segmentNumber,
    SegmentLabel: s.label,
    SegmentDescription: `Calcified plaque assigned to the ${ARTERY_CODES[s.artery].meaning.toLowerCase()}`,
    SegmentAlgorithmType: algorithmType,
    SegmentAlgorithmName: alg.name,
    SegmentationAlgorithmIdentificationSequence: [
      { AlgorithmFamilyCodeSequence: [codeItem(alg.family)], AlgorithmName: alg.name, AlgorithmVersion: alg.version },
    ],
    SegmentedPropertyCategoryCodeSequence: [codeItem(SEGMENT.category)],
    SegmentedPropertyTypeCodeSequence: [codeItem(SEGMENT.type)],
    AnatomicRegionSequence: [codeItem(ARTERY_CODES[s.artery])],
    RecommendedDisplayCIELabValue: rgbToDicomLab(ARTERY_RGB[s.artery]),
    TrackingID: s.trackingId,
    TrackingUID: s.trackingUid,
  }));

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
