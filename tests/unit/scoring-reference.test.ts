/**
 * The slice-by-slice detector (reused slice buffers + union-find) must find exactly the same 2D
 * components and 3D lesions as a naive full-volume labelling written out plainly here, on
 * random speckled volumes that exercise every connectivity case.
 */
import { describe, expect, it } from 'vitest';
import { detectLesions } from '../../core/scoring/detect';
import { makeVolume } from './helpers/volume';
import type { CtVolume } from '../../core/types';

function naive(v: CtVolume, threshold: number, minPixels: number, conn2d: 4 | 8) {
  const { columns: C, rows: R, slices: S } = v;
  const idx = (i: number, j: number, k: number) => (k * R + j) * C + i;
  const comp = new Int32Array(C * R * S); // 2D component id per voxel (qualifying only)
  const components: number[][] = [];
  const n2d =
    conn2d === 8
      ? [[-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1]]
      : [[0, -1], [-1, 0], [1, 0], [0, 1]];
  const seen = new Uint8Array(C * R * S);
  for (let k = 0; k < S; k++)
    for (let j = 0; j < R; j++)
      for (let i = 0; i < C; i++) {
        if (seen[idx(i, j, k)] || v.hu[idx(i, j, k)] < threshold) continue;
        const stack: [number, number][] = [[i, j]];
        const members: number[] = [];
        seen[idx(i, j, k)] = 1;
        while (stack.length) {
          const [a, b] = stack.pop()!;
          members.push(idx(a, b, k));
          for (const [da, db] of n2d) {
            const x = a + da;
            const y = b + db;
            if (x < 0 || y < 0 || x >= C || y >= R) continue;
            if (seen[idx(x, y, k)] || v.hu[idx(x, y, k)] < threshold) continue;
            seen[idx(x, y, k)] = 1;
            stack.push([x, y]);
          }
        }
        if (members.length >= minPixels) {
          components.push(members.sort((p, q) => p - q));
          for (const m of members) comp[m] = components.length;
        }
      }
  // 3D lesions: 26-connected components of qualifying voxels, as sets of 2D component ids.
  const lesionOf = new Int32Array(components.length + 1);
  let lesions = 0;
  for (let c = 1; c <= components.length; c++) {
    if (lesionOf[c]) continue;
    lesions++;
    const stack = [c];
    lesionOf[c] = lesions;
    while (stack.length) {
      const cur = stack.pop()!;
      for (const m of components[cur - 1]) {
        const k = Math.floor(m / (C * R));
        const j = Math.floor((m % (C * R)) / C);
        const i = m % C;
        for (let dk = -1; dk <= 1; dk++)
          for (let dj = -1; dj <= 1; dj++)
            for (let di = -1; di <= 1; di++) {
              const x = i + di;
              const y = j + dj;
              const z = k + dk;
              if (x < 0 || y < 0 || z < 0 || x >= C || y >= R || z >= S) continue;
              const other = comp[idx(x, y, z)];
              if (other && !lesionOf[other]) {
                lesionOf[other] = lesions;
                stack.push(other);
              }
            }
      }
    }
  }
  const partition = new Map<number, string[]>();
  components.forEach((members, n) => {
    const l = lesionOf[n + 1];
    partition.set(l, [...(partition.get(l) ?? []), members.join(',')]);
  });
  return {
    components: components.map((m) => m.join(',')).sort(),
    lesions: [...partition.values()].map((l) => l.sort().join('|')).sort(),
  };
}

function randomVolume(seed: number, density: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const v = makeVolume({ columns: 14, rows: 11, slices: 6 });
  for (let n = 0; n < v.hu.length; n++) v.hu[n] = rnd() < density ? 130 + Math.floor(rnd() * 500) : Math.floor(rnd() * 129);
  return v;
}

describe('detector agrees with a naive full-volume labelling', () => {
  for (const conn of [8, 4] as const) {
    for (const minPixels of [1, 3]) {
      it(`random speckle, ${conn}-connected slices, minimum ${minPixels} pixel(s): same components and lesions`, () => {
        for (let seed = 1; seed <= 12; seed++) {
          const v = randomVolume(seed * 7919, [0.25, 0.4, 0.6, 0.85][seed % 4]); // dense ones have interior voxels
          const set = detectLesions(v, { connectivity2d: conn, minAreaPixels: minPixels });
          const ref = naive(v, 130, minPixels, conn);
          const got = set.componentVoxels.map((vox) => [...vox].sort((a, b) => a - b).join(',')).sort();
          expect(got).toEqual(ref.components);
          const lesions = set.lesions
            .map((l) =>
              l.componentIds
                .map((id) => [...set.componentVoxels[id - 1]].sort((a, b) => a - b).join(','))
                .sort()
                .join('|'),
            )
            .sort();
          expect(lesions).toEqual(ref.lesions);
          // ids are 1-based and consistent
          set.components.forEach((c, n) => expect(c.id).toBe(n + 1));
          set.lesions.forEach((l, n) => {
            expect(l.id).toBe(n + 1);
            for (const id of l.componentIds) expect(set.components[id - 1].lesionId).toBe(l.id);
          });
        }
      });
    }
  }
});

describe('3D merge under the middle of a large calcification', () => {
  it('a one-voxel speck right under the centre of a 5 x 5 block on the next slice joins it', () => {
    const v = makeVolume();
    for (let j = 3; j <= 7; j++) for (let i = 3; i <= 7; i++) v.hu[(1 * v.rows + j) * v.columns + i] = 500;
    v.hu[(0 * v.rows + 5) * v.columns + 5] = 500;
    const set = detectLesions(v, { minAreaPixels: 1 });
    expect(set.components).toHaveLength(2);
    expect(set.lesions).toHaveLength(1);
  });
});
