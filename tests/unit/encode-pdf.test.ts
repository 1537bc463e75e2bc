import { describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { encodePdf, pdfSafe } from '../../core/encode/pdf';
import { encodePngRgb } from '../../core/encode/png';
import { keyImages } from '../../core/encode/key-images';
import { readPart10 } from '../../core/encode/dicom-io';
import { reportText } from '../../core/encode/report-text';
import { SOP_CLASS } from '../../core/dicom/codes';
import { makeFixture } from '../helpers/encode-fixtures';
import { LABEL_RGB } from '../../core/palette';

const ctx = { now: new Date('2026-11-25T12:00:00Z'), version: 1 };

describe('summary page (Encapsulated PDF)', () => {
  it('wraps a one-page PDF in an Encapsulated PDF instance of the CT study', async () => {
    const f = makeFixture({ patientName: 'Ærøskøbing^Ødön=山田' });
    const enc = await encodePdf({ result: f.result, volume: f.volume, lesionSet: f.lesionSet }, { ctx });
    const ds = readPart10(enc.bytes) as Record<string, any>;
    expect(ds.SOPClassUID).toBe(SOP_CLASS.encapsulatedPdf);
    expect(ds.MIMETypeOfEncapsulatedDocument).toBe('application/pdf');
    expect(ds.StudyInstanceUID).toBe(f.volume.source.studyInstanceUid);
    const doc = new Uint8Array(ds.EncapsulatedDocument[0]).subarray(0, ds.EncapsulatedDocumentLength);
    expect(new TextDecoder().decode(doc.subarray(0, 5))).toBe('%PDF-');
    const pdf = await PDFDocument.load(doc);
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getTitle()).toBe('Coronary artery calcium score');
  });

  it('key images show the largest lesions first, tinted in the artery colour', () => {
    const f = makeFixture();
    const images = keyImages(f.volume, f.lesionSet, f.result, { count: 3 });
    expect(images.map((i) => i.lesion.artery)).toEqual(['RCA', 'LAD', 'LCX']);
    const rca = images[0];
    // Some pixels are tinted with the palette's RCA colour (45 % grey + 55 % colour), the rest grey.
    const c = LABEL_RGB.RCA;
    let tinted = 0;
    let other = 0;
    for (let p = 0; p < rca.width * rca.height; p++) {
      const px = [rca.rgb[p * 3], rca.rgb[p * 3 + 1], rca.rgb[p * 3 + 2]];
      if (px[0] === px[1] && px[1] === px[2]) continue;
      const grey = px.map((v, n) => (v - 0.55 * c[n]) / 0.45);
      if (Math.max(...grey) - Math.min(...grey) < 3) tinted++;
      else other++;
    }
    expect(tinted).toBeGreaterThan(50);
    expect(other).toBe(0);
    // The caption names the image as OHIF numbers it (head first): core slice k is image n - k.
    expect(rca.caption).toContain(`image ${f.volume.slices - rca.slice} of ${f.volume.slices}`);
    const png = encodePngRgb(rca.width, rca.height, rca.rgb);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });

  it('prints any patient name the standard fonts cannot encode without failing', () => {
    expect(pdfSafe('Müller^Zoë')).toBe('Müller Zoë');
    expect(pdfSafe('Łukasz^Dvořák')).toBe('Lukasz Dvorák');
    expect(pdfSafe('山田')).toBe('??');
  });
});

describe('report sentence', () => {
  it('states total, per-artery scores, vessels and CAC-DRS; an automatic, unconfirmed result is not final', () => {
    const reviewed = makeFixture();
    const s = reportText(reviewed.result);
    expect(s).toMatch(/^Coronary artery calcium score \(Agatston\) 172 \(LM 2, LAD 72, LCX 8, RCA 90\), 4 vessels/);
    expect(s).toContain(reviewed.result.risk.cacDrs);
    // Automatic labels nobody confirmed (a model's, or restored as such): a proposal, whether or
    // not a model record came with them (core/scoring/score.ts).
    const auto = makeFixture({ reviewed: false });
    expect(auto.result.labelling?.status).toBe('unreviewed');
    expect(reportText(auto.result)).toMatch(
      /^Coronary artery calcium scoring not final: 5 candidate lesions carry an automatic artery label not yet confirmed by a reader \(automatic total so far: Agatston 172, CAC-DRS /,
    );
  });
});
