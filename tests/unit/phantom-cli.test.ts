import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runPhantom } from '../../cli/phantom';
import { readSeriesFromFiles } from '../../core/dicom/read';
import type { PhantomTruth } from '../../core/phantom/index';
import { parseSeeds } from '../../cli/seeds';
import { generatePhantom, randomPlaques, truthToJson } from '../../core/phantom/index';
import { scoreVolume } from '../../core/index';
import { ARTERIES, type ScoringResult } from '../../core/types';

const REPO_ROOT = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-phantom-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Run `cacs phantom ARGS` in-process, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const code = await runPhantom(args);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

function readDir(dir: string) {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.dcm')).sort();
  return readSeriesFromFiles(names.map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) })));
}

describe('cacs phantom', () => {
  it('writes a gated series and truth.json that agree with each other', async () => {
    const out = path.join(tmp, 'gated');
    const { code, stdout, stderr } = await run(['--out', out, '--size', '64', '--seed', '3']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/wrote 48 CT images \(64 x 64, 3 mm, gated\), truth\.json and seeds\.json \(6 coronary, 1 other\)/);
    const truth = JSON.parse(fs.readFileSync(path.join(out, 'truth.json'), 'utf8')) as PhantomTruth;
    expect(truth.seed).toBe(3);
    expect(truth.geometry).toBe('gated');
    const volume = readDir(out);
    expect(volume.slices).toBe(48);
    expect(volume.facts.gated).toBe(true);
    // seeds.json: one seed per calcification, at its centre, with its artery (OTHER for distractors).
    const seeds = parseSeeds(JSON.parse(fs.readFileSync(path.join(out, 'seeds.json'), 'utf8')));
    expect(seeds.map((s) => s.artery)).toEqual(truth.plaques.map((p) => p.artery));
    seeds.forEach((s, n) => s.pointMm.forEach((v, d) => expect(v).toBeCloseTo(truth.plaques[n].centreMm[d], 3)));
    expect(volume.source.patientId).toBe('PHANTOM-3');
  });

  it('takes plaques from a JSON file, non-gated geometry, thickness, noise and metal', async () => {
    const out = path.join(tmp, 'custom');
    const plaques = path.join(tmp, 'plaques.json');
    fs.writeFileSync(plaques, JSON.stringify([{ site: 'LAD', at: 0.3, sizeMm: 5, peakHu: 480 }, { site: 'mitral-annulus', sizeMm: 6, peakHu: 600 }]));
    const { code, stdout } = await run(['--out', out, '--geometry', 'nongated', '--size', '64', '--thickness', '5', '--noise', '0', '--plaques', plaques, '--metal']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\(1 coronary, 2 other\)/);
    const truth = JSON.parse(fs.readFileSync(path.join(out, 'truth.json'), 'utf8')) as PhantomTruth;
    expect(truth.plaques.map((p) => p.kind)).toEqual(['coronary', 'mitral-annulus', 'metal']);
    expect(truth.noiseSdHu).toBe(0);
    const volume = readDir(out);
    expect(volume.facts).toMatchObject({ gated: false, sliceThicknessMm: 5 });
    expect(volume.slices).toBe(48);
  });

  it.each([
    [['--size', '64'], /--out DIR is required/],
    [['--out', 'x', '--geometry', 'spiral'], /--geometry must be gated or nongated/],
    [['--out', 'x', '--size', 'big'], /--size must be the matrix size/],
    [['--out', 'x', '--size', '64.5'], /--size must be a whole number/],
    [['--out', 'x', '--thickness', '30'], /--thickness must be the slice thickness in mm between 0.5 and 10/],
    [['--out', 'x', '--plaques', '/nonexistent/plaques.json'], /cannot read the plaques file/],
    [['--out', 'x', '--colour', 'red'], /unknown option --colour/],
    [['--out', 'x', '--slices', '3'], /lies outside the scanned volume/],
    [['--out', 'x', '--plaques', 'p.json', '--random-plaques', '3'], /either --plaques FILE or --random-plaques N/],
  ])('refuses %j with one line on stderr and exit code 2', async (args, message) => {
    const { code, stderr } = await run(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message as RegExp);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses a plaques file that is not a JSON array of valid plaques', async () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{"site": "LAD"}');
    expect((await run(['--out', path.join(tmp, 'b'), '--plaques', bad])).stderr).toMatch(/must hold a JSON array/);
    fs.writeFileSync(bad, '[{"site": "LAD", "sizeMm": 4, "peakHu": 9000}]');
    expect((await run(['--out', path.join(tmp, 'b'), '--plaques', bad])).stderr).toMatch(/plaque 1: peakHu must be from -1000 to 3071/);
    fs.writeFileSync(bad, '[{"site": "LAD",');
    expect((await run(['--out', path.join(tmp, 'b'), '--plaques', bad])).stderr).toMatch(/is not valid JSON/);
  });

  it('draws random plaques and a varied heart from the seed with --random-plaques and --vary-anatomy', async () => {
    const out = path.join(tmp, 'random');
    const { code, stdout } = await run(['--out', out, '--size', '48', '--seed', '17', '--random-plaques', '7', '--vary-anatomy']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\(7 coronary, 2 other\)/);
    const truth = JSON.parse(fs.readFileSync(path.join(out, 'truth.json'), 'utf8')) as PhantomTruth;
    expect(truth.plaques.map((p) => p.peakHu)).toEqual(randomPlaques(17, { coronary: 7 }).map((p) => p.peakHu));
    // --vary-anatomy: the heart of seed 17, not the reference heart.
    const pathsOf = (o: Parameters<typeof generatePhantom>[0]) => (JSON.parse(truthToJson(generatePhantom(o).truth)) as PhantomTruth).paths;
    expect(truth.paths).toEqual(pathsOf({ size: 48, seed: 17, anatomyVariation: true, plaques: [] }));
    expect(truth.paths).not.toEqual(pathsOf({ size: 48, seed: 17, plaques: [] }));
  });

  it('prints its help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: cacs phantom --out DIR/);
  });

  it('scores the written phantom from disk with its seeds.json exactly as the same phantom in memory', async () => {
    const out = path.join(tmp, 'score');
    expect((await run(['--out', out, '--size', '128', '--seed', '6'])).code).toBe(0);
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), 'score', out, '--no-auto', '--seeds', path.join(out, 'seeds.json'), '--format', 'json'], { encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL' });
    expect(r.status, r.stderr).toBe(0);
    const fromDisk = JSON.parse(r.stdout) as ScoringResult;
    const { volume, truth } = generatePhantom({ size: 128, seed: 6 });
    const seeds = truth.plaques.map((p) => ({ pointMm: p.centreMm, artery: p.artery }));
    const inMemory = scoreVolume(volume, { seeds }).result;
    for (const artery of ARTERIES) {
      expect(fromDisk.arteries[artery].agatston, artery).toBeCloseTo(inMemory.arteries[artery].agatston, 6);
      expect(fromDisk.arteries[artery].volumeMm3, artery).toBeCloseTo(inMemory.arteries[artery].volumeMm3, 6);
      expect(fromDisk.arteries[artery].lesionCount, artery).toBeGreaterThan(0);
    }
    // The aortic-wall distractor was seeded OTHER: excluded, not lost.
    expect(fromDisk.lesions.some((l) => l.artery === 'OTHER')).toBe(true);
  });

  it('runs from the installed `cacs` command', () => {
    const out = path.join(tmp, 'bin');
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), 'phantom', '--out', out, '--size', '32', '--slices', '48'], { encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out).filter((n) => n.endsWith('.dcm'))).toHaveLength(48);
    const bad = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), 'phantom', '--out', out, '--seed', '-1'], { encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^cacs: --seed must be an integer seed between 0 and 2147483647 \(got -1\)\n$/);
  });
});
