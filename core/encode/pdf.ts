/**
 * The summary page (docs/dicom-objects.md §2.4): what a PACS user without an SR viewer reads. A PDF made with
 * pdf-lib and its standard fonts (nothing fetched), wrapped as an Encapsulated PDF instance
 * (SOP class 1.2.840.10008.5.1.4.1.1.104.1) in the CT's study.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { ARTERIES, type CtVolume, type ScoringResult } from '../types';
import { ARTERY_NAMES, SOP_CLASS } from '../dicom/codes';
import type { LesionSetLike } from './arteries';
import { PRODUCT, SERIES, contentDateTime, equipmentModule, patientStudyModules, seriesDescription, type WriteContext } from './common';
import { dicomDateTime, newUid, writePart10, type Dataset } from './dicom-io';
import { encodePngRgb } from './png';
import { keyImages, KEY_IMAGE_WINDOW_HU } from './key-images';
import { reportText, reviewStatus } from './report-text';
import { labelUnitRgb } from '../palette';
import { settingsParameters } from './sr';
import { priorSummaryLines, type PriorComparison } from '../prior';

export interface EncodedPdf {
  kind: 'PDF';
  bytes: Uint8Array;
  /** The bare PDF (what a "download summary" button offers). */
  pdf: Uint8Array;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

export interface PdfOptions {
  ctx: WriteContext;
  keyImageCount?: number;
}

/**
 * The standard PDF fonts encode WinAnsi only: keep Latin-1 letters (Müller), fold other
 * accented letters to their base letter, and show anything else as "?" rather than failing.
 */
const FOLD: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Œ: 'OE', œ: 'oe' };

export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff)) out += ch;
    else if (c === 0x0a || c === 0x09) out += ' ';
    else {
      const base = (FOLD[ch] ?? ch).normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out += base.length > 0 && base.codePointAt(0)! < 0x7f ? base : '?';
    }
  }
  return out.replace(/\^/g, ' ');
}

class Layout {
  page: PDFPage;
  y: number;
  readonly margin = 48;
  constructor(
    readonly doc: PDFDocument,
    readonly font: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.page = doc.addPage([595.28, 841.89]);
    this.y = 841.89 - this.margin;
  }
  get width(): number {
    return 595.28 - 2 * this.margin;
  }
  ensure(height: number): void {
    if (this.y - height < this.margin + 20) {
      this.page = this.doc.addPage([595.28, 841.89]);
      this.y = 841.89 - this.margin;
    }
  }
  text(s: string, opts: { size?: number; bold?: boolean; x?: number; colour?: [number, number, number] } = {}): void {
    const size = opts.size ?? 10;
    const font = opts.bold ? this.bold : this.font;
    for (const line of this.wrap(pdfSafe(s), font, size, this.width - (opts.x ?? 0))) {
      this.ensure(size + 4);
      this.y -= size + 3;
      const c = opts.colour ?? [0, 0, 0];
      this.page.drawText(line, { x: this.margin + (opts.x ?? 0), y: this.y, size, font, color: rgb(c[0], c[1], c[2]) });
    }
  }
  gap(h = 6): void {
    this.y -= h;
  }
  wrap(s: string, font: PDFFont, size: number, width: number): string[] {
    const words = s.split(/\s+/).filter(Boolean);
    const lines: string[] = [];
    let line = '';
    for (const w of words) {
      const cand = line ? `${line} ${w}` : w;
      if (font.widthOfTextAtSize(cand, size) <= width || !line) line = cand;
      else {
        lines.push(line);
        line = w;
      }
    }
    if (line) lines.push(line);
    return lines.length ? lines : [''];
  }
  row(cells: string[], xs: number[], opts: { bold?: boolean; size?: number; swatch?: [number, number, number] } = {}): void {
    const size = opts.size ?? 10;
    this.ensure(size + 6);
    this.y -= size + 5;
    const font = opts.bold ? this.bold : this.font;
    // The label's colour as on the key images and in the viewer (core/palette.ts).
    if (opts.swatch) this.page.drawRectangle({ x: this.margin + xs[0] - 12, y: this.y, width: 8, height: 8, color: rgb(...opts.swatch) });
    cells.forEach((c, n) => {
      const t = pdfSafe(c);
      // Numbers right-aligned at the column's right edge, the first column left-aligned.
      const x = n === 0 ? this.margin + xs[0] : this.margin + xs[n] - font.widthOfTextAtSize(t, size);
      this.page.drawText(t, { x, y: this.y, size, font });
    });
  }
  rule(): void {
    this.page.drawLine({
      start: { x: this.margin, y: this.y - 3 },
      end: { x: this.margin + this.width, y: this.y - 3 },
      thickness: 0.5,
      color: rgb(0.6, 0.6, 0.6),
    });
    this.y -= 4;
  }
}

