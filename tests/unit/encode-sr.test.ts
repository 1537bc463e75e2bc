import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../core/encode/index';
import { readPart10 } from '../../core/encode/dicom-io';
import { currentReport, readCalciumSr, versionStatuses } from '../../core/encode/readback';
import { reviewStatus } from '../../core/encode/report-text';
import { riskSummary } from '../../core/risk';
import { reportText } from '../../core/encode/report-text';
import { Measurement, MeasurementReport, VolumetricRoiMeasurements, AlgorithmIdentification, ImageLibrary } from '../../core/encode/tid/templates';
import { ARTERY_CODES, SEGMENT, SOP_CLASS } from '../../core/dicom/codes';
import { makeFixture, type Blob } from '../helpers/encode-fixtures';

const now = new Date('2026-11-25T12:00:00Z');
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function srItems(ds: Record<string, any>): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  const walk = (it: Record<string, any>) => {
    out.push(it);
    for (const c of it.ContentSequence ?? []) walk(c);
  };
  walk(ds);
  return out;
}

describe('calcium SR (TID 1500)', () => {
  const f = makeFixture();

  it('reads back the same per-artery and total Agatston, volume, mass and lesion counts', async () => {
    const enc = await encodeResult({ ...f }, { now, pdf: false });
    const r = readCalciumSr(enc.sr.bytes);
    for (const a of ['LM', 'LAD', 'LCX', 'RCA'] as const) {
      expect(r.arteries[a]!.agatston).toBeCloseTo(f.result.arteries[a].agatston, 2);
      expect(r.arteries[a]!.volumeMm3).toBeCloseTo(f.result.arteries[a].volumeMm3, 2);
      expect(r.arteries[a]!.massMg!).toBeCloseTo(f.result.arteries[a].massMg!, 2);
      expect(r.arteries[a]!.lesionCount).toBe(f.result.arteries[a].lesionCount);
    }
    expect(r.total.agatston).toBeCloseTo(f.result.total.agatston, 2);
    expect(r.total.lesionCount).toBe(4);
    expect(r.cacDrs).toBe(f.result.risk.cacDrs);
    expect(r.agatstonCategory).toBe(f.result.risk.agatstonCategory);
    expect(r.guidance).toBe(f.result.risk.guidance);
    expect(r.reviewed).toBe(true);
    expect(r.settingsParameters).toContain('Threshold (HU, inclusive): 130');
    expect(r.settingsParameters.some((p) => p.startsWith('Mass calibration factor') && p.includes('0.743'))).toBe(true);
  });

  it('groups have Tracking Identifier and UID, finding site = the artery, Agatston method, and reference their SEG segment', async () => {
    const enc = await encodeResult({ ...f }, { now, pdf: false });
    const ds = readPart10(enc.sr.bytes) as Record<string, any>;
    expect(ds.SOPClassUID).toBe(SOP_CLASS.comprehensiveSr);
    expect(ds.ConceptNameCodeSequence[0].CodeValue).toBe('126000');
    const meas = ds.ContentSequence.find((c: any) => c.ConceptNameCodeSequence[0].CodeValue === '126010');
    const all = meas.ContentSequence.filter((c: any) => c.ConceptNameCodeSequence[0].CodeValue === '125007');
    // Per artery and for the total: a measurement group referencing the SEG and an outline group
    // with the same Tracking UID (per-lesion groups are optional, off here).
    expect(all).toHaveLength(10);
    const by0 = (g: any, code: string) => g.ContentSequence.find((c: any) => c.ConceptNameCodeSequence[0].CodeValue === code);
    for (let n = 0; n < 10; n += 2) {
      expect(by0(all[n + 1], '112040').UID).toBe(by0(all[n], '112040').UID);
      expect(by0(all[n + 1], '121191')).toBeUndefined();
      expect(all[n + 1].ContentSequence.some((c: any) => c.ValueType === 'SCOORD')).toBe(true);
    }
    const groups = all.filter((_: any, n: number) => n < 10 && n % 2 === 0);
    for (const [n, artery] of (['LM', 'LAD', 'LCX', 'RCA'] as const).entries()) {
      const g = groups[n];
      const by = (code: string) => g.ContentSequence.find((c: any) => c.ConceptNameCodeSequence[0].CodeValue === code);
      expect(by('112039').TextValue).toBe(`${artery} coronary calcium`);
      expect(by('112040').UID).toBe(enc.seg!.segments[n].trackingUid);
      // Finding Site in its SRT form (what OHIF writes; its SR viewport prints an SCT one as "363698007: ...").
      expect(by('363698007')).toBeUndefined();
      expect(by('G-C0E3').ConceptNameCodeSequence[0].CodingSchemeDesignator).toBe('SRT');
      expect(by('G-C0E3').ConceptCodeSequence[0].CodeValue).toBe(ARTERY_CODES[artery].value);
      expect(by('121071').ConceptCodeSequence[0].CodeValue).toBe(SEGMENT.type.value);
      const ref = by('121191').ReferencedSOPSequence[0];
      expect(ref.ReferencedSOPInstanceUID).toBe(enc.seg!.sopInstanceUid);
      expect(ref.ReferencedSegmentNumber).toBe(n + 1);
      const score = by('450360000');
      expect(score.ContentSequence[0].ConceptCodeSequence[0].CodeValue).toBe('112055');
      // OHIF prints "<meaning>: <value> <unit code>": the artery is named in the meaning, the unit is readable.
      expect(score.ConceptNameCodeSequence[0]).toMatchObject({ CodingSchemeDesignator: 'SCT', CodeMeaning: `${artery} Agatston score` });
      expect(score.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0]).toMatchObject({ CodeValue: '{Agatston}', CodingSchemeDesignator: 'UCUM' });
    }
    const items = srItems(ds);
    const lang = items.find((i) => i.ConceptNameCodeSequence?.[0]?.CodeValue === '121049');
    expect(lang!.ConceptCodeSequence[0]).toMatchObject({ CodeValue: 'en-US', CodingSchemeDesignator: 'RFC5646' });
    // Evidence lists the CT slices and the SEG.
    const evidence = ds.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence.map((s: any) => s.SeriesInstanceUID);
    expect(evidence).toEqual([f.volume.source.seriesInstanceUid, enc.seg!.seriesInstanceUid]);
  });

  it('outlines every lesion on its CT slices, largest slice first, with its artery and scores (what OHIF draws)', async () => {
    const enc = await encodeResult({ ...f }, { now, pdf: false, lesionGroups: true });
    const r = readCalciumSr(enc.sr.bytes);
    expect(r.lesions.map((l) => l.trackingId)).toEqual(['LM lesion 1', 'LAD lesion 1', 'LCX lesion 1', 'RCA lesion 1']);
    const rca = r.lesions.find((l) => l.artery === 'RCA')!;
    // The RCA plaque spans slices 9-11 (same size on each): three outlines, on those slices.
    expect(new Set(rca.images)).toEqual(new Set([9, 10, 11].map((k) => f.volume.instances[k].sopInstanceUid)));
    expect(rca.agatston).toBeCloseTo(f.result.arteries.RCA.agatston, 2);
    const ds = readPart10(enc.sr.bytes) as Record<string, any>;
    const meas = ds.ContentSequence.find((c: any) => c.ConceptNameCodeSequence[0].CodeValue === '126010');
    const first = meas.ContentSequence.filter((c: any) => c.ConceptNameCodeSequence[0].CodeValue === '125007')[1];
    const region = first.ContentSequence.find((c: any) => c.ValueType === 'SCOORD');
    expect(region.GraphicType).toBe('POLYLINE');
    // The LM outline group: LM plaque pixels i 44..46, j 20..22 -> box (43,19)-(48,24) with its
    // corners cut by a quarter of its side (1.25 px): 8 vertices, closed.
    expect([...region.GraphicData]).toEqual([44.25, 19, 46.75, 19, 48, 20.25, 48, 22.75, 46.75, 24, 44.25, 24, 43, 22.75, 43, 20.25, 44.25, 19]);
    const off = await encodeResult({ ...f }, { now, pdf: false });
    expect(readCalciumSr(off.sr.bytes).lesions).toEqual([]);
  });

  it('draws no outline that OHIF\'s SR hydrator would take for a measurement of its own', async () => {
    // OHIF 3.13's hydrator (cornerstone adapters) takes an "Image Region" POLYLINE of 4 or 5
    // points for a RectangleROI, or a POINT of 1 or 2 for a Probe, and then shows that shape's
    // pixel statistics (or 0) instead of the scores: docs/dicom-objects.md §2.2.
    const enc = await encodeResult({ ...f }, { now, pdf: false, lesionGroups: true });
    const regions = srItems(readPart10(enc.sr.bytes) as Record<string, any>).filter((i) => i.ValueType === 'SCOORD');
    expect(regions.length).toBeGreaterThan(4);
    for (const r of regions) {
      expect(r.ConceptNameCodeSequence[0]).toMatchObject({ CodeValue: '111030', CodingSchemeDesignator: 'DCM' });
      expect(r.GraphicType).toBe('POLYLINE');
      const n = r.GraphicData.length / 2;
      expect(n).toBe(9);
      // Closed: the last point is the first.
      expect([r.GraphicData[16], r.GraphicData[17]]).toEqual([r.GraphicData[0], r.GraphicData[1]]);
    }
  });

  it('reads a report stored by an earlier version (box outlines, OHIF offered to track it)', () => {
    // Written by this encoder before the outlines became octagons (tests/fixtures/README.md): the
    // archive keeps such reports, and a second reader must still continue from them.
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'calcium-sr-rectangle-outlines.dcm')));
    const boxes = srItems(readPart10(bytes) as Record<string, any>).filter((i) => i.ValueType === 'SCOORD');
    expect(boxes.length).toBeGreaterThan(0);
    for (const b of boxes) expect(b.GraphicData.length / 2).toBe(5);
    const r = readCalciumSr(bytes);
    expect(Object.keys(r.arteries)).toEqual(['LM', 'LAD', 'LCX', 'RCA']);
    expect(r.arteries.LAD).toMatchObject({ agatston: 72, volumeMm3: 54, massMg: 18.055, lesionCount: 1, trackingId: 'LAD coronary calcium' });
    expect(r.arteries.RCA).toMatchObject({ agatston: 90, volumeMm3: 90, massMg: 23.405, lesionCount: 1 });
    expect(r.arteries.LCX).toMatchObject({ agatston: 8, volumeMm3: 12, massMg: 2.229, lesionCount: 1 });
    expect(r.arteries.LM).toMatchObject({ agatston: 2.25, volumeMm3: 6.75, massMg: 0.903, lesionCount: 1 });
    expect(r.total).toEqual({ agatston: 172.25, volumeMm3: 162.75, massMg: 44.591, lesionCount: 4 });
    expect(r.version).toBe(1);
    expect(r.reviewState).toBe('reviewed');
    expect(r.observerName).toBe('Reader^Old');
    expect(r.seg).not.toBeNull();
  });

  it('records warnings, whether a reader reviewed, and the report version', async () => {
    const result = { ...f.result, warnings: ['Slice thickness 2.5 mm differs from 3 mm.', 'Tube voltage 100 kVp.'] };
    const enc = await encodeResult({ ...f, result }, { now, pdf: false });
    const r = readCalciumSr(enc.sr.bytes);
    expect(r.warnings).toEqual(result.warnings);
    expect(r.completionFlag).toBe('COMPLETE');
    expect(r.version).toBe(1);
    expect(r.seriesDescription).toBe('Calcium score v1');
    const auto = makeFixture({ reviewed: false });
    const r2 = readCalciumSr((await encodeResult({ ...auto }, { now, pdf: false })).sr.bytes);
    expect(r2.reviewed).toBe(false);
    expect(r2.completionFlag).toBe('PARTIAL');
  });

  it('a corrected report references its predecessor and is the current version', async () => {
    const v1 = await encodeResult({ ...f }, { now, pdf: false });
    const r1 = readCalciumSr(v1.sr.bytes);
    const v2 = await encodeResult(
      { ...f },
      {
        now: new Date(now.getTime() + 60_000),
        pdf: false,
        version: 2,
        predecessor: { studyInstanceUid: r1.studyInstanceUid, seriesInstanceUid: r1.seriesInstanceUid, sopInstanceUid: r1.sopInstanceUid },
      },
    );
    const r2 = readCalciumSr(v2.sr.bytes);
    expect(r2.predecessors).toEqual([r1.sopInstanceUid]);
    expect(r2.seriesDescription).toBe('Calcium score v2, supersedes v1');
    expect(currentReport([r2, r1])!.sopInstanceUid).toBe(r2.sopInstanceUid);
    expect(versionStatuses([r1, r2]).map((v) => v.label)).toEqual(['version 2 (current)', 'version 1, superseded by version 2']);
    expect(currentReport([r1, r2])!.sopInstanceUid).toBe(r2.sopInstanceUid);
    await expect(encodeResult({ ...f }, { version: 2, pdf: false })).rejects.toThrow(/predecessor/);
  });

  it('a scan with no calcium gives a valid report that says so', async () => {
    const z = makeFixture({ blobs: [] });
    const enc = await encodeResult({ ...z }, { now, pdf: false });
    expect(enc.seg).toBeNull();
    expect(enc.all.map((o) => o.kind)).toEqual(['SR']);
    const r = readCalciumSr(enc.sr.bytes);
    expect(r.total).toMatchObject({ agatston: 0, volumeMm3: 0, lesionCount: 0 });
    expect(Object.keys(r.arteries)).toHaveLength(0);
    expect(r.reportText).toMatch(/No coronary artery calcium detected \(Agatston score 0, CAC-DRS 0\)/);
    expect(reportText(z.result)).toBe(r.reportText);
  });

  it('keeps non-ASCII patient names intact (UTF-8, ISO_IR 192)', async () => {
    const n = makeFixture({ patientName: 'Müller^Zoë=山田^太郎' });
    const enc = await encodeResult({ ...n }, { now, pdf: false });
    for (const o of enc.all) {
      const ds = readPart10(o.bytes) as Record<string, any>;
      expect(ds.SpecificCharacterSet).toBe('ISO_IR 192');
      expect(ds.PatientName[0].Alphabetic).toBe('Müller^Zoë');
      expect(ds.PatientName[0].Ideographic).toBe('山田^太郎');
    }
  });

  it('handles hundreds of lesions', async () => {
    const blobs: Blob[] = [];
    const arteries = ['LM', 'LAD', 'LCX', 'RCA'] as const;
    for (const k of [2, 6, 10]) for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) {
      blobs.push({ label: arteries[(x + y + k) % 4], box: [4 + x * 9, 5 + x * 9, 4 + y * 9, 5 + y * 9, k, k], hu: 300 + x * 10 });
    }
    const many = makeFixture({ blobs });
    expect(many.result.total.lesionCount).toBe(300);
    const enc = await encodeResult({ ...many }, { now });
    const r = readCalciumSr(enc.sr.bytes);
    expect(r.total.lesionCount).toBe(300);
    expect(arteries.reduce((s, a) => s + r.arteries[a]!.lesionCount, 0)).toBe(300);
    expect(enc.seg!.frameCount).toBe(12);
  });
});

