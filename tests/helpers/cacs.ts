/** Run the `cacs` command line (bin/cacs.mjs) as a child process, without blocking the test's event loop. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CacsRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Start `cacs ...args`; `onStart` gets the child (e.g. to kill it mid-run). */
export function cacs(args: string[], opts: { cwd?: string; onStart?: (child: ChildProcess) => void } = {}): Promise<CacsRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/cacs.mjs'), ...args], { cwd: opts.cwd ?? REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
    opts.onStart?.(child);
  });
}
