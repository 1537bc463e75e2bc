/**
 * `cacs anatomy --png DIR` on the ACRIN chest CT (../shared/data): four valid PNGs of the
 * expected sizes (axial at the CT's matrix, reformats stretched by slice increment / pixel
 * spacing), the heart outline drawn on the axial slice through the root, anatomy.json and
 * captions.txt beside them, and a --png target that is a file refused in one clear line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anatomyCommand } from '../../cli/anatomy';
import { UsageError } from '../../cli/args';
import { CHECK_OUTLINE_RGB } from '../../core/encode/check-images';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IMAGES = ['axial-root.png', 'axial-midheart.png', 'coronal.png', 'sagittal.png'];

/** Width, height and RGB pixels of an 8-bit RGB PNG (any filter-free encoder, like ours). */
function readPng(file: string): { width: number; height: number; rgb: Uint8Array } {
  const b = fs.readFileSync(file);
  expect([...b.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  expect(b[24]).toBe(8); // bit depth
  expect(b[25]).toBe(2); // RGB
  const idat: Buffer[] = [];
  for (let o = 8; o < b.length; ) {
    const len = b.readUInt32BE(o);
    if (b.toString('latin1', o + 4, o + 8) === 'IDAT') idat.push(b.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (1 + 3 * width));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (1 + 3 * width)]).toBe(0); // filter: none
    rgb.set(raw.subarray(y * (1 + 3 * width) + 1, (y + 1) * (1 + 3 * width)), y * width * 3);
  }
  return { width, height, rgb };
}

describe('cacs anatomy --png on the ACRIN chest CT', () => {
  let dir: string;
  let out: string;
  const lines: string[] = [];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-anatomy-'));
    out = path.join(dir, 'checks', 'acrin'); // created by the command, parents included
    const code = await anatomyCommand([ACRIN, '--png', out], { out: (l) => lines.push(l) });
    expect(code).toBe(0);
  }, 60_000);
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes four PNGs of the expected sizes, anatomy.json and captions.txt, one line each', () => {
    const json = JSON.parse(fs.readFileSync(path.join(out, 'anatomy.json'), 'utf8'));
    const [columns, rows, slices] = json.source.size as number[];
    const [colMm, rowMm, incMm] = json.source.spacingMm as number[];
    const pixelMm = Math.min(colMm, rowMm);
    const tall = Math.round((slices * incMm) / pixelMm);
    const expected: Record<string, [number, number]> = {
      'axial-root.png': [Math.round((columns * colMm) / pixelMm), Math.round((rows * rowMm) / pixelMm)],
      'axial-midheart.png': [Math.round((columns * colMm) / pixelMm), Math.round((rows * rowMm) / pixelMm)],
      'coronal.png': [Math.round((columns * colMm) / pixelMm), tall],
      'sagittal.png': [Math.round((rows * rowMm) / pixelMm), tall],
    };
    expect(expected['axial-root.png']).toEqual([512, 512]);
    // 135 slices every 3.27 mm at 0.98 mm pixels: about 452 rows, not 135 (not squashed).
    expect(tall).toBeGreaterThan(400);
    for (const name of IMAGES) {
      const png = readPng(path.join(out, name));
      expect([png.width, png.height], name).toEqual(expected[name]);
      expect(lines.some((l) => l.startsWith(path.join(out, name))), name).toBe(true);
    }
    expect(json.found).toBe(true);
    expect(json.aorticRootMm).toHaveLength(3);
    expect(json.heartVolumeMl).toBeGreaterThan(100);
    expect(Object.keys(json.timingsMs)).toEqual(expect.arrayContaining(['read', 'anatomy', 'detect', 'render']));
    const captions = fs.readFileSync(path.join(out, 'captions.txt'), 'utf8');
    for (const name of IMAGES) expect(captions).toContain(`${name}:`);
    expect(captions).toMatch(/Heart \d+ ml/);
    expect(lines).toContain(path.join(out, 'anatomy.json'));
    expect(lines).toContain(path.join(out, 'captions.txt'));
  });

  it('draws the heart outline (red) on the axial slice through the root, within the body', () => {
    const { width, height, rgb } = readPng(path.join(out, 'axial-root.png'));
    const [r, g, b] = CHECK_OUTLINE_RGB.heart;
    let red = 0;
    let sx = 0;
    let sy = 0;
    for (let p = 0; p < width * height; p++) {
      if (rgb[3 * p] === r && rgb[3 * p + 1] === g && rgb[3 * p + 2] === b) {
        red++;
        sx += p % width;
        sy += Math.floor(p / width);
      }
    }
    expect(red).toBeGreaterThan(100);
    // The outline lies in the middle of the chest, not at the image border.
    expect(sx / red).toBeGreaterThan(width * 0.25);
    expect(sx / red).toBeLessThan(width * 0.75);
    expect(sy / red).toBeGreaterThan(height * 0.15);
    expect(sy / red).toBeLessThan(height * 0.75);
  });

  it('refuses a --png target that is a file, and a missing --png, in one clear line', async () => {
    const file = path.join(dir, 'not-a-folder.png');
    fs.writeFileSync(file, 'x');
    const err = await anatomyCommand([ACRIN, '--png', file], { out: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/--png .*not-a-folder\.png exists and is a file/);
    expect((err as Error).message).not.toContain('\n');
    await expect(anatomyCommand([ACRIN], { out: () => {} })).rejects.toThrow(/--png DIR is required/);
    await expect(anatomyCommand([ACRIN, '--png', dir, '--reader', path.join(dir, 'missing.json')], { out: () => {} })).rejects.toThrow(/--reader file .* does not exist/);
  });
});
