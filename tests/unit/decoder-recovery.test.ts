/**
 * A damaged JPEG-LS image that makes the WebAssembly decoder stop (a trap) must not spoil the
 * decoder for the images after it: found by `npm run fuzz`, where unharmed slices decoded after a
 * damaged one were reported as "damaged or truncated". The decoder instance is dropped after a
 * trap and the next initCodecs() starts a fresh one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { frameToHu, initCodecs, type PixelLayout } from '../../core/dicom/pixels';
import { parseInstance } from '../../core/dicom/read';

const ACRIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/acrin-chest-ct');

describe.skipIf(!fs.existsSync(ACRIN))('decoder after a damaged image', () => {
  it('decodes the next good image exactly as before the damage', async () => {
    const name = '0022.dcm';
    const inst = parseInstance({ name, bytes: new Uint8Array(fs.readFileSync(path.join(ACRIN, name))) });
    const ds = inst.dataset as Record<string, number>;
    const layout: PixelLayout = { rows: ds.Rows, columns: ds.Columns, bitsAllocated: ds.BitsAllocated, bitsStored: ds.BitsStored, pixelRepresentation: ds.PixelRepresentation as 0 | 1, slope: 1, intercept: 0 };
    const frame = inst.frames![0];
    await initCodecs();
    const reference = new Int16Array(layout.rows * layout.columns);
    frameToHu(frame, inst.transferSyntaxUid, layout, reference);

    // Damage the scan (not its end marker) until the decoder traps; the fuzz run found such cases.
    let trapped = false;
    for (let attempt = 0; attempt < 40 && !trapped; attempt++) {
      const bad = frame.slice();
      for (let p = 64 + attempt * 997; p < 64 + attempt * 997 + 64 && p < bad.length - 4; p++) bad[p] = (p * 37 + attempt) & 0xff;
      try {
        frameToHu(bad, inst.transferSyntaxUid, layout, new Int16Array(layout.rows * layout.columns));
      } catch (e) {
        trapped = /unreachable|out of bounds|RuntimeError/i.test(String((e as Error).message)) || (e as Error).name === 'RuntimeError';
      }
    }
    expect(trapped, 'no damaged variant made the decoder trap').toBe(true);

    // Until a fresh decoder is loaded, compressed images are refused rather than decoded by a spoilt one.
    expect(() => frameToHu(frame, inst.transferSyntaxUid, layout, new Int16Array(layout.rows * layout.columns))).toThrow(/initCodecs/);
    await initCodecs();
    const again = new Int16Array(layout.rows * layout.columns);
    frameToHu(frame, inst.transferSyntaxUid, layout, again);
    expect(again).toEqual(reference);
  });
});
