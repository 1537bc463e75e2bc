/**
 * The core's vector helpers (core/math.ts): normalize and normalizeOrZero agree on every
 * non-zero vector and differ only on the zero vector (NaN against zero).
 */
import { describe, expect, it } from 'vitest';
import { norm, normalize, normalizeOrZero } from '../../core/math';
import type { Vec3 } from '../../core/types';

describe('normalizeOrZero', () => {
  it('gives the unit vector, exactly as normalize does, for a non-zero vector', () => {
    for (const v of [[3, 4, 0], [0.55, -0.45, -0.7], [-1e-9, 2e-9, 0], [0, -1, 0]] as Vec3[]) {
      expect(normalizeOrZero(v)).toEqual(normalize(v));
      expect(norm(normalizeOrZero(v))).toBeCloseTo(1, 12);
    }
  });

  it('keeps the zero vector zero where normalize gives NaN', () => {
    expect(normalizeOrZero([0, 0, 0])).toEqual([0, 0, 0]);
    expect(normalize([0, 0, 0]).every(Number.isNaN)).toBe(true);
  });
});
