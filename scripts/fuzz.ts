/**
 * `npm run fuzz -- --count N [--seed S] [options]`: feeds `cacs score` damaged and inconsistent
 * DICOM series and checks that it fails well. Each case copies a sample series, mutates it, and
 * scores it; the CLI must never exit 1 (internal error), never print a stack trace, never hang
 * (a per-case time limit), and exit 0 or 2 only (2 with one line on stderr).
 *
 * Samples (written fresh into a temporary folder at every run):
 *   - phantom: a small synthetic series written by the project's own writer (`cacs phantom
 *     --size 64`: 48 slices, Explicit VR Little Endian);
 *   - acrin: 6 neighbouring slices of ../shared/data/acrin-chest-ct (JPEG-LS), when present.
 * Mutations (1 to 3 a case, chosen by a seeded generator, so a case is reproducible from
 * --seed and its number): bit flips (header or anywhere), truncation, overwritten pixel bytes,
 * tag edits (rescale, bits, rows/columns, pixel representation, photometric interpretation,
 * spacing, thickness, position, orientation, modality, UIDs; in one file or in all), elements
 * removed, the transfer syntax UID swapped for another, files dropped, duplicated, emptied,
 * replaced by noise, or taken from the other sample. Some cases add --force or --allow-gaps;
 * one in ten runs the automatic labeller (the shipped model), the rest --no-auto.
 *
 * Speed: the CLI's own main() runs in-process in worker processes (one per core, restarted
 * now and then and whenever a case runs past the time limit), with stdout, stderr and the exit
 * code captured; every --subprocess-every'th case also runs as a real `node bin/cacs.mjs`
 * process (the compiled build) and must give the same exit code.
 *
 * Options: --count N (100) --seed S (1) --time-limit SECONDS (30) --jobs J (cores)
 *          --subprocess-every K (25; 0 = never) --case K (run only case K, print its output)
 *          --keep DIR (failing cases are copied there; default test-output/fuzz-failures)
 *          --json FILE (summary) --quiet
 *          --cli MODULE (a module whose main(argv) replaces the CLI's in-process; for this script's own test)
 * Exit code: 0 when every case passed, 1 when one failed (listed with how to rerun it), 2 on bad options.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');
const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Child: runs the CLI's main() in-process, one case at a time, on request from the parent.

interface CaseRequest {
  k: number;
  args: string[];
}
interface CaseReply {
  k: number;
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function child(): Promise<void> {
  process.env.CACS_DECODE_WORKERS = '0'; // one case per process at a time: no decode threads
  // --cli MODULE (tests of this script): another module's main(argv) stands in for the CLI's.
  const cliModule = process.argv[process.argv.indexOf('--child') + 1];
  const { main } = (cliModule ? await import(path.resolve(cliModule)) : await import('../cli/main')) as typeof import('../cli/main');
  const realOut = process.stdout.write.bind(process.stdout);
  const realErr = process.stderr.write.bind(process.stderr);
  let current: { out: string[]; err: string[] } | null = null;
  const capture = (sink: 'out' | 'err', real: typeof realOut) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (!current) return (real as (...a: unknown[]) => boolean)(chunk, ...rest);
      current[sink].push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture('out', realOut);
  process.stderr.write = capture('err', realErr);
  // Whatever escapes main() is a failure of the CLI: report it as an exit 1 with its stack.
  const escaped = (e: unknown) => {
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.send!({ k: -1, code: 1, stdout: '', stderr: `escaped main(): ${text}`, ms: 0 } satisfies CaseReply, () => process.exit(1));
  };
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  process.on('message', async (req: CaseRequest) => {
    current = { out: [], err: [] };
    const t = performance.now();
    let code: number;
    try {
      code = await main(req.args);
    } catch (e) {
      current.err.push(`main() threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      code = 1;
    }
    const reply: CaseReply = { k: req.k, code, stdout: current.out.join(''), stderr: current.err.join(''), ms: performance.now() - t };
    current = null;
    process.send!(reply);
  });
  process.send!({ ready: true });
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  readonly next: () => number;
  constructor(seed: number, k: number) {
    this.next = mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35));
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------------------------------------
// Byte-level DICOM edits (Explicit VR Little Endian, top-level elements found by their tag + VR).

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

interface ElementAt {
  offset: number;
  vr: string;
  header: number;
  length: number;
}

function findElement(bytes: Uint8Array, group: number, element: number): ElementAt | null {
  const g0 = group & 0xff;
  const g1 = group >> 8;
  const e0 = element & 0xff;
  const e1 = element >> 8;
  const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;
  for (let p = group === 2 ? 132 : 132; p + 8 <= bytes.length; p++) {
    if (bytes[p] !== g0 || bytes[p + 1] !== g1 || bytes[p + 2] !== e0 || bytes[p + 3] !== e1) continue;
    if (!isUpper(bytes[p + 4]) || !isUpper(bytes[p + 5])) continue;
    const vr = String.fromCharCode(bytes[p + 4], bytes[p + 5]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (LONG_VRS.has(vr)) {
      if (p + 12 > bytes.length) return null;
      return { offset: p, vr, header: 12, length: view.getUint32(p + 8, true) };
    }
    return { offset: p, vr, header: 8, length: view.getUint16(p + 6, true) };
  }
  return null;
}

/** Replace (or with null, remove) a top-level element's value; keeps (0002,0000) right for meta elements. */
function setElement(bytes: Uint8Array, group: number, element: number, value: Uint8Array | null): Uint8Array {
  const at = findElement(bytes, group, element);
  if (!at) return bytes;
  const oldLength = at.length === 0xffffffff ? 0 : at.length;
  const end = Math.min(bytes.length, at.offset + at.header + oldLength);
  let replacement: Uint8Array;
  if (value === null) {
    replacement = new Uint8Array(0);
  } else {
    const padded = value.length % 2 === 0 ? value : concat([value, new Uint8Array([at.vr === 'UI' || at.vr === 'OB' ? 0 : 0x20])]);
    if (at.header === 8 && padded.length > 0xffff) return bytes;
    replacement = new Uint8Array(at.header + padded.length);
    replacement.set(bytes.subarray(at.offset, at.offset + at.header));
    const view = new DataView(replacement.buffer);
    if (at.header === 12) view.setUint32(8, padded.length, true);
    else view.setUint16(6, padded.length, true);
    replacement.set(padded, at.header);
  }
  const out = concat([bytes.subarray(0, at.offset), replacement, bytes.subarray(end)]);
  if (group === 2) {
    const gl = findElement(out, 2, 0);
    if (gl && gl.vr === 'UL' && gl.length === 4) {
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      view.setUint32(gl.offset + 8, view.getUint32(gl.offset + 8, true) + (replacement.length - (end - at.offset)), true);
    }
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ascii = (s: string) => new TextEncoder().encode(s);
const uint16 = (v: number) => new Uint8Array([v & 0xff, (v >> 8) & 0xff]);

// ---------------------------------------------------------------------------------------------
// Mutations: each edits the case's files (name -> bytes) and says what it did.

type Files = Map<string, Uint8Array>;

const US_TAGS: [string, number, number][] = [
  ['Rows', 0x0028, 0x0010],
  ['Columns', 0x0028, 0x0011],
  ['BitsAllocated', 0x0028, 0x0100],
  ['BitsStored', 0x0028, 0x0101],
  ['HighBit', 0x0028, 0x0102],
  ['PixelRepresentation', 0x0028, 0x0103],
  ['SamplesPerPixel', 0x0028, 0x0002],
];
const US_VALUES = [0, 1, 2, 7, 8, 12, 15, 16, 17, 24, 31, 32, 64, 255, 256, 511, 513, 1024, 32767, 65535];

const DS_TAGS: [string, number, number, number][] = [
  // name, group, element, values per item
  ['RescaleSlope', 0x0028, 0x1053, 1],
  ['RescaleIntercept', 0x0028, 0x1052, 1],
  ['SliceThickness', 0x0018, 0x0050, 1],
  ['PixelSpacing', 0x0028, 0x0030, 2],
  ['ImagePositionPatient', 0x0020, 0x0032, 3],
  ['ImageOrientationPatient', 0x0020, 0x0037, 6],
  ['KVP', 0x0018, 0x0060, 1],
  ['SpacingBetweenSlices', 0x0018, 0x0088, 1],
];
const DS_SPECIAL = ['0', '-0', '1', '-1', '1e9', '-1e9', '1e-9', '1e308', 'NaN', 'Infinity', '-Infinity', 'abc', '', ' ', '1\\2', '0\\0', '\\\\', '3', '+5', '0.0001', '-2048', '4095', '65536'];

const CS_EDITS: [string, number, number, string[]][] = [
  ['PhotometricInterpretation', 0x0028, 0x0004, ['MONOCHROME1', 'RGB', 'PALETTE COLOR', 'YBR_FULL', '', 'X']],
  ['Modality', 0x0008, 0x0060, ['MR', 'SEG', 'SR', '', 'CT\\MR']],
  ['SOPClassUID', 0x0008, 0x0016, ['1.2.840.10008.5.1.4.1.1.4', '1.2.840.10008.5.1.4.1.1.7', '', '9.9', '1.2.840.10008.5.1.4.1.1.2.1']],
  ['SeriesInstanceUID', 0x0020, 0x000e, ['1.2.3.4', '', '0.0', '9.2458.001']],
  ['FrameOfReferenceUID', 0x0020, 0x0052, ['1.2.3', '']],
  ['SOPInstanceUID', 0x0008, 0x0018, ['1.2.3.4.5', '']],
  ['NumberOfFrames', 0x0028, 0x0008, ['2', '0', '-1', 'x', '100000']],
  ['ImageType', 0x0008, 0x0008, ['DERIVED\\SECONDARY\\LOCALIZER', 'ORIGINAL\\PRIMARY\\AXIAL', '']],
];

const TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2', // implicit VR little endian
  '1.2.840.10008.1.2.1', // explicit VR little endian
  '1.2.840.10008.1.2.2', // explicit VR big endian (retired)
  '1.2.840.10008.1.2.1.99', // deflated
  '1.2.840.10008.1.2.4.50', // JPEG baseline
  '1.2.840.10008.1.2.4.57', // JPEG lossless
  '1.2.840.10008.1.2.4.70', // JPEG lossless SV1
  '1.2.840.10008.1.2.4.80', // JPEG-LS lossless
  '1.2.840.10008.1.2.4.81', // JPEG-LS near-lossless
  '1.2.840.10008.1.2.4.90', // JPEG 2000 lossless
  '1.2.840.10008.1.2.4.91', // JPEG 2000
  '1.2.840.10008.1.2.4.201', // HTJ2K lossless
  '1.2.840.10008.1.2.5', // RLE
  '1.2.840.10008.1.2.4.100', // MPEG2 (video)
  '1.2.3.4', // not a transfer syntax
  '',
];

function someFiles(files: Files, rng: Rng, allChance = 0.3): string[] {
  const names = [...files.keys()].filter((n) => n.endsWith('.dcm'));
  if (names.length === 0) return [];
  if (rng.chance(allChance)) return names;
  return [rng.pick(names)];
}
const which = (names: string[], files: Files) => (names.length > 1 && names.length === [...files.keys()].filter((n) => n.endsWith('.dcm')).length ? 'all files' : names.join(','));

const MUTATIONS: { name: string; weight: number; apply: (files: Files, rng: Rng, other: Files) => string }[] = [
  {
    name: 'bit flips',
    weight: 3,
    apply(files, rng) {
      const [name] = someFiles(files, rng, 0);
      const bytes = files.get(name)!.slice();
      const n = 1 + rng.int(rng.chance(0.5) ? 4 : 64);
      const headerOnly = rng.chance(0.5);
      for (let i = 0; i < n; i++) {
        const p = headerOnly ? rng.int(Math.min(bytes.length, 2048)) : rng.int(bytes.length);
        bytes[p] ^= 1 << rng.int(8);
      }
      files.set(name, bytes);
      return `${n} bit flips in ${headerOnly ? 'the first 2 KB of ' : ''}${name}`;
    },
  },
  {
    name: 'truncation',
    weight: 2,
    apply(files, rng) {
      const [name] = someFiles(files, rng, 0);
      const bytes = files.get(name)!;
      const at = rng.chance(0.3) ? rng.int(Math.min(bytes.length, 400)) : rng.chance(0.5) ? bytes.length - 1 - rng.int(64) : rng.int(bytes.length);
      files.set(name, bytes.slice(0, Math.max(0, at)));
      return `${name} truncated to ${at} of ${bytes.length} bytes`;
    },
  },
  {
    name: 'pixel bytes overwritten',
    weight: 2,
    apply(files, rng) {
      const [name] = someFiles(files, rng, 0);
      const bytes = files.get(name)!.slice();
      const pixels = findElement(bytes, 0x7fe0, 0x0010);
      const start = pixels ? pixels.offset + pixels.header : Math.floor(bytes.length * 0.7);
      const from = start + rng.int(Math.max(1, bytes.length - start));
      const n = 1 + rng.int(rng.chance(0.5) ? 16 : 4096);
      const fill = rng.pick(['random', 'zeros', 'ones', 'ff d9']);
      for (let p = from; p < Math.min(bytes.length, from + n); p++) {
        bytes[p] = fill === 'random' ? rng.int(256) : fill === 'zeros' ? 0 : fill === 'ones' ? 0xff : (p - from) % 2 === 0 ? 0xff : 0xd9;
      }
      files.set(name, bytes);
      return `${n} pixel bytes of ${name} set to ${fill} at ${from}`;
    },
  },
  {
    name: 'US tag edit',
    weight: 3,
    apply(files, rng) {
      const [tag, g, e] = rng.pick(US_TAGS);
      const value = rng.chance(0.8) ? rng.pick(US_VALUES) : rng.int(65536);
      const names = someFiles(files, rng);
      for (const n of names) files.set(n, setElement(files.get(n)!, g, e, uint16(value)));
      return `${tag} = ${value} in ${which(names, files)}`;
    },
  },
  {
    name: 'DS tag edit',
    weight: 4,
    apply(files, rng) {
      const [tag, g, e, count] = rng.pick(DS_TAGS);
      const item = () => (rng.chance(0.6) ? rng.pick(DS_SPECIAL) : String(Number(((rng.next() - 0.5) * 10 ** rng.int(7)).toPrecision(1 + rng.int(6)))));
      const value = rng.chance(0.7) ? Array.from({ length: count }, item).join('\\') : item();
      const names = someFiles(files, rng);
      for (const n of names) files.set(n, setElement(files.get(n)!, g, e, ascii(value)));
      return `${tag} = '${value}' in ${which(names, files)}`;
    },
  },
  {
    name: 'CS/UI tag edit',
    weight: 2,
    apply(files, rng) {
      const [tag, g, e, values] = rng.pick(CS_EDITS);
      const value = rng.pick(values);
      const names = someFiles(files, rng);
      for (const n of names) files.set(n, setElement(files.get(n)!, g, e, ascii(value)));
      return `${tag} = '${value}' in ${which(names, files)}`;
    },
  },
  {
    name: 'element removed',
    weight: 2,
    apply(files, rng) {
      const all: [string, number, number][] = [
        ...US_TAGS,
        ...DS_TAGS.map(([n, g, e]) => [n, g, e] as [string, number, number]),
        ['PixelData', 0x7fe0, 0x0010],
        ['TransferSyntaxUID', 0x0002, 0x0010],
        ['SeriesInstanceUID', 0x0020, 0x000e],
        ['Modality', 0x0008, 0x0060],
        ['SOPClassUID', 0x0008, 0x0016],
      ];
      const [tag, g, e] = rng.pick(all);
      const names = someFiles(files, rng);
      for (const n of names) files.set(n, setElement(files.get(n)!, g, e, null));
      return `${tag} removed from ${which(names, files)}`;
    },
  },
  {
    name: 'transfer syntax swapped',
    weight: 3,
    apply(files, rng) {
      const uid = rng.pick(TRANSFER_SYNTAXES);
      const names = someFiles(files, rng, 0.5);
      for (const n of names) files.set(n, setElement(files.get(n)!, 0x0002, 0x0010, ascii(uid)));
      return `transfer syntax '${uid}' in ${which(names, files)}`;
    },
  },
  {
    name: 'files changed',
    weight: 2,
    apply(files, rng, other) {
      const names = [...files.keys()].filter((n) => n.endsWith('.dcm'));
      const name = rng.pick(names);
      const kind = rng.pick(['drop', 'duplicate', 'empty', 'noise with preamble', 'noise', 'foreign slice', 'drop most']);
      if (kind === 'drop') files.delete(name);
      else if (kind === 'drop most') for (const n of names.slice(1)) files.delete(n);
      else if (kind === 'duplicate') files.set(`copy-${name}`, files.get(name)!);
      else if (kind === 'empty') files.set(name, new Uint8Array(0));
      else if (kind === 'foreign slice') {
        const otherNames = [...other.keys()].filter((n) => n.endsWith('.dcm'));
        if (otherNames.length > 0) files.set(`foreign-${name}`, other.get(rng.pick(otherNames))!);
      } else {
        const bytes = new Uint8Array(200 + rng.int(20000));
        for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
        if (kind === 'noise with preamble') bytes.set(ascii('DICM'), 128);
        files.set(name, bytes);
      }
      return `${kind}: ${name}`;
    },
  },
];
const TOTAL_WEIGHT = MUTATIONS.reduce((a, m) => a + m.weight, 0);

function pickMutation(rng: Rng) {
  let r = rng.next() * TOTAL_WEIGHT;
  for (const m of MUTATIONS) {
    r -= m.weight;
    if (r < 0) return m;
  }
  return MUTATIONS[0];
}

// ---------------------------------------------------------------------------------------------
// Samples.

interface Sample {
  name: string;
  files: Files;
}

function readDir(dir: string): Files {
  const files: Files = new Map();
  for (const n of fs.readdirSync(dir).sort()) if (n.endsWith('.dcm')) files.set(n, new Uint8Array(fs.readFileSync(path.join(dir, n))));
  return files;
}

async function makeSamples(work: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  const { main } = await import('../cli/main');
  const phantomDir = path.join(work, 'sample-phantom');
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write; // `cacs phantom` says what it wrote
  let code: number;
  try {
    code = await main(['phantom', '--out', phantomDir, '--size', '64', '--seed', '3']);
  } finally {
    process.stdout.write = write;
  }
  if (code !== 0) throw new Error(`fuzz: could not write the phantom sample (cacs phantom exit ${code})`);
  samples.push({ name: 'phantom', files: readDir(phantomDir) });
  if (fs.existsSync(ACRIN)) {
    // Six neighbouring slices from the middle of the chest, ordered by position along z.
    const { parseInstance } = await import('../core/dicom/read');
    const all = fs
      .readdirSync(ACRIN)
      .filter((n) => n.endsWith('.dcm'))
      .map((n) => {
        const bytes = new Uint8Array(fs.readFileSync(path.join(ACRIN, n)));
        const z = Number((parseInstance({ name: n, bytes }).dataset.ImagePositionPatient as number[] | undefined)?.[2] ?? 0);
        return { n, bytes, z };
      })
      .sort((a, b) => a.z - b.z);
    const mid = Math.floor(all.length / 2) - 3;
    samples.push({ name: 'acrin', files: new Map(all.slice(mid, mid + 6).map((s) => [s.n, s.bytes])) });
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------
// Cases and their checks.

interface Case {
  k: number;
  sample: string;
  mutations: string[];
  args: string[];
  dir: string;
}

function makeCase(k: number, seed: number, samples: Sample[], work: string): Case {
  const rng = new Rng(seed, k);
  const sample = samples[rng.int(samples.length)];
  const other = samples[(samples.indexOf(sample) + 1) % samples.length];
  const files: Files = new Map(sample.files);
  const mutations: string[] = [];
  const n = 1 + (rng.chance(0.5) ? 0 : rng.int(3));
  for (let i = 0; i < n; i++) mutations.push(pickMutation(rng).apply(files, rng, other.files));
  const dir = path.join(work, `case-${k}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) fs.writeFileSync(path.join(dir, name), bytes);
  const args = ['score', dir, '--format', rng.chance(0.8) ? 'json' : 'table', '--no-auto'];
  if (rng.chance(0.2)) args.push('--force');
  if (rng.chance(0.1)) args.push('--allow-gaps');
  // Drawn last, so the cases of a seed stay what they were before the labeller was fuzzed too.
  if (rng.chance(0.1)) args.splice(args.indexOf('--no-auto'), 1);
  return { k, sample: sample.name, mutations, args, dir };
}

const STACK_LINE = /^\s+at .+(\(.+:\d+:\d+\)|:\d+:\d+)$|internal error/m;

/** What is wrong with one run's outcome, or null when it failed well (or succeeded). */
function judge(code: number | null, stdout: string, stderr: string, args: string[]): string | null {
  if (code === null) return 'no exit code';
  if (STACK_LINE.test(stderr)) return `stack trace or internal error on stderr (exit ${code})`;
  if (code === 1) return 'exit 1 (internal error)';
  if (code !== 0 && code !== 2) return `exit ${code} (only 0 or 2 expected without --store)`;
  if (code === 2) {
    const lines = stderr.trimEnd().split('\n').filter((l) => !/^(reading|decoding|scoring)\b/.test(l));
    if (lines.length !== 1 || !lines[0].startsWith('cacs: ')) return `exit 2 without exactly one 'cacs: ...' line on stderr (${lines.length} lines)`;
  }
  if (code === 0 && args.includes('json')) {
    try {
      const j = JSON.parse(stdout);
      if (typeof j?.total?.agatston !== 'number' || !Number.isFinite(j.total.agatston)) return 'exit 0 but the JSON has no finite total.agatston';
    } catch {
      return 'exit 0 but stdout is not JSON';
    }
  }
  return null;
}

interface Outcome {
  k: number;
  sample: string;
  mutations: string[];
  args: string[];
  code: number | null;
  ms: number;
  firstLine: string;
  failure: string | null;
  subprocess?: { code: number | null; ms: number; failure: string | null };
}

// ---------------------------------------------------------------------------------------------
// Parent: a pool of children, the per-case time limit, and the subprocess sample.

class Runner {
  private proc: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private cases = 0;
  constructor(private readonly cliModule: string | null) {}

  private start(): Promise<void> {
    const proc = fork(SELF, ['--child', ...(this.cliModule ? [this.cliModule] : [])], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: REPO_ROOT });
    proc.stderr!.on('data', () => {});
    this.proc = proc;
    this.cases = 0;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready) {
          proc.off('message', onMessage);
          resolve();
        }
      };
      proc.on('message', onMessage);
      proc.once('exit', (code) => reject(new Error(`fuzz child exited (${code}) before it was ready`)));
    });
    return this.ready;
  }

  stop(): void {
    this.proc?.kill('SIGKILL');
    this.proc = null;
  }

  async run(c: Case, timeLimitMs: number): Promise<RunResult> {
    if (!this.proc || this.cases >= 400) {
      this.stop();
      await this.start();
    }
    this.cases++;
    const proc = this.proc!;
    const t = performance.now();
    return new Promise((resolve) => {
      const done = (r: RunResult) => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: CaseReply) => {
        if (m.k === c.k) done({ ...m, hung: false });
        else if (m.k === -1) {
          this.proc = null;
          done({ code: 1, stdout: '', stderr: m.stderr, ms: performance.now() - t, hung: false, died: 'an exception escaped main()' });
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        this.proc = null;
        const died = `the CLI's process ended during the case (exit ${code}, ${signal ?? 'no signal'})`;
        done({ code: 1, stdout: '', stderr: died, ms: performance.now() - t, hung: false, died });
      };
      const timer = setTimeout(() => {
        this.stop();
        done({ code: null, stdout: '', stderr: '', ms: performance.now() - t, hung: true });
      }, timeLimitMs);
      proc.on('message', onMessage);
      proc.on('exit', onExit);
      proc.send({ k: c.k, args: c.args } satisfies CaseRequest);
    });
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  hung: boolean;
  /** Set when the in-process run ended its process (process.exit, a crash) or an exception escaped main(). */
  died?: string;
}

function runSubprocess(c: Case, timeLimitMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const t = performance.now();
    const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), ...c.args], { cwd: REPO_ROOT, env: { ...process.env, CACS_NO_BUILD: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      p.kill('SIGKILL');
    }, timeLimitMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: hung ? null : code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - t, hung });
    });
  });
}

