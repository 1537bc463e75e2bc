/**
 * Round trip through a real archive: Orthanc (Debian package) on a free loopback port with a
 * temporary storage folder. STOW-RS the CT and the encoded result, then QIDO finds the series,
 * WADO returns the objects, and parsing them back gives the same scores, segments, codes and
 * references; a correction becomes the current version; a second reader restores the labels.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startOrthanc } from '../../scripts/lib/orthanc.mjs';
import { encodeResult } from '../../core/encode/index';
import { readPart10 } from '../../core/encode/dicom-io';
import { storeResult } from '../../core/store/stow';
import { DicomwebClient, loadCalciumResults, nextVersionAfter, restoreFromArchive, jsonValue } from '../../core/store/dicomweb';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { Assignment } from '../../core/scoring/assign';
import { detectLesions } from '../../core/scoring/detect';
import { scoreResult } from '../../core/scoring/score';
import { ARTERY_CODES } from '../../core/dicom/codes';
import { DEFAULT_BLOBS, makeFixture } from '../helpers/encode-fixtures';
import { reviewStatus } from '../../core/encode/report-text';
import { versionStatuses } from '../../core/encode/readback';
import { faultProxy } from '../helpers/fault-proxy';

let orthanc: { url: string; dicomWebUrl: string; stop: () => Promise<void> };
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-store-'));
  orthanc = await startOrthanc({ port: await freePort(), dir });
});
afterAll(async () => {
  await orthanc?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('storing a calcium result in the archive (Orthanc, STOW/QIDO/WADO)', () => {
  const f = makeFixture({ patientName: 'Søren^Kierkegård' });

  it('stores SEG, SR and PDF in that order and reads back the same scores, segments, codes and references', async () => {
    const ct = writeCtSeries(f.volume);
    const ctStore = await storeResult(
      ct.map((bytes, k) => ({ kind: 'CT', bytes, sopInstanceUid: f.volume.instances[k].sopInstanceUid, sopClassUid: f.volume.instances[k].sopClassUid })),
      { url: orthanc.dicomWebUrl },
    );
    expect(ctStore.ok).toBe(true);

    const enc = await encodeResult({ ...f }, { reviewerName: 'Reader^First' });
    const outcome = await storeResult(enc.all, { url: orthanc.dicomWebUrl, retries: 1 });
    expect(outcome.failure).toBeNull();
    expect(outcome.stored.map((s) => s.kind)).toEqual(['SEG', 'SR', 'PDF']);
    expect(outcome.pending).toHaveLength(0);

    const study = f.volume.source.studyInstanceUid;
    const series = await new DicomwebClient({ url: orthanc.dicomWebUrl }).searchForSeries(study);
    const modalities = series.map((s) => jsonValue(s, '00080060')).sort();
    expect(modalities).toEqual(['CT', 'DOC', 'SEG', 'SR']);
    const descriptions = series.map((s) => jsonValue(s, '0008103E'));
    expect(descriptions).toEqual(expect.arrayContaining(['Calcium score v1', 'Calcium segmentation v1', 'Calcium score summary v1']));

    const loaded = await loadCalciumResults({ url: orthanc.dicomWebUrl }, study);
    expect(loaded.reports).toHaveLength(1);
    const r = loaded.current!;
    expect(r.sopInstanceUid).toBe(enc.sr.sopInstanceUid);
    for (const a of ['LM', 'LAD', 'LCX', 'RCA'] as const) {
      expect(r.arteries[a]!.agatston).toBeCloseTo(f.result.arteries[a].agatston, 2);
      expect(r.arteries[a]!.volumeMm3).toBeCloseTo(f.result.arteries[a].volumeMm3, 2);
      expect(r.arteries[a]!.lesionCount).toBe(f.result.arteries[a].lesionCount);
    }
    expect(r.total.agatston).toBeCloseTo(f.result.total.agatston, 2);
    expect(r.seg).toEqual({ sopClassUid: enc.seg!.sopClassUid, sopInstanceUid: enc.seg!.sopInstanceUid });
    expect(r.sourceSeriesUid).toBe(f.volume.source.seriesInstanceUid);
    // One segment per artery, then the excluded calcium's own segment (no artery).
    const arterySegments = loaded.seg!.segments.filter((s) => s.artery !== null);
    expect(arterySegments.map((s) => s.artery)).toEqual(['LM', 'LAD', 'LCX', 'RCA']);
    expect(arterySegments.map((s) => s.trackingUid)).toEqual(['LM', 'LAD', 'LCX', 'RCA'].map((a) => r.arteries[a as 'LM']!.trackingUid));

    // The archive keeps the SEG's codes and the UTF-8 patient name.
    const segDs = readPart10(loaded.seg!.bytes) as Record<string, any>;
    expect(segDs.SegmentSequence[1].AnatomicRegionSequence[0].CodeValue).toBe(ARTERY_CODES.LAD.value);
    expect(segDs.PatientName[0].Alphabetic).toBe('Søren^Kierkegård');

    // The summary page comes back byte for byte.
    const pdfBytes = await new DicomwebClient({ url: orthanc.dicomWebUrl }).retrieveInstance(study, enc.pdf!.seriesInstanceUid, enc.pdf!.sopInstanceUid);
    const pdfDs = readPart10(pdfBytes) as Record<string, any>;
    const doc = new Uint8Array(pdfDs.EncapsulatedDocument[0]).subarray(0, pdfDs.EncapsulatedDocumentLength);
    expect(Buffer.from(doc).equals(Buffer.from(enc.pdf!.pdf))).toBe(true);
  });

  it('read-back reads the SRs from series metadata and retrieves only the one SEG the current report references', async () => {
    const study = f.volume.source.studyInstanceUid;
    const spy = await faultProxy(orthanc.url, () => 'forward');
    try {
      const loaded = await loadCalciumResults({ url: spy.url }, study);
      expect(loaded.current).not.toBeNull();
      const srSeries = loaded.reports.map((r) => r.seriesInstanceUid);
      const gets = spy.requests.filter((r) => r.startsWith('GET '));
      // No SR is retrieved in full: SR series are read through /metadata.
      for (const uid of srSeries) {
        expect(gets.filter((g) => g.includes(`/series/${uid}`)).every((g) => g.includes(`/series/${uid}/metadata`))).toBe(true);
      }
      // Exactly one instance is retrieved: the current report's SEG (the PDF and the CT are not touched).
      const retrieved = gets.filter((g) => /\/instances\/[0-9.]+$/.test(g));
      expect(retrieved).toEqual([expect.stringContaining(`/instances/${loaded.current!.seg!.sopInstanceUid}`)]);
    } finally {
      await spy.close();
    }
  });

  it('an archive whose metadata leaves the SR content tree out: that SR is retrieved in full and still read', async () => {
    const study = f.volume.source.studyInstanceUid;
    const retrieved: string[] = [];
    // Orthanc's own answers, with the Content Sequence (0040,A730) removed from metadata as some archives do.
    const thinMetadata: typeof fetch = async (input, init) => {
      const url = String(input);
      const res = await fetch(input, init);
      if (/\/instances\/[0-9.]+$/.test(url)) retrieved.push(url);
      if (!url.endsWith('/metadata')) return res;
      const items = (await res.json()) as Record<string, unknown>[];
      for (const item of items) delete item['0040A730'];
      return new Response(JSON.stringify(items), { status: res.status, headers: { 'Content-Type': 'application/dicom+json' } });
    };
    const loaded = await loadCalciumResults({ url: orthanc.dicomWebUrl, fetch: thinMetadata }, study);
    const full = await loadCalciumResults({ url: orthanc.dicomWebUrl }, study);
    expect(loaded.reports.map((r) => r.sopInstanceUid).sort()).toEqual(full.reports.map((r) => r.sopInstanceUid).sort());
    expect(loaded.current!.total).toEqual(full.current!.total);
    expect(retrieved.length).toBe(full.reports.length + 1); // each SR, plus the SEG
  });

  it('a corrected result references its predecessor and becomes the current version', async () => {
    const study = f.volume.source.studyInstanceUid;
    const before = await loadCalciumResults({ url: orthanc.dicomWebUrl }, study);
    const v1 = before.current!;
    // The reader moves the LM plaque to LAD.
    const lm = f.lesionSet.components.find((c) => f.assignment.labelOfComponent(c.id) === 'LM')!;
    f.assignment.assignComponent(lm.id, 'LAD', 'reader');
    const corrected = scoreResult(f.lesionSet, f.assignment, { model: null });
    const next = nextVersionAfter(v1);
    expect(next.version).toBe(2);
    const enc = await encodeResult({ ...f, result: corrected }, { version: next.version, predecessor: next.predecessor });
    expect((await storeResult(enc.all, { url: orthanc.dicomWebUrl })).ok).toBe(true);
    const after = await loadCalciumResults({ url: orthanc.dicomWebUrl }, study);
    expect(after.reports).toHaveLength(2);
    expect(after.current!.sopInstanceUid).toBe(enc.sr.sopInstanceUid);
    expect(after.current!.version).toBe(2);
    expect(after.current!.predecessors).toEqual([v1.sopInstanceUid]);
    expect(after.current!.seriesDescription).toBe('Calcium score v2, supersedes v1');
    expect(after.current!.arteries.LM).toBeUndefined();
    expect(after.current!.arteries.LAD!.agatston).toBeCloseTo(corrected.arteries.LAD.agatston, 2);

    // A second reader opens the study: fresh detection, labels restored from the archive.
    const set2 = detectLesions(f.volume, f.lesionSet.settings);
    const a2 = new Assignment(set2);
    const { restored, next: third } = await restoreFromArchive({ url: orthanc.dicomWebUrl }, study, set2, a2);
    expect(restored).toMatchObject({ unmatchedVoxels: 0, foreignVoxels: 0 });
    expect(third).toEqual({ version: 3, predecessor: { studyInstanceUid: study, seriesInstanceUid: enc.sr.seriesInstanceUid, sopInstanceUid: enc.sr.sopInstanceUid } });
    const again = scoreResult(set2, a2, { model: null });
    for (const a of ['LM', 'LAD', 'LCX', 'RCA'] as const) expect(again.arteries[a].agatston).toBeCloseTo(corrected.arteries[a].agatston, 6);
  });

  it('a result reopens exactly through the archive: labels, exclusions, candidates left, totals, review state and risk inputs', async () => {
    // First reader: every plaque on its artery, the aortic calcium excluded, the LCX plaque left
    // to review, MESA inputs entered; saved as version 1, then corrected (LCX assigned) as version 2.
    const g = makeFixture({ blobs: DEFAULT_BLOBS.map((b) => (b.label === 'LCX' ? { ...b, label: 'UNASSIGNED' as const } : b)) });
    const clinical = {
      ageYears: 58, sex: 'male' as const, race: 'white' as const, diabetes: false, currentSmoker: true, totalCholesterolMgDl: 230,
      hdlMgDl: 40, lipidLoweringMedication: false, systolicBpMmHg: 142, antihypertensiveMedication: false, familyHistoryOfHeartAttack: false,
    };
    const ct = writeCtSeries(g.volume);
    const ctStore = await storeResult(
      ct.map((bytes, k) => ({ kind: 'CT', bytes, sopInstanceUid: g.volume.instances[k].sopInstanceUid, sopClassUid: g.volume.instances[k].sopClassUid })),
      { url: orthanc.dicomWebUrl },
    );
    expect(ctStore.ok).toBe(true);
    const study = g.volume.source.studyInstanceUid;
    const first = scoreResult(g.lesionSet, g.assignment, { model: null, clinical });
    expect(reviewStatus(first)).toMatchObject({ state: 'in review', pending: 1, excluded: 1 });
    const v1 = await encodeResult({ ...g, result: first }, { pdf: false });
    expect((await storeResult(v1.all, { url: orthanc.dicomWebUrl })).ok).toBe(true);

    const reopen = async () => {
      const set = detectLesions(g.volume, g.lesionSet.settings);
      const a = new Assignment(set);
      for (const c of set.components) a.assignComponent(c.id, 'LAD', 'auto'); // what an automatic labeller might say now
      const { stored, restored } = await restoreFromArchive({ url: orthanc.dicomWebUrl }, study, set, a);
      return { set, a, stored, restored, result: scoreResult(set, a, { model: null, clinical: stored.current!.clinical }) };
    };
    const labels = (a: Assignment) => a.set.components.map((c) => `${c.slice}:${c.centroidMm.map((v) => v.toFixed(3))}=${a.labelOfComponent(c.id)}`).sort();

    const r1 = await reopen();
    expect(r1.restored).toMatchObject({ unmatchedVoxels: 0, foreignVoxels: 0, lesions: { onArteries: 3, excluded: 1, pending: 1 } });
    expect(labels(r1.a)).toEqual(labels(g.assignment));
    expect(r1.result.total).toEqual(first.total);
    expect(r1.result.risk).toEqual(first.risk);
    expect(reviewStatus(r1.result)).toEqual(reviewStatus(first));
    expect(r1.stored.current).toMatchObject({ reviewState: 'in review', pendingCandidates: 1, excludedCandidates: 1, clinical });

    // The correction: the LCX plaque assigned, nothing left: "reviewed", and the risk is given.
    const lcx = g.lesionSet.components.find((c) => g.assignment.labelOfComponent(c.id) === 'UNASSIGNED')!;
    g.assignment.assignComponent(lcx.id, 'LCX', 'reader');
    const final = scoreResult(g.lesionSet, g.assignment, { model: null, clinical });
    expect(reviewStatus(final).state).toBe('reviewed');
    expect(final.risk.mesaTenYearChdRiskPercent).toBeGreaterThan(0);
    const next = nextVersionAfter(r1.stored.current);
    const v2 = await encodeResult({ ...g, result: final }, { version: next.version, predecessor: next.predecessor, pdf: false });
    expect((await storeResult(v2.all, { url: orthanc.dicomWebUrl })).ok).toBe(true);

    const r2 = await reopen();
    expect(r2.stored.current!.sopInstanceUid).toBe(v2.sr.sopInstanceUid);
    expect(versionStatuses(r2.stored.reports).map((v) => v.label)).toEqual(['version 2 (current)', 'version 1, superseded by version 2']);
    expect(labels(r2.a)).toEqual(labels(g.assignment));
    expect(r2.result.total).toEqual(final.total);
    expect(r2.result.arteries).toEqual(final.arteries);
    expect(r2.result.risk).toEqual(final.risk);
    expect(reviewStatus(r2.result)).toMatchObject({ state: 'reviewed', pending: 0, excluded: 1 });
    expect(r2.stored.current).toMatchObject({ reviewState: 'reviewed', completionFlag: 'COMPLETE' });
  });
});