describe('SR templates refuse invalid reports when built', () => {
  it('needs a finite number, a tracking identifier, a valid UID and a segment number', () => {
    const unit = { scheme: 'UCUM', value: '1', meaning: 'no units' };
    expect(() => new Measurement(SEGMENT.type, Number.NaN, unit)).toThrow(/finite/);
    const base = {
      trackingIdentifier: 'LAD',
      trackingUid: '2.25.1',
      finding: SEGMENT.type,
      findingSite: ARTERY_CODES.LAD,
      measurements: [],
      segment: { sopClassUid: SOP_CLASS.segmentation, sopInstanceUid: '2.25.2', segmentNumbers: [1] },
      sourceSeriesUid: '2.25.3',
    };
    expect(() => new VolumetricRoiMeasurements({ ...base, trackingIdentifier: ' ' })).toThrow(/Tracking Identifier/);
    expect(() => new VolumetricRoiMeasurements({ ...base, trackingUid: '1.2.abc' })).toThrow(/not a valid DICOM UID/);
    expect(() => new VolumetricRoiMeasurements({ ...base, segment: { ...base.segment, segmentNumbers: [0] } })).toThrow(/segment numbers/);
    const g = new VolumetricRoiMeasurements(base);
    expect(
      () =>
        new MeasurementReport({
          observers: [],
          procedureReported: SEGMENT.type,
          imageLibrary: new ImageLibrary([]),
          groups: [g],
          algorithm: new AlgorithmIdentification('a', '1'),
          evaluations: [],
        }),
    ).toThrow(/observer/);
  });

  it('stores the review state, the counts a second reader continues from, and the MESA inputs', async () => {
    const f = makeFixture();
    const clinical = {
      ageYears: 62, sex: 'female' as const, race: 'black' as const, diabetes: true, currentSmoker: false,
      totalCholesterolMgDl: 210, hdlMgDl: 48, lipidLoweringMedication: false, systolicBpMmHg: 138,
      antihypertensiveMedication: true, familyHistoryOfHeartAttack: true,
    };
    const risk = riskSummary(f.result.total, f.result.arteries, clinical, null);
    const enc = await encodeResult({ ...f, result: { ...f.result, risk } }, { now, pdf: false });
    const r = readCalciumSr(enc.sr.bytes);
    expect(r.reviewState).toBe('reviewed');
    expect(r.pendingCandidates).toBe(0);
    expect(r.excludedCandidates).toBe(1);
    expect(r.clinical).toEqual(clinical);
    expect(r.mesaRisk).toBe(`${risk.mesaTenYearChdRiskPercent!.toFixed(1)} %`);
    // A first click with candidates left is "in review", never "reviewed"; the SR says PARTIAL.
    const partial = makeFixture({ blobs: [{ label: 'LAD', box: [20, 25, 30, 35, 5, 6], hu: 450 }, { label: 'UNASSIGNED', box: [60, 63, 30, 33, 8, 8], hu: 250 }] });
    expect(partial.result.reviewed).toBe(true);
    expect(reviewStatus(partial.result)).toMatchObject({ state: 'in review', pending: 1 });
    const rp = readCalciumSr((await encodeResult({ ...partial }, { now, pdf: false })).sr.bytes);
    expect(rp).toMatchObject({ reviewState: 'in review', pendingCandidates: 1, completionFlag: 'PARTIAL' });
    // Confirmed by the reader: reviewed even with candidates left.
    expect(reviewStatus({ ...partial.result, confirmed: true }).state).toBe('reviewed');
  });

  it('a result whose only calcium was excluded keeps its SEG (excluded segment) and the SR finds it', async () => {
    const only = makeFixture({ blobs: [{ label: 'OTHER', box: [75, 79, 70, 74, 12, 12], hu: 600 }] });
    const enc = await encodeResult({ ...only }, { now, pdf: false });
    expect(enc.seg!.segments.map((s) => [s.artery, s.label])).toEqual([[null, 'Excluded (non-coronary)']]);
    const r = readCalciumSr(enc.sr.bytes);
    expect(r.total.agatston).toBe(0);
    expect(r.seg).toEqual({ sopClassUid: enc.seg!.sopClassUid, sopInstanceUid: enc.seg!.sopInstanceUid });
  });
});