interface Options {
  count: number;
  seed: number;
  timeLimitMs: number;
  jobs: number;
  subprocessEvery: number;
  only: number | null;
  keep: string;
  json: string | null;
  quiet: boolean;
  cli: string | null;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (name: string, dflt: number, min: number) => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      console.error(`fuzz: --${name} must be a whole number >= ${min} (got '${v}')`);
      process.exit(2);
    }
    return n;
  };
  const known = new Set(['--count', '--seed', '--time-limit', '--jobs', '--subprocess-every', '--case', '--keep', '--json', '--quiet', '--cli']);
  for (let i = 0; i < argv.length; i++) {
    if (!known.has(argv[i])) {
      console.error(`fuzz: unknown option ${argv[i]} (see the comment at the top of scripts/fuzz.ts)`);
      process.exit(2);
    }
    if (argv[i] !== '--quiet') i++;
  }
  const caseOpt = value('case');
  return {
    count: int('count', 100, 1),
    seed: int('seed', 1, 0),
    timeLimitMs: int('time-limit', 30, 1) * 1000,
    jobs: int('jobs', Math.max(1, os.availableParallelism?.() ?? os.cpus().length), 1),
    subprocessEvery: int('subprocess-every', 25, 0),
    only: caseOpt === undefined ? null : int('case', 0, 0),
    keep: value('keep') ?? path.join(REPO_ROOT, 'test-output', 'fuzz-failures'),
    json: value('json') ?? null,
    quiet: argv.includes('--quiet'),
    cli: value('cli') ?? null,
  };
}

