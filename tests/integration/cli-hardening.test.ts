/**
 * `cacs score` on input a user (or a damaged disk, a bad exporter, an attacker) can hand it
 * (issue 9): every case ends in exit 2 with one line saying what is wrong, or exit 0 with a
 * warning naming the problem and no guideline text over it; never exit 1, a stack trace, a
 * silent wrong score, or a file read whole that is not a CT slice. Series come from the
 * project's phantom, edited with dcmjs (tests/helpers/malformed-series.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as M from '../helpers/malformed-series';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CACS = path.join(REPO_ROOT, 'bin/cacs.mjs');
const made: string[] = [];

afterAll(() => {
  // rm copes with trees deeper than PATH_MAX (fs.rmSync does not).
  for (const dir of made) spawnSync('rm', ['-rf', dir]);
});

function track(dir: string): string {
  made.push(dir);
  return dir;
}

function cacs(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CACS, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user's mistake: exit code 2, nothing on stdout, exactly one line on stderr, no stack trace. */
function expectUserError(r: ReturnType<typeof cacs>, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cacs: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}

function scoreJson(args: string[], env: Record<string, string> = {}) {
  const r = cacs(['score', ...args, '--format', 'json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('headers that would have scored silently wrong, or crashed', () => {
  const cases: [string, (d: Record<string, unknown>) => void, RegExp][] = [
    ['RescaleSlope 0', (d) => (d.RescaleSlope = 0), /CT000001\.dcm: RescaleSlope 0 maps every pixel to the same value/],
    ['RescaleIntercept -1e9', (d) => (d.RescaleIntercept = -1e9), /RescaleIntercept -1000000000 map every possible pixel value .* outside the -2048\.\.4095 HU/],
    ['RescaleIntercept +1e9', (d) => (d.RescaleIntercept = 1e9), /RescaleIntercept 1000000000 map every possible pixel value/],
    ['BitsAllocated 8 on 16-bit data', (d) => Object.assign(d, { BitsAllocated: 8, BitsStored: 8, HighBit: 7 }), /BitsAllocated 8 says 1 byte per pixel .*\(2 bytes per pixel\): the header's pixel depth does not match the data/],
    ['an intercept 1024 too high', (d) => (d.RescaleIntercept = 1024), /% of the voxels are at or above 130 HU, .*RescaleIntercept -1024.*\(--force scores it anyway\)/],
    ['signed data labelled unsigned', (d) => (d.PixelRepresentation = 0), /% of the voxels are above 4095 HU .*pixel representation \(signed\/unsigned\).*\(--force scores it anyway\)/],
    ['BitsAllocated 32', (d) => Object.assign(d, { BitsAllocated: 32, BitsStored: 32, HighBit: 31 }), /^(?!.*truncated).*BitsAllocated 32 is not supported: CT images store 16 bits per pixel/],
    ['Rows 65535', (d) => (d.Rows = 65535), /^(?!.*truncated).*128 x 65535 pixels \(Columns x Rows\) is not a CT image size/],
  ];
  for (const [name, edit, message] of cases) {
    it(`${name}: exit 2, one line naming it`, () => {
      expectUserError(cacs(['score', track(M.editedSeries(edit))]), message);
    });
  }

  it('signed data labelled unsigned, forced: scored with the problem among the warnings and no guideline text', () => {
    const j = scoreJson([track(M.editedSeries((d) => (d.PixelRepresentation = 0))), '--force']);
    expect(j.warnings.join(' ')).toMatch(/above 4095 HU/);
    expect(j.risk.provisional).toBe(true);
    expect(j.risk.guidance).toMatch(/^Decision support withheld: the images failed an input check/);
    expect(JSON.stringify(j.risk)).not.toMatch(/statin/i);
  });
});

describe('one damaged compressed slice', () => {
  it('a corrupted RLE header: exit 2 naming the file', async () => {
    const dir = track(
      await M.compressedSeries(M.TS_RLE, (f, k) => {
        if (k !== 20) return f;
        const g = f.slice();
        new DataView(g.buffer).setUint32(0, 1, true);
        return g;
      }),
    );
    expectUserError(cacs(['score', dir]), /CT000021\.dcm: the RLE header declares 1 segments where 16-bit pixels need 2/);
  });

  it('a corrupted JPEG Lossless scan: exit 2 naming the slice; forced, no guideline text over it', async () => {
    const dir = track(
      await M.compressedSeries(M.TS_JPEG_LOSSLESS_SV1, (f, k) => {
        if (k !== 20) return f;
        const g = f.slice();
        for (let i = Math.floor(g.length / 3); i < Math.floor(g.length / 3) + 40; i++) g[i] ^= 0x5a;
        return g;
      }),
    );
    expectUserError(cacs(['score', dir]), /slice 21 of 48 \(instance \d+\) is unlike its neighbours .*probably damaged/);
    const j = scoreJson([dir, '--force']);
    expect(j.warnings.join(' ')).toMatch(/slice 21 of 48/);
    expect(j.risk.guidance).toMatch(/^Decision support withheld/);
  });

  it('a truncated JPEG-LS slice fails at once naming the file, on the main thread and with decode workers', async () => {
    const dir = track(await M.compressedSeries(M.TS_JPEG_LS, (f, k) => (k === 20 ? f.slice(0, f.length >> 1) : f)));
    for (const workers of ['0', '2']) {
      const r = cacs(['score', dir], { CACS_DECODE_WORKERS: workers });
      expectUserError(r, /CT000021\.dcm: the compressed image \(jpegLsLossless .*\) has no end marker: the file is truncated or damaged/);
      expect(r.stderr).not.toMatch(/unreachable/);
    }
  });

  it('JPEG-LS slices whose header says Rows/Columns 65535: exit 2, nothing allocated', async () => {
    const dir = track(await M.compressedSeries(M.TS_JPEG_LS, undefined, { edit: (d) => Object.assign(d, { Rows: 65535, Columns: 65535 }) }));
    expectUserError(cacs(['score', dir]), /65535 x 65535 pixels \(Columns x Rows\) is not a CT image size/);
  });
});

describe('seeds', () => {
  it('two seeds of different arteries at one point: a warning names the conflict, the lesion stays unassigned', () => {
    const dir = track(M.editedSeries(() => {}));
    const plaque = M.phantomTruth().plaques.find((p) => p.artery === 'LAD')!;
    const seeds = path.join(dir, 'seeds.json');
    fs.writeFileSync(
      seeds,
      JSON.stringify([
        { pointMm: plaque.centreMm, artery: 'LAD' },
        { pointMm: plaque.centreMm, artery: 'RCA' },
      ]),
    );
    const j = scoreJson([dir, '--seeds', seeds]);
    expect(j.warnings.join(' ')).toMatch(/Seeds 1 \(LAD\) and 2 \(RCA\) are at the same point .* neither was applied/);
    // The lesion at the seeds stays unassigned: held for the reader, the labeller does not fill it in.
    const dist = (l: { centroidMm: number[] }) => Math.hypot(...l.centroidMm.map((x, k) => x - plaque.centreMm[k]));
    const there = j.lesions.reduce((a: any, b: any) => (dist(b) < dist(a) ? b : a));
    expect(dist(there)).toBeLessThan(5);
    expect(there.artery).toBe('UNASSIGNED');
    expect(j.risk.provisional).toBe(true);
    expect(j.risk.pending.lesionCount).toBeGreaterThan(0);
  });
});

describe('what a folder can hold', () => {
  it('a folder of symbolic links to the slices is read through the links', () => {
    const series = track(M.editedSeries(() => {}));
    const links = track(M.tmpDir('cacs-links-'));
    for (const name of fs.readdirSync(series)) fs.symlinkSync(path.join(series, name), path.join(links, name));
    const j = scoreJson([links]);
    expect(j.input.sliceCount).toBe(48);
  });

  it('a dangling link and a FIFO beside the series are set aside, named in the warnings, never opened', () => {
    const dir = track(M.editedSeries(() => {}));
    fs.symlinkSync(path.join(dir, 'nowhere.dcm'), path.join(dir, 'broken.dcm'));
    spawnSync('mkfifo', [path.join(dir, 'pipe')]);
    const j = scoreJson([dir]);
    expect(j.warnings.join(' ')).toMatch(/2 entries of the folder set aside: broken\.dcm \(a symbolic link that leads nowhere.*\), pipe \(a FIFO \(named pipe\), not a file\)/);
  });

  it('a folder holding only links that lead nowhere says so, not "empty"', () => {
    const dir = track(M.tmpDir('cacs-dangling-'));
    for (let n = 0; n < 3; n++) fs.symlinkSync(path.join(dir, `gone-${n}.dcm`), path.join(dir, `slice-${n}.dcm`));
    expectUserError(cacs(['score', dir]), /holds no readable files \(3 set aside: slice-0\.dcm: a symbolic link that leads nowhere/);
  });

  it('folders nested past PATH_MAX: exit 2 with one line', () => {
    const dir = track(M.editedSeries(() => {}));
    // 25 levels of 200 characters: about 5000 characters, past Linux's PATH_MAX of 4096.
    const r = spawnSync('bash', ['-c', 'cd "$1" && n=$(printf "d%.0s" $(seq 200)) && for i in $(seq 25); do mkdir "$n" && cd "$n" || exit 1; done', 'bash', dir]);
    expect(r.status).toBe(0);
    expectUserError(cacs(['score', dir]), /folder .*\(\d+ characters\) cannot be read \(path too long for the file system\)/);
  });

  it('a subfolder the user may not read: exit 2 naming it (run as user nobody, since root reads everything)', (ctx) => {
    if (process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0) ctx.skip();
    const dir = track(M.editedSeries(() => {}));
    fs.mkdirSync(path.join(dir, 'private'));
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'private'), 0o000);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CACS, 'score', dir], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL' });
    expectUserError({ code: r.status, stdout: r.stdout, stderr: r.stderr }, /folder .*private cannot be read \(permission denied\)/);
  });

  it('3 GB files beside the series (sparse, no disk used) are skipped without being read: one not DICOM, one with a DICOM preamble', () => {
    const dir = track(M.editedSeries(() => {}));
    fs.closeSync(fs.openSync(path.join(dir, 'video.mp4'), 'w'));
    fs.truncateSync(path.join(dir, 'video.mp4'), 3 * 1024 ** 3);
    const fd = fs.openSync(path.join(dir, 'huge.dcm'), 'w');
    fs.writeSync(fd, Buffer.from('DICM'), 0, 4, 128);
    fs.closeSync(fd);
    fs.truncateSync(path.join(dir, 'huge.dcm'), 3 * 1024 ** 3);
    const j = scoreJson([dir]);
    expect(j.input.sliceCount).toBe(48);
    const warnings = j.warnings.join(' ');
    expect(warnings).toMatch(/1 file is not DICOM and was skipped: video\.mp4/);
    expect(warnings).toMatch(/1 DICOM file larger than 1 GiB \(no CT slice is\) set aside unread: huge\.dcm \(3\.0 GiB\)/);
  });

  it('a 1.9 GB non-DICOM file beside the series costs no memory (peak RSS well under its size)', () => {
    const dir = track(M.editedSeries(() => {}));
    fs.closeSync(fs.openSync(path.join(dir, 'backup.tar'), 'w'));
    fs.truncateSync(path.join(dir, 'backup.tar'), Math.round(1.9 * 1024 ** 3));
    // The CLI in-process with its peak resident memory printed at exit.
    const script = `process.on('exit', () => process.stderr.write('maxrss-kb ' + process.resourceUsage().maxRSS + '\\n')); await import(${JSON.stringify(CACS)});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', 'cacs', 'score', dir, '--format', 'json'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    const peakKb = Number(/maxrss-kb (\d+)/.exec(r.stderr)?.[1]);
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(1024 * 1024); // under 1 GiB; reading the file whole took over 1.9 GiB
    expect(JSON.parse(r.stdout).warnings.join(' ')).toMatch(/backup\.tar/);
  });
});
