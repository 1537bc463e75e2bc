/**
 * The encoded objects pass the standard's validators (Debian packages): dciodvfy (dicom3tools)
 * for every kind of object, the PixelMed SR validator for the TID 1500 report, dsrdump (dcmtk)
 * renders it, and pdftotext (poppler) reads the summary page.
 *
 * Remaining dciodvfy warnings, each with its reason (anything else fails the test):
 *  - SR: "Unrecognized defined term <99CACS> for value 1 of attribute <Coding Scheme Designator>":
 *    the project-local coding scheme for concepts with no standard code (categories, settings,
 *    review flag). "99" private schemes are allowed (PS3.3 8.2) and the SR describes it in the
 *    Coding Scheme Identification Sequence; dciodvfy only knows the standard's designators.
 *  - SR: "CodingSchemeDesignator is deprecated ... <SRT>": the Finding Site concept is written as
 *    (G-C0E3, SRT), the form dcmjs and OHIF themselves write, because OHIF 3.13's SR viewport prints
 *    an SCT Finding Site as "363698007: <artery>" on the image (issue 7 item 7); same concept as
 *    SCT 363698007, read back in either form.
 * LABELMAP SEG: this dicom3tools release predates DICOM 2024d and does not know SOP class
 * 1.2.840.10008.5.1.4.1.1.66.7 at all, so the object is checked as a BINARY/FRACTIONAL
 * Segmentation and exactly the two LABELMAP differences are expected: SegmentationType
 * LABELMAP, and no per-frame Segment Identification Sequence (pixel values are segment numbers).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeResult, type EncodedResult } from '../../core/encode/index';
import { readCalciumSr } from '../../core/encode/readback';
import { makeFixture } from '../helpers/encode-fixtures';
import { riskSummary } from '../../core/risk';
import { Assignment } from '../../core/scoring/assign';
import { scoreResult } from '../../core/scoring/score';
import { comparePrior, snapshotOfResult } from '../../core/prior';

const run = promisify(execFile);
let dir: string;
const files: Record<string, string> = {};
let withCalcium: EncodedResult;
let mixedOrigins: string[] = [];

const PIXELMED = [
  '-Djdk.xml.xpathExprOpLimit=0',
  '-Djdk.xml.xpathExprGrpLimit=0',
  '-Djdk.xml.xpathTotalOpLimit=0',
  '-cp',
  '/usr/share/java/pixelmed.jar',
  'com.pixelmed.validate.DicomSRValidator',
  '-checkcontentitemorder',
  '-checktemplateid',
];

const ALLOWED_WARNINGS: RegExp[] = [
  /^Warning - Unrecognized defined term <99CACS> for value 1 of attribute <Coding Scheme Designator>$/,
  /^Warning - CodingSchemeDesignator is deprecated - attribute <CodingSchemeDesignator> = <SRT>$/,
];

async function dciodvfy(file: string): Promise<{ errors: string[]; warnings: string[] }> {
  // dciodvfy exits non-zero when it finds errors; its findings are on stderr either way.
  const out = await run('dciodvfy', [file]).catch((e: { stdout: string; stderr: string }) => e);
  const lines = `${out.stdout}\n${out.stderr}`.split('\n').map((l) => l.trim());
  return { errors: lines.filter((l) => l.startsWith('Error')), warnings: lines.filter((l) => l.startsWith('Warning')) };
}

function write(name: string, bytes: Uint8Array): void {
  files[name] = path.join(dir, name);
  fs.writeFileSync(files[name], bytes);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-validate-'));
  const f = makeFixture({ patientName: 'Nuñez^José=山田^太郎' });
  withCalcium = await encodeResult({ ...f }, { reviewerName: 'Reader^First' });
  write('seg-binary.dcm', withCalcium.seg!.bytes);
  write('sr.dcm', withCalcium.sr.bytes);
  write('pdf.dcm', withCalcium.pdf!.bytes);
  write('summary.pdf', withCalcium.pdf!.pdf);
  const labelmap = await encodeResult({ ...f }, { segmentationType: 'LABELMAP', pdf: false });
  write('seg-labelmap.dcm', labelmap.seg!.bytes);
  const r1 = readCalciumSr(withCalcium.sr.bytes);
  const clinical = {
    ageYears: 62, sex: 'female' as const, race: 'black' as const, diabetes: true, currentSmoker: false, totalCholesterolMgDl: 210,
    hdlMgDl: 48, lipidLoweringMedication: false, systolicBpMmHg: 138, antihypertensiveMedication: true, familyHistoryOfHeartAttack: true,
  };
  const v2 = await encodeResult(
    { ...f, result: { ...f.result, risk: riskSummary(f.result.total, f.result.arteries, clinical, null) } },
    {
      version: 2,
      predecessor: { studyInstanceUid: r1.studyInstanceUid, seriesInstanceUid: r1.seriesInstanceUid, sopInstanceUid: r1.sopInstanceUid },
      verifier: { name: 'Verifier^Vera', organization: 'Test Hospital' },
      // (the result carries MESA inputs: they are validated too)
      reviewerName: 'Verifier^Vera',
      pdf: false,
    },
  );
  write('sr-v2-verified.dcm', v2.sr.bytes);
  const withLesions = await encodeResult({ ...f, result: { ...f.result, model: { name: 'cacs-artery-net', version: '1.2.0' } } }, { lesionGroups: true, pdf: false });
  write('sr-lesion-groups.dcm', withLesions.sr.bytes);
  // A model's result in review: the reader set one lesion, the rest are unconfirmed proposals, so
  // each artery has a reader's and an automatic segment and its SR group references both.
  const model = { name: 'cac-labeller', version: '1.0.0' };
  const mixed = new Assignment(f.lesionSet);
  mixed.applyProposals(
    f.lesionSet.components.map((c) => ({ componentId: c.id, label: f.assignment.labelOfComponent(c.id), confidence: 0.9, fineClass: 'x', needsReview: false })),
    model,
  );
  const touched = f.lesionSet.lesions.find((l) => mixed.labelsOfLesion(l.id)[0] !== 'UNASSIGNED')!.id;
  mixed.assignLesion(touched, mixed.labelsOfLesion(touched)[0], 'reader');
  const inReview = await encodeResult({ ...f, assignment: mixed, result: scoreResult(f.lesionSet, mixed, { model }) }, { pdf: false });
  mixedOrigins = [...new Set(inReview.seg!.segments.map((s) => s.origin))].sort();
  write('seg-in-review.dcm', inReview.seg!.bytes);
  write('sr-in-review.dcm', inReview.sr.bytes);
  // Compared with a prior study (core/prior.ts): comparison items, the not-comparable warning, the PDF block.
  const pf = makeFixture();
  pf.volume.source.studyDate = '20250101';
  const prior = comparePrior(snapshotOfResult(pf.result, pf.volume.source), {
    studyInstanceUid: '1.2.840.99.7',
    studyDate: '20210101',
    total: 100,
    arteries: { LAD: 100 },
    acquisition: { kvp: 100, sliceThicknessMm: 3, convolutionKernel: 'B35f' },
  });
  const withPrior = await encodeResult({ ...pf, prior }, {});
  write('sr-prior.dcm', withPrior.sr.bytes);
  write('pdf-prior.dcm', withPrior.pdf!.bytes);
  write('summary-prior.pdf', withPrior.pdf!.pdf);
  const none = makeFixture({ blobs: [], massFactor: null });
  const zero = await encodeResult({ ...none }, {});
  write('sr-no-calcium.dcm', zero.sr.bytes);
  write('pdf-no-calcium.dcm', zero.pdf!.bytes);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('dciodvfy (dicom3tools) finds no errors', () => {
  it('the in-review SEG holds both a reader and an automatic segment', () => expect(mixedOrigins).toEqual(['auto', 'reader']));
  for (const name of ['seg-binary.dcm', 'seg-in-review.dcm', 'sr-in-review.dcm', 'sr.dcm', 'sr-v2-verified.dcm', 'sr-lesion-groups.dcm', 'sr-no-calcium.dcm', 'sr-prior.dcm', 'pdf.dcm', 'pdf-no-calcium.dcm', 'pdf-prior.dcm']) {
    it(`${name}: no errors, only explained warnings`, async () => {
      const { errors, warnings } = await dciodvfy(files[name]);
      expect(errors).toEqual([]);
      expect(warnings.filter((w) => !ALLOWED_WARNINGS.some((re) => re.test(w)))).toEqual([]);
    });
  }

  it('LABELMAP SEG: only the two differences a pre-2024d validator cannot know', async () => {
    const bytes = fs.readFileSync(files['seg-labelmap.dcm']);
    const asBinary = Buffer.from(bytes.toString('latin1').replaceAll('1.2.840.10008.5.1.4.1.1.66.7', '1.2.840.10008.5.1.4.1.1.66.4'), 'latin1');
    const copy = path.join(dir, 'seg-labelmap-as-binary.dcm');
    fs.writeFileSync(copy, asBinary);
    const { errors, warnings } = await dciodvfy(copy);
    const unexpected = errors.filter(
      (e) =>
        e !== 'Error - Unrecognized enumerated value <LABELMAP> for value 1 of attribute <Segmentation Type>' &&
        e !== 'Error - Missing attribute Type 1 Required Element=<SegmentIdentificationSequence> Module=<SegmentationMacro>',
    );
    expect(unexpected).toEqual([]);
    expect(errors.length).toBeGreaterThan(0); // the check really ran on the LABELMAP object
    expect(warnings).toEqual([]);
  });
});

describe('PixelMed SR validator accepts the TID 1500 report', () => {
  for (const name of ['sr-v2-verified.dcm', 'sr-lesion-groups.dcm', 'sr-no-calcium.dcm', 'sr-in-review.dcm', 'sr-prior.dcm']) {
    it(`${name}: root template TID 1500 found, no errors or warnings (content item order and template ids checked)`, async () => {
      const { stdout, stderr } = await run('java', [...PIXELMED, files[name]], { maxBuffer: 16 << 20 });
      const out = `${stdout}\n${stderr}`;
      expect(out).toContain('Found Root Template TID_1500 (MeasurementReport)');
      expect(out).toContain('Root Template Validation Complete');
      expect(out.split('\n').filter((l) => /^(Error|Warning)/.test(l))).toEqual([]);
    }, 300_000); // PixelMed takes 15-60 s a file, minutes on a loaded machine
  }
});

describe('dsrdump (dcmtk) renders the report a radiologist reads', () => {
  it('shows per-artery and total scores with codes, the categories and the flags', async () => {
    const { stdout } = await run('dsrdump', ['+Pc', files['sr-v2-verified.dcm']]);
    expect(stdout).toContain('Completion Flag     : COMPLETE');
    expect(stdout).toContain('Verification Flag   : VERIFIED');
    expect(stdout).toContain('(126000,DCM,"Imaging Measurement Report")');
    expect(stdout).toContain('(121049,DCM,"Language of Content Item and Descendants")=(en-US,RFC5646,"English (United States)")');
    expect(stdout).toMatch(/\(G-C0E3,SRT,"Finding Site"\)=\(59438005,SCT,"Left anterior descending coronary artery"\)/);
    expect(stdout).toMatch(/NUM:\(450360000,SCT,"LAD Agatston score"\)="72" \(\{Agatston\},UCUM,"Agatston units"\)/);
    expect(stdout).toMatch(/TEXT:\(REVSTATE,99CACS,"Review state"\)="reviewed"/);
    expect(stdout).toMatch(/TEXT:\(EXCLUDED,99CACS,"Candidate lesions excluded as non-coronary"\)="1"/);
    expect(stdout).toMatch(/TEXT:\(SBP,99CACS,"Systolic blood pressure \(mmHg\)"\)="138"/);
    expect(stdout).toMatch(/CODE:\(DIABETES,99CACS,"Diabetes"\)=\(373066001,SCT,"Yes"\)/);
    expect(stdout).toContain('(112055,DCM,"Agatston scoring method")');
    expect(stdout).toMatch(/TEXT:\(CACDRS,99CACS,"CAC-DRS category"\)="CAC-DRS A2\/N4"/);
    expect(stdout).toContain('(121191,DCM,"Referenced Segment")');
    const { stdout: noCa } = await run('dsrdump', ['+Pc', '+Pl', files['sr-no-calcium.dcm']]);
    expect(noCa).toContain('No coronary artery calcium detected (Agatston score 0');
    expect(noCa).toMatch(/NUM:\(450360000,SCT,"Total Agatston score"\)="0"/);
  });
});

describe('summary page text', () => {
  it('holds the table, totals, categories, guideline and settings', async () => {
    const { stdout } = await run('pdftotext', ['-layout', files['summary.pdf'], '-']);
    expect(stdout).toContain('Coronary artery calcium score');
    expect(stdout).toMatch(/Left anterior descending \(LAD\)\s+1\s+72\.0\s+54\.0/);
    expect(stdout).toMatch(/Total\s+4\s+172\.3/);
    expect(stdout).toContain('CAC-DRS A2/N4');
    expect(stdout).toContain('ACC/AHA 2018');
    expect(stdout).toContain('Threshold (HU, inclusive): 130');
    expect(stdout).toContain('Nuñez José');
    expect(stdout).toContain('Key images');
  });

  it('a comparison with a prior: the "Compared with prior" block and the sentence', async () => {
    const { stdout } = await run('pdftotext', ['-layout', files['summary-prior.pdf'], '-']);
    expect(stdout).toContain('Compared with prior');
    expect(stdout).toMatch(/Prior study 2021-01-01 \(1\.2\.840\.99\.7\): total Agatston 100\.0; now 172\.3/);
    expect(stdout).toMatch(/Change \+72\.3 \(\+18\.1 per year over 4\.0 years\)/);
    expect(stdout).toMatch(/Progression: yes \(sqrt difference 3\.1\d; square-root method/);
    expect(stdout).toContain('kVp 100 then, 120 now');
    expect(stdout).toContain('Compared with the prior study of'); // the sentence, wrapped on the page
  });

  it('dsrdump shows the comparison items', async () => {
    const { stdout } = await run('dsrdump', ['+Pc', files['sr-prior.dcm']]);
    expect(stdout).toMatch(/CODE:\(PROGRESS,99CACS,"Calcium progression \(Hokanson 2004 square-root method\)"\)=\(373066001,SCT,"Yes"\)/);
    expect(stdout).toMatch(/TEXT:\(PRIORUID,99CACS,"Prior study compared with \(Study Instance UID\)"\)="1\.2\.840\.99\.7"/);
    expect(stdout).toMatch(/TEXT:\(PRIORAGAT,99CACS,"Prior total Agatston score"\)="100"/);
    expect(stdout).toMatch(/TEXT:\(KVP,99CACS,"Peak kilovoltage of the scored series \(kV\)"\)="120"/);
  });
});