async function parent(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const t0 = performance.now();
  const { ensureCliBuilt } = await import('./build-cli.mjs');
  if (opts.subprocessEvery > 0) ensureCliBuilt({ log: (m) => console.error(`fuzz: ${m}`) });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-fuzz-'));
  const outcomes: Outcome[] = [];
  const runners: Runner[] = [];
  try {
    const samples = await makeSamples(work);
    const indices = opts.only !== null ? [opts.only] : Array.from({ length: opts.count }, (_, k) => k);
    let next = 0;
    const worker = async (runner: Runner) => {
      for (;;) {
        const k = indices[next++];
        if (k === undefined) return;
        const c = makeCase(k, opts.seed, samples, work);
        const r = await runner.run(c, opts.timeLimitMs);
        const failure = r.hung ? `no answer within ${opts.timeLimitMs / 1000} s (hang)` : (r.died ?? judge(r.code, r.stdout, r.stderr, c.args));
        const outcome: Outcome = {
          k,
          sample: c.sample,
          mutations: c.mutations,
          args: c.args.map((a) => (a === c.dir ? '<case>' : a)),
          code: r.code,
          ms: Math.round(r.ms),
          firstLine: r.stderr.split('\n').find((l) => l.startsWith('cacs: ')) ?? r.stderr.split('\n')[0] ?? '',
          failure,
        };
        if (opts.subprocessEvery > 0 && (k % opts.subprocessEvery === 0 || opts.only !== null)) {
          const s = await runSubprocess(c, opts.timeLimitMs);
          let sf = s.hung ? `subprocess: no answer within ${opts.timeLimitMs / 1000} s (hang)` : judge(s.code, s.stdout, s.stderr, c.args);
          if (!sf && !r.hung && s.code !== r.code) sf = `subprocess exit ${s.code} but in-process exit ${r.code}`;
          outcome.subprocess = { code: s.code, ms: Math.round(s.ms), failure: sf };
          if (sf && !outcome.failure) outcome.failure = sf;
        }
        if (opts.only !== null) {
          console.log(`case ${k} (${c.sample}): ${c.mutations.join('; ')}\n$ cacs ${c.args.join(' ')}\nexit ${r.code}${r.hung ? ' (hung)' : ''}, ${Math.round(r.ms)} ms\n--- stderr\n${r.stderr}--- stdout (first 2000 characters)\n${r.stdout.slice(0, 2000)}`);
        }
        if (outcome.failure) {
          const keep = path.join(opts.keep, `seed${opts.seed}-case${k}`);
          fs.rmSync(keep, { recursive: true, force: true });
          fs.mkdirSync(path.dirname(keep), { recursive: true });
          fs.cpSync(c.dir, keep, { recursive: true });
          fs.writeFileSync(path.join(keep, 'fuzz-case.json'), JSON.stringify({ ...outcome, stderr: r.stderr.slice(0, 20000) }, null, 2));
        }
        fs.rmSync(c.dir, { recursive: true, force: true });
        outcomes.push(outcome);
        if (!opts.quiet && (outcome.failure || outcomes.length % 100 === 0)) {
          console.error(outcome.failure ? `FAIL case ${k} (${c.sample}: ${c.mutations.join('; ')}): ${outcome.failure}: ${outcome.firstLine}` : `${outcomes.length} cases...`);
        }
      }
    };
    for (let j = 0; j < Math.min(opts.jobs, indices.length); j++) runners.push(new Runner(opts.cli));
    await Promise.all(runners.map(worker));
  } finally {
    for (const r of runners) r.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  const failures = outcomes.filter((o) => o.failure).sort((a, b) => a.k - b.k);
  const byCode: Record<string, number> = {};
  for (const o of outcomes) byCode[o.code === null ? 'hang' : `exit ${o.code}`] = (byCode[o.code === null ? 'hang' : `exit ${o.code}`] ?? 0) + 1;
  const subprocessRuns = outcomes.filter((o) => o.subprocess).length;
  const labellerRuns = outcomes.filter((o) => !o.args.includes('--no-auto')).length;
  const seconds = (performance.now() - t0) / 1000;
  const slowest = [...outcomes].sort((a, b) => b.ms - a.ms)[0];
  const summary = {
    count: outcomes.length,
    seed: opts.seed,
    seconds: Math.round(seconds),
    outcomes: byCode,
    subprocessRuns,
    labellerRuns,
    failures: failures.length,
    slowestCaseMs: slowest?.ms ?? 0,
    messages: Object.entries(
      outcomes
        .filter((o) => o.code === 2)
        .reduce<Record<string, number>>((acc, o) => {
          const key = o.firstLine.replace(/^cacs: /, '').replace(/\/\S+/g, '<path>').replace(/\d+(\.\d+)?/g, 'N').slice(0, 90);
          acc[key] = (acc[key] ?? 0) + 1;
          return acc;
        }, {}),
    )
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25),
    failed: failures,
  };
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(summary, null, 2));
  if (opts.only === null) {
    console.log(
      `fuzz: ${outcomes.length} cases (seed ${opts.seed}) in ${seconds.toFixed(0)} s: ${Object.entries(byCode)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}; ${labellerRuns} with the labeller; ${subprocessRuns} also run as a subprocess; slowest case ${slowest?.ms ?? 0} ms; ${failures.length} failed`,
    );
    for (const f of failures.slice(0, 30)) console.log(`  case ${f.k} (${f.sample}: ${f.mutations.join('; ')}): ${f.failure}: ${f.firstLine.slice(0, 200)}\n    rerun: npm run fuzz -- --seed ${opts.seed} --case ${f.k}`);
    if (failures.length > 0) console.log(`  failing cases kept in ${opts.keep}`);
  }
  process.exitCode = failures.length > 0 ? 1 : 0;
}

if (process.argv.includes('--child')) await child();
else await parent(process.argv.slice(2));
