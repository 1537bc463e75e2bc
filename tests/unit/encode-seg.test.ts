import { describe, expect, it } from 'vitest';
import { encodeSeg } from '../../core/encode/seg';
import { readCalciumSeg } from '../../core/encode/readback';
import { readPart10 } from '../../core/encode/dicom-io';
import { ARTERY_CODES, SEGMENT, SOP_CLASS } from '../../core/dicom/codes';
import { arteryVoxels } from '../../core/encode/arteries';
import { makeFixture } from '../helpers/encode-fixtures';
import { LABEL_RGB, labelDicomLab, rgbToDicomLab } from '../../core/palette';

const ctx = { now: new Date('2026-11-25T12:00:00Z'), version: 1 };

describe('calcium SEG', () => {
  const f = makeFixture();
  const input = { result: f.result, lesionSet: f.lesionSet, labels: f.assignment };

  it('has one segment per artery with calcium, coded as pathologic calcification in that artery, then the excluded calcium', () => {
    const seg = encodeSeg(input, { ctx })!;
    expect(seg.sopClassUid).toBe(SOP_CLASS.segmentation);
    const ds = readPart10(seg.bytes) as Record<string, any>;
    const segments = ds.SegmentSequence as Record<string, any>[];
    expect(segments.map((s) => s.SegmentLabel)).toEqual(['LM calcium', 'LAD calcium', 'LCX calcium', 'RCA calcium', 'Excluded (non-coronary)']);
    // The excluded segment: same category/type, no coronary anatomy, never counted.
    expect(segments[4].SegmentNumber).toBe(5);
    expect(segments[4].SegmentedPropertyTypeCodeSequence[0].CodeValue).toBe('18115005');
    expect(segments[4].AnatomicRegionSequence).toBeUndefined();
    for (const [n, artery] of (['LM', 'LAD', 'LCX', 'RCA'] as const).entries()) {
      const s = segments[n];
      expect(s.SegmentNumber).toBe(n + 1);
      expect(s.SegmentedPropertyCategoryCodeSequence[0].CodeValue).toBe(SEGMENT.category.value);
      expect(s.SegmentedPropertyTypeCodeSequence[0].CodeValue).toBe('18115005');
      expect(s.AnatomicRegionSequence[0].CodeValue).toBe(ARTERY_CODES[artery].value);
      expect(s.SegmentationAlgorithmIdentificationSequence[0].AlgorithmName).toBeTruthy();
      expect(s.SegmentationAlgorithmIdentificationSequence[0].AlgorithmVersion).toBeTruthy();
    }
    expect(ds.FrameOfReferenceUID).toBe(f.volume.source.frameOfReferenceUid);
    expect(ds.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe(f.volume.source.seriesInstanceUid);
  });

  it('encodes only the slices that hold lesion voxels, each frame referencing its CT slice', () => {
    const seg = encodeSeg(input, { ctx })!;
    const ds = readPart10(seg.bytes) as Record<string, any>;
    // LM on slice 4, LAD on 5-6, LCX on 8, RCA on 9-11, the excluded aortic calcium on 12:
    // 8 frames out of 16 slices.
    expect(ds.NumberOfFrames).toBe(8);
    const perFrame = ds.PerFrameFunctionalGroupsSequence as Record<string, any>[];
    const refs = perFrame.map((fg) => fg.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID);
    const expected = [4, 5, 6, 8, 9, 10, 11, 12].map((k) => f.volume.instances[k].sopInstanceUid);
    expect(refs).toEqual(expected);
    perFrame.forEach((fg, n) => {
      const k = [4, 5, 6, 8, 9, 10, 11, 12][n];
      expect(fg.PlanePositionSequence[0].ImagePositionPatient.map(Number)).toEqual(f.volume.imagePositionsMm[k]);
    });
  });

  it('stores exactly the voxels of each artery (read back voxel by voxel)', () => {
    const expected = arteryVoxels(f.lesionSet, f.assignment);
    for (const type of ['BINARY', 'LABELMAP'] as const) {
      const back = readCalciumSeg(encodeSeg(input, { ctx, type })!.bytes);
      expect(back.segmentationType).toBe(type);
      for (const e of expected) {
        const s = back.segments.find((x) => x.artery === e.artery)!;
        for (const [k, offs] of e.slices) {
          expect([...s.pixelsBySourceInstance.get(f.volume.instances[k].sopInstanceUid)!]).toEqual([...offs]);
        }
        expect(s.pixelsBySourceInstance.size).toBe(e.slices.size);
      }
    }
  });

  it('is SEMIAUTOMATIC once a reader edited the assignment, AUTOMATIC before', () => {
    const reviewed = readPart10(encodeSeg(input, { ctx })!.bytes);
    expect((reviewed.SegmentSequence as any[])[0].SegmentAlgorithmType).toBe('SEMIAUTOMATIC');
    const auto = makeFixture({ reviewed: false });
    expect(auto.result.reviewed).toBe(false);
    const ds: Record<string, any> = readPart10(encodeSeg({ result: auto.result, lesionSet: auto.lesionSet, labels: auto.assignment }, { ctx })!.bytes);
    expect((ds.SegmentSequence as any[])[0].SegmentAlgorithmType).toBe('AUTOMATIC');
  });

  it('LABELMAP writes one 8-bit frame per slice with the segment number as pixel value', () => {
    const seg = encodeSeg(input, { ctx, type: 'LABELMAP' })!;
    const ds = readPart10(seg.bytes) as Record<string, any>;
    expect(ds.SOPClassUID).toBe(SOP_CLASS.labelmapSegmentation);
    expect(ds.SegmentationType).toBe('LABELMAP');
    expect(ds.BitsAllocated).toBe(8);
    expect(ds.NumberOfFrames).toBe(8);
  });

  it('recommends the palette colour of each segment (one source of truth with the overlay, panel and PDF)', () => {
    const ds = readPart10(encodeSeg(input, { ctx })!.bytes) as Record<string, any>;
    const labs = (ds.SegmentSequence as Record<string, any>[]).map((s) => s.RecommendedDisplayCIELabValue.map(Number));
    expect(labs).toEqual([labelDicomLab('LM'), labelDicomLab('LAD'), labelDicomLab('LCX'), labelDicomLab('RCA'), labelDicomLab('OTHER')]);
    // The conversion itself: white and black are L* 100 / 0 with neutral a*, b* (PS3.3 C.10.7.1.1 scaling).
    expect(rgbToDicomLab([255, 255, 255])).toEqual([65535, 32896, 32896]);
    expect(rgbToDicomLab([0, 0, 0])).toEqual([0, 32896, 32896]);
    expect(labelDicomLab('LAD')).toEqual(rgbToDicomLab(LABEL_RGB.LAD));
  });

  it('writes no SEG when no artery has calcium (the SR reports the zero)', () => {
    const z = makeFixture({ blobs: [] });
    expect(encodeSeg({ result: z.result, lesionSet: z.lesionSet, labels: z.assignment }, { ctx })).toBeNull();
  });
});
