// The CLI's decode pool never waits for a worker that cannot answer: one that failed to start
// (here: its module does not exist, so it exits before any batch reaches it) is left out, and
// the main thread decodes every slice. Before the fix the pool waited for it forever.
import { describe, expect, it } from 'vitest';
import { DecodePool } from '../../cli/decode-pool';
import { writeCtSeries } from '../../core/dicom/write-ct';
import { initCodecs, planSeries } from '../../core/dicom/read';
import { demoStudy } from '../../core/phantom/index';

describe('decode pool', () => {
  it('a worker that died before the batch is not waited for: the main thread decodes all slices, the same HU', async () => {
    await initCodecs();
    const { volume } = demoStudy(1);
    const files = writeCtSeries(volume).map((bytes, n) => ({ name: `${n}.dcm`, bytes }));
    const { plan } = planSeries(files);
    const g = plan.geometry;
    const pool = new DecodePool(1, new URL('file:///nonexistent/cacs-decode-worker.mjs'));
    try {
      await new Promise((r) => setTimeout(r, 1500)); // the worker fails to load and exits
      const t0 = performance.now();
      const hu = await pool.decode(plan.jobs, g.columns * g.rows * g.slices);
      expect(performance.now() - t0).toBeLessThan(20_000);
      expect(hu.length).toBe(volume.hu.length);
      expect(Buffer.from(hu.buffer).equals(Buffer.from(volume.hu.buffer))).toBe(true);
    } finally {
      pool.close();
    }
  }, 60_000);
});