/** The MESA inputs in one line (PDF; the panel shows the form). */
export function clinicalSummary(c: NonNullable<ScoringResult['risk']['clinical']>): string {
  const yn = (v: boolean, what: string) => (v ? what : `no ${what}`);
  return [
    `${c.ageYears} y`,
    c.sex,
    c.race,
    `SBP ${c.systolicBpMmHg} mmHg${c.antihypertensiveMedication ? ' (treated)' : ''}`,
    `total cholesterol ${c.totalCholesterolMgDl} mg/dL`,
    `HDL ${c.hdlMgDl} mg/dL`,
    yn(c.lipidLoweringMedication, 'lipid-lowering therapy'),
    yn(c.diabetes, 'diabetes'),
    c.currentSmoker ? 'current smoker' : 'non-smoker',
    yn(c.familyHistoryOfHeartAttack, 'family history of heart attack'),
  ].join(', ');
}

function n1(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(1);
}

function formatDate(da: string | null): string {
  if (!da || da.length !== 8) return da ?? '';
  return `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`;
}

/** Build the PDF document itself (no DICOM wrapper). */
export async function buildSummaryPdf(
  input: { result: ScoringResult; volume: CtVolume; lesionSet: LesionSetLike; prior?: PriorComparison | null },
  opts: PdfOptions,
): Promise<Uint8Array> {
  const { result, volume } = input;
  const src = volume.source;
  const doc = await PDFDocument.create();
  doc.setTitle('Coronary artery calcium score');
  doc.setSubject(`Calcium score report v${opts.ctx.version}`);
  doc.setProducer(`${PRODUCT.modelName} ${PRODUCT.softwareVersion} (pdf-lib)`);
  doc.setCreator(PRODUCT.manufacturer);
  doc.setCreationDate(opts.ctx.now);
  doc.setModificationDate(opts.ctx.now);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const L = new Layout(doc, font, bold);

  L.text('Coronary artery calcium score', { size: 18, bold: true });
  L.gap(4);
  L.text(
    `Patient: ${src.patientName ?? ''}   ID: ${src.patientId ?? ''}   Born: ${formatDate(src.patientBirthDate)}   Sex: ${src.patientSex ?? ''}`,
  );
  L.text(
    `Study: ${formatDate(src.studyDate)} ${src.studyDescription ?? ''}   Accession: ${src.accessionNumber ?? ''}   Series: ${src.seriesNumber ?? ''} ${src.seriesDescription ?? ''}`,
  );
  const review = reviewStatus(result);
  const reviewed = review.state === 'reviewed';
  L.text(
    `Report version ${opts.ctx.version}${opts.ctx.version > 1 ? ` (supersedes version ${opts.ctx.version - 1})` : ''}, ${opts.ctx.now.toISOString().replace('T', ' ').slice(0, 16)} UTC. ` +
      `Review: ${review.text}${review.excluded > 0 ? `; ${review.excluded} excluded as non-coronary` : ''}.` +
      (reviewed ? '' : ' Artery assignment NOT fully reviewed by a reader.'),
    { colour: reviewed ? [0, 0, 0] : [0.7, 0.1, 0.1] },
  );
  L.rule();
  L.gap(4);
  L.text(reportText(result, input.prior ?? null), { size: 11, bold: true });
  L.gap(8);

  const xs = [0, 180, 260, 350, 430];
  L.row(['Artery', 'Lesions', 'Agatston', 'Volume (mm3)', 'Mass (mg)'], xs, { bold: true });
  L.rule();
  for (const a of ARTERIES) {
    const t = result.arteries[a];
    L.row([ARTERY_NAMES[a], String(t.lesionCount), n1(t.agatston), n1(t.volumeMm3), n1(t.massMg)], xs, { swatch: labelUnitRgb(a) });
  }
  L.rule();
  const t = result.total;
  L.row(['Total', String(t.lesionCount), n1(t.agatston), n1(t.volumeMm3), n1(t.massMg)], xs, { bold: true });
  L.gap(10);

  L.text('Categories', { bold: true, size: 12 });
  L.text(`Agatston class: ${result.risk.agatstonCategory}    ${result.risk.cacDrs}` + (result.risk.cadRadsP ? `    CAD-RADS 2.0 plaque burden ${result.risk.cadRadsP}` : ''));
  if (result.risk.mesaTenYearChdRiskPercent != null) {
    L.text(`MESA 10-year CHD risk (with CAC): ${result.risk.mesaTenYearChdRiskPercent.toFixed(1)} %`);
  }
  if (result.risk.clinical) {
    L.text(`Risk inputs: ${clinicalSummary(result.risk.clinical)}`, { size: 9 });
    for (const n of result.risk.mesaNotes ?? []) L.text(n, { x: 12, size: 9 });
  }
  if (input.prior) {
    L.gap(4);
    L.text('Compared with prior', { bold: true, size: 12 });
    const [head, ...rest] = priorSummaryLines(input.prior);
    L.text(head);
    for (const line of rest) L.text(line, { size: 9, colour: input.prior.warnings.includes(line) ? [0.7, 0.1, 0.1] : [0, 0, 0] });
  }
  L.gap(4);
  L.text('Guideline (ACC/AHA 2018, decision support)', { bold: true, size: 12 });
  L.text(result.risk.guidance);
  L.gap(6);

  L.text('Method and settings', { bold: true, size: 12 });
  for (const p of settingsParameters(result.settings)) L.text(p, { size: 9 });
  const f = result.input;
  L.text(
    `Acquisition: ${f.manufacturer ?? ''} ${f.manufacturerModelName ?? ''}, ${f.kvp ?? '?'} kVp, slice thickness ${f.sliceThicknessMm ?? '?'} mm, ` +
      `increment ${f.sliceIncrementMm ?? '?'} mm, kernel ${f.convolutionKernel ?? '?'}, ECG gating ${f.gated === null ? 'unknown' : f.gated ? 'yes' : 'no'}.`,
    { size: 9 },
  );
  if (result.model) L.text(`Artery labels proposed by model ${result.model.name} ${result.model.version}.`, { size: 9 });
  L.gap(6);
  if (result.warnings.length > 0) {
    L.text('Warnings', { bold: true, size: 12, colour: [0.7, 0.1, 0.1] });
    for (const w of result.warnings) L.text(`- ${w}`, { size: 9 });
    L.gap(6);
  }

  const images = keyImages(volume, input.lesionSet, result, { count: opts.keyImageCount ?? 3 });
  if (images.length > 0) {
    const side0 = Math.min(160, (L.width - 2 * 10) / 3);
    L.ensure(side0 + 70); // keep the heading with its images
    L.text(`Key images (largest lesions; window ${KEY_IMAGE_WINDOW_HU[0]} to ${KEY_IMAGE_WINDOW_HU[1]} HU, lesion tinted by artery)`, {
      bold: true,
      size: 12,
    });
    const side = Math.min(160, (L.width - 2 * 10) / 3);
    L.ensure(side + 40);
    const top = L.y - 6;
    for (let n = 0; n < images.length; n++) {
      const im = images[n];
      const png = await doc.embedPng(encodePngRgb(im.width, im.height, im.rgb));
      const x = L.margin + n * (side + 10);
      L.page.drawImage(png, { x, y: top - side, width: side, height: side });
      const lines = L.wrap(pdfSafe(im.caption), font, 7.5, side);
      lines.forEach((line, li) => L.page.drawText(line, { x, y: top - side - 10 - li * 9, size: 7.5, font }));
    }
    L.y = top - side - 32;
  }
  L.gap(6);
  L.text(
    `Generated by ${PRODUCT.manufacturer} ${PRODUCT.softwareVersion}. Agatston method (HU threshold, 2D components, density weights 1-4); ` +
      'results require confirmation by a qualified reader.',
    { size: 7.5, colour: [0.35, 0.35, 0.35] },
  );
  return doc.save({ useObjectStreams: false });
}

