/**
 * `npm run fuzz` (scripts/fuzz.ts) as CI runs it: 200 mutated series (bit flips, truncation, tag
 * edits, swapped transfer syntaxes, files dropped or foreign) scored by the CLI's main()
 * in-process, a sample of them also as a real `cacs` process. Every case must end in exit 0 or 2,
 * with no stack trace and within the time limit.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function fuzz(...args: string[]) {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-fuzz-test-')), 'summary.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/fuzz.ts'), '--json', json, '--quiet', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, summary: fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : null };
}

describe('fuzzing the CLI', () => {
  it('200 mutated series (seed 1): no exit 1, no stack trace, no hang', () => {
    const r = fuzz('--count', '200', '--seed', '1', '--time-limit', '60', '--keep', path.join(REPO_ROOT, 'test-output', 'fuzz-failures'));
    expect(r.summary, r.stderr).not.toBeNull();
    expect(r.summary.failed, r.stdout).toEqual([]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.summary.count).toBe(200);
    // The mutations reach both outcomes: refused inputs (exit 2) and inputs scored with warnings (exit 0).
    expect(r.summary.outcomes['exit 2']).toBeGreaterThan(50);
    expect(r.summary.outcomes['exit 0']).toBeGreaterThan(10);
    expect(r.summary.subprocessRuns).toBeGreaterThanOrEqual(8);
  }, 600_000);

  it('reports each kind of failure of a broken CLI: exit 1, stack trace, hang, a dying process', () => {
    const r = fuzz('--count', '16', '--seed', '3', '--time-limit', '2', '--subprocess-every', '0', '--cli', path.join(REPO_ROOT, 'tests/helpers/fuzz-broken-cli.ts'), '--keep', fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-fuzz-kept-')));
    expect(r.code).toBe(1);
    const reasons = (r.summary.failed as { failure: string }[]).map((f) => f.failure);
    expect(reasons.some((f) => /exit 1 \(internal error\)/.test(f))).toBe(true);
    expect(reasons.some((f) => /stack trace/.test(f))).toBe(true);
    expect(reasons.some((f) => /hang/.test(f))).toBe(true);
    expect(reasons.some((f) => /process ended during the case/.test(f))).toBe(true);
    // Cases of the fifth kind (one 'cacs: ' line, exit 2) pass.
    expect(r.summary.failures).toBeLessThan(16);
    expect(r.stdout).toMatch(/rerun: npm run fuzz -- --seed 3 --case \d+/);
  }, 300_000);
});
