/**
 * The screening queue's pure decisions (core/screening): which series are fit from headers alone,
 * one series per study, when a stored result makes a job unnecessary, and stable job ids.
 */
import { describe, expect, it } from 'vitest';
import { generatePhantom } from '../../core/phantom/index';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { readPart10 } from '../../core/dicom/part10';
import type { NaturalDataset } from '../../core/dicom/dataset';
import { assessSeries, choosePerStudy, type SeriesAssessment } from '../../core/screening/eligibility';
import { alreadyScored, screeningJobId, screeningMaker } from '../../core/screening/current';
import type { CalciumReport } from '../../core/encode/readback';

function headers(opts: Parameters<typeof generatePhantom>[0] = {}, edit?: (ds: NaturalDataset, k: number) => void): NaturalDataset[] {
  const { volume } = generatePhantom({ size: 32, seed: 5, ...opts });
  return writeCtSeries(volume).map((bytes, k) => {
    const ds = readPart10(bytes) as NaturalDataset;
    delete (ds as Record<string, unknown>).PixelData;
    edit?.(ds, k);
    return ds;
  });
}

describe('assessSeries', () => {
  it('takes a non-contrast axial 3 mm series', () => {
    const a = assessSeries(headers());
    expect(a.unfit).toBeNull();
    expect(a.thicknessMm).toBe(3);
    expect(a.slices).toBe(48);
  });

  it('gives each unfit series one reason', () => {
    expect(assessSeries(headers({}, (ds) => (ds.ContrastBolusAgent = 'Iohexol'))).unfit).toMatch(/contrast agent in the header \(Iohexol\)/);
    expect(assessSeries(headers({}, (ds) => Object.assign(ds, { SeriesDescription: 'CTA coronary 75%', ProtocolName: 'Cardiac CTA' }))).unfit).toMatch(/described as contrast-enhanced/);
    expect(assessSeries(headers({}, (ds) => Object.assign(ds, { SeriesDescription: 'Chest non-contrast 3mm', ProtocolName: 'Routine chest' }))).unfit).toBeNull();
    expect(assessSeries(headers({ sliceThicknessMm: 8, sliceIncrementMm: 8, slices: 20 })).unfit).toMatch(/8 mm thick, over the 5 mm limit/);
    expect(assessSeries(headers().slice(0, 12)).unfit).toMatch(/covers 36 mm, under the 60 mm/);
    expect(assessSeries(headers({}, (ds) => (ds.ImageType = ['ORIGINAL', 'PRIMARY', 'LOCALIZER']))).unfit).toBe('localizer');
    expect(assessSeries(headers({}, (ds) => (ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]))).unfit).toMatch(/not axial/);
    const gap = headers().filter((_d, k) => k !== 20);
    expect(assessSeries(gap).unfit).toMatch(/missing|gap/i);
  });

  it('takes site limits', () => {
    expect(assessSeries(headers({ sliceThicknessMm: 8, sliceIncrementMm: 8, slices: 20 }), { maxThicknessMm: 10, minCoverageMm: 60 }).unfit).toBeNull();
  });
});

describe('choosePerStudy', () => {
  const fit = (series: string, thicknessMm: number, kernel: string | null = 'B30f', slices = 100): SeriesAssessment => ({
    seriesInstanceUid: series,
    studyInstanceUid: 'S',
    seriesDescription: null,
    studyDate: null,
    seriesTime: null,
    slices,
    thicknessMm,
    kernel,
    unfit: null,
  });

  it('scores the series closest to 3 mm with a soft kernel, and says so for the others', () => {
    const out = choosePerStudy([fit('thin', 1), fit('sharp', 3, 'B70f'), fit('soft', 3), fit('thick', 5)]);
    expect(out.map((a) => a.unfit === null)).toEqual([false, false, true, false]);
    expect(out[0].unfit).toMatch(/series soft .* is scored instead: one calcium report per study/);
  });
});

describe('alreadyScored and job ids', () => {
  const rules = screeningMaker({ name: 'cac-rules', version: '2.0.0' });
  const report = (over: Partial<CalciumReport>): CalciumReport =>
    ({
      sopInstanceUid: '1.2.3',
      version: 1,
      contentDateTime: '20261207120000',
      predecessors: [],
      reviewed: false,
      sourceSeriesUid: '9.9',
      algorithm: { name: 'cac-rules', version: '2.0.0' },
      settingsParameters: [...rules.parameters, 'Mass calibration factor (mg HA/cm3/HU): none'],
      ...over,
    }) as CalciumReport;

  it('no job over a reviewed result or one from the same labeller and settings; a job over an older labeller', () => {
    expect(alreadyScored([], rules)).toBeNull();
    expect(alreadyScored([report({})], rules)).toMatch(/came from cac-rules 2.0.0 with the same settings/);
    expect(alreadyScored([report({ reviewed: true, algorithm: { name: 'cac-rules', version: '1.0.0' } })], rules)).toMatch(/reviewed by a reader/);
    expect(alreadyScored([report({ algorithm: { name: 'cac-rules', version: '1.0.0' } })], rules)).toBeNull();
    expect(alreadyScored([report({ settingsParameters: ['Threshold (HU, inclusive): 100'] })], rules)).toBeNull();
  });

  it('job ids are stable per series and maker', () => {
    expect(screeningJobId('1.2', rules)).toBe(screeningJobId('1.2', screeningMaker({ name: 'cac-rules', version: '2.0.0' })));
    expect(screeningJobId('1.2', rules)).not.toBe(screeningJobId('1.2', screeningMaker({ name: 'cac-rules', version: '2.0.0' }, { thresholdHu: 100 })));
    expect(screeningJobId('1.2', rules)).not.toBe(screeningJobId('1.3', rules));
    expect(screeningJobId('1.2', rules)).toMatch(/^1\.2-[0-9a-f]{8}$/);
  });
});
