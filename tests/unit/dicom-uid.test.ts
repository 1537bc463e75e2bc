import { describe, expect, it } from 'vitest';
import { assertReferencedUid, assertUid, sourceUidWarning, uidProblem } from '../../core/dicom/uid';
import { image, uidref } from '../../core/encode/tid/content';
import { SR } from '../../core/dicom/codes';

describe('UIDs from the source versus UIDs the product creates', () => {
  it('says which rule a UID breaks', () => {
    expect(uidProblem('1.2.840.10008.5.1.4.1.1.2')).toBeNull();
    expect(uidProblem('9.2458.001.1')).toBe('component 001 has a leading zero, its root 9 is not 0, 1 or 2');
    expect(uidProblem('1..2')).toBe('it has an empty component');
    expect(uidProblem('1.2.a')).toBe('it holds characters other than digits and dots');
    expect(uidProblem(`1.${'2'.repeat(70)}`)).toMatch(/^it has 72 characters \(at most 64\)/);
  });

  it('refuses a created UID that breaks the rules, but copies a source UID into references as it is', () => {
    expect(() => assertUid('1.02.3', 'SEG SOP instance')).toThrow('SEG SOP instance: "1.02.3" is not a valid DICOM UID (component 02 has a leading zero)');
    expect(() => assertReferencedUid('9.2458.001.2.01', 'IMAGE SOP instance')).not.toThrow();
    expect(() => assertReferencedUid('', 'IMAGE SOP instance')).toThrow(/cannot be written/);
    expect(() => assertReferencedUid('1.2\\3.4', 'IMAGE SOP instance')).toThrow(/cannot be written/);
    const ref = image('CONTAINS', null, { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '9.2458.001.2.01' });
    expect((ref.dataset.ReferencedSOPSequence as Record<string, unknown>[])[0].ReferencedSOPInstanceUID).toBe('9.2458.001.2.01');
    expect(uidref('CONTAINS', SR.sourceSeriesForSegmentation, '9.2458.001.2').dataset.UID).toBe('9.2458.001.2');
  });

  it('names the source UIDs that break the rules in one warning, and says nothing for valid ones', () => {
    const instances = Array.from({ length: 5 }, (_, k) => ({ sopInstanceUid: `9.1.0${k + 1}`, sopClassUid: '1.2.840.10008.5.1.4.1.1.2' }));
    const w = sourceUidWarning({ source: { studyInstanceUid: '1.2.3', seriesInstanceUid: '9.2', frameOfReferenceUid: null }, instances })!;
    expect(w).toContain('SeriesInstanceUID 9.2 (its root 9 is not 0, 1 or 2)');
    expect(w).toContain('5 of the 5 SOPInstanceUIDs, e.g. 9.1.01');
    expect(w).not.toContain('StudyInstanceUID');
    expect(w).toMatch(/Stored results refer to them unchanged/);
    expect(sourceUidWarning({ source: { studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.4' }, instances: [{ sopInstanceUid: '1.2.5' }] })).toBeNull();
  });
});
