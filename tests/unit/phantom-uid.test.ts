import { describe, expect, it } from 'vitest';
import { isValidUid, newUid, uidFromSeed } from '../../core/dicom/uid';

describe('UIDs of generated objects', () => {
  it('derives the same 2.25 UID from the same seed and parts, a different one from different parts', () => {
    expect(uidFromSeed(1, 'study')).toBe(uidFromSeed(1, 'study'));
    const many = new Set<string>();
    for (let seed = 0; seed < 50; seed++) for (let k = 0; k < 40; k++) many.add(uidFromSeed(seed, 'sop', k));
    expect(many.size).toBe(2000);
    expect(uidFromSeed(1, 'study')).not.toBe(uidFromSeed(2, 'study'));
    expect(uidFromSeed(1, 'sop', 12)).not.toBe(uidFromSeed(1, 'sop', 1, 2)); // parts are delimited
  });

  it('makes valid UIDs: 2.25 root, decimal of at most 128 bits, no leading zero, at most 64 characters', () => {
    for (const uid of [uidFromSeed(0), uidFromSeed('x', 'y'), newUid(), newUid()]) {
      expect(isValidUid(uid), uid).toBe(true);
      expect(uid).toMatch(/^2\.25\.[1-9]\d*$/);
      expect(BigInt(uid.slice(5)) < 1n << 128n).toBe(true);
      expect(uid.length).toBeLessThanOrEqual(64);
    }
    expect(newUid()).not.toBe(newUid());
  });

  it('tells valid UIDs from invalid ones', () => {
    expect(isValidUid('1.2.840.10008.5.1.4.1.1.2')).toBe(true);
    expect(isValidUid('1.02.3')).toBe(false);
    expect(isValidUid('1..2')).toBe(false);
    expect(isValidUid('1.2.a')).toBe(false);
    expect(isValidUid(`1.${'2'.repeat(70)}`)).toBe(false);
  });
});