/** The Encapsulated PDF DICOM instance. */
export async function encodePdf(
  input: { result: ScoringResult; volume: CtVolume; lesionSet: LesionSetLike; prior?: PriorComparison | null },
  opts: PdfOptions,
): Promise<EncodedPdf> {
  const pdf = await buildSummaryPdf(input, opts);
  const g = input.volume;
  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const padded = new Uint8Array(pdf.length + (pdf.length % 2));
  padded.set(pdf);
  const dataset: Dataset = {
    ...patientStudyModules(g.source),
    ...equipmentModule(),
    ...contentDateTime(opts.ctx),
    SOPClassUID: SOP_CLASS.encapsulatedPdf,
    SOPInstanceUID: sopInstanceUid,
    Modality: 'DOC',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: SERIES.pdfNumberBase + opts.ctx.version,
    SeriesDescription: seriesDescription('PDF', opts.ctx.version),
    ConversionType: 'WSD',
    InstanceNumber: 1,
    AcquisitionDateTime: dicomDateTime(opts.ctx.now),
    BurnedInAnnotation: 'YES',
    DocumentTitle: `Coronary artery calcium score v${opts.ctx.version}`,
    ConceptNameCodeSequence: [],
    MIMETypeOfEncapsulatedDocument: 'application/pdf',
    EncapsulatedDocumentLength: pdf.length,
    EncapsulatedDocument: [padded.buffer],
    _vrMap: { EncapsulatedDocument: 'OB' },
  };
  return {
    kind: 'PDF',
    bytes: writePart10(dataset),
    pdf,
    sopClassUid: SOP_CLASS.encapsulatedPdf,
    sopInstanceUid,
    seriesInstanceUid,
  };
}
