// What the viewer already holds of a study's stored calcium reports (extension/src/storedInViewer.ts),
// and the signed-in reader's name the SR records when a reviewed result is saved (dataSource.ts).
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../core/encode/index';
import { readPart10 } from '../../core/dicom/part10';
import { currentReport } from '../../core/encode/readback';
import { calciumReportsInViewer } from '../../extension/src/storedInViewer';
import { signedInReaderName } from '../../extension/src/dataSource';
import type { DisplaySet, ServicesManager } from '../../extension/src/ohif';
import { makeFixture } from '../helpers/encode-fixtures';

/** OHIF's services as far as calciumReportsInViewer reads them: the display sets of the loaded studies. */
function viewerWith(displaySets: DisplaySet[]): ServicesManager {
  return { services: { displaySetService: { getActiveDisplaySets: () => displaySets } } } as unknown as ServicesManager;
}

describe('the calcium reports the viewer already holds', () => {
  it("reads the study's calcium SRs from OHIF's SR display sets (both versions), and nothing of other studies or other SRs", async () => {
    const f = makeFixture();
    const v1 = await encodeResult({ ...f }, { pdf: false });
    const v2 = await encodeResult(
      { ...f },
      { pdf: false, version: 2, predecessor: { studyInstanceUid: f.volume.source.studyInstanceUid, seriesInstanceUid: v1.sr.seriesInstanceUid, sopInstanceUid: v1.sr.sopInstanceUid } },
    );
    const study = f.volume.source.studyInstanceUid;
    const sr = (bytes: Uint8Array, uid = study): DisplaySet => {
      const instance = readPart10(bytes);
      return { displaySetInstanceUID: String(instance.SOPInstanceUID), Modality: 'SR', StudyInstanceUID: uid, instances: [instance] };
    };
    const other = makeFixture();
    const otherSr = await encodeResult({ ...other }, { pdf: false });
    const notCalcium: DisplaySet = { displaySetInstanceUID: 'x', Modality: 'SR', StudyInstanceUID: study, instances: [{ SOPInstanceUID: '1.2.3', ContentSequence: [] }] };
    const ct: DisplaySet = { displaySetInstanceUID: 'ct', Modality: 'CT', StudyInstanceUID: study, instances: [{ SOPInstanceUID: '1.2.4' }] };
    const reports = calciumReportsInViewer(viewerWith([ct, sr(v1.sr.bytes), sr(v2.sr.bytes), sr(otherSr.sr.bytes, other.volume.source.studyInstanceUid), notCalcium]), study);
    expect(reports.map((r) => r.version).sort()).toEqual([1, 2]);
    expect(currentReport(reports)?.sopInstanceUid).toBe(v2.sr.sopInstanceUid);
    expect(currentReport(reports)?.sourceSeriesUid).toBe(f.volume.source.seriesInstanceUid);
  });

  it('holds none before OHIF has made any SR display set', () => {
    expect(calciumReportsInViewer(viewerWith([]), '1.2.3')).toEqual([]);
  });
});

describe("the signed-in reader's name for the SR", () => {
  const auth = (profile: Record<string, string> | null) => ({ getUser: () => (profile ? { profile } : null) });

  it('is Family^Given from the identity provider, else its display name, else none', () => {
    expect(signedInReaderName(auth({ family_name: 'Smith', given_name: 'Anna', name: 'Dr Anna Smith' }))).toBe('Smith^Anna');
    expect(signedInReaderName(auth({ name: 'Anna Smith' }))).toBe('Anna Smith');
    expect(signedInReaderName(auth({ preferred_username: 'asmith' }))).toBe('asmith');
    expect(signedInReaderName(auth(null))).toBeNull();
    expect(signedInReaderName(undefined)).toBeNull();
    expect(signedInReaderName({ getUser: () => { throw new Error('not signed in'); } })).toBeNull();
  });

  it('cannot carry a PN delimiter into the stored name', () => {
    expect(signedInReaderName(auth({ family_name: 'Sm^ith', given_name: 'An=na' }))).toBe('Sm ith^An na');
  });
});
