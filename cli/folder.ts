/**
 * Reading a folder of DICOM files from disk (recursively), with progress on stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DicomFile } from '../core/dicom/read';
import { UsageError } from './args';

/** Progress lines on stderr: rewritten in place on a terminal, every ~10 % otherwise. */
export class Progress {
  private lastShown = -1;
  constructor(
    private readonly enabled: boolean,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  update(label: string, done: number, total: number): void {
    if (!this.enabled || total === 0) return;
    if (this.tty) {
      process.stderr.write(`\r${label} ${done}/${total}`);
      if (done === total) process.stderr.write('\n');
      return;
    }
    const decile = Math.floor((10 * done) / total);
    if (decile !== this.lastShown || done === total) {
      this.lastShown = decile;
      process.stderr.write(`${label} ${done}/${total}\n`);
    }
  }

  note(text: string): void {
    if (this.enabled) process.stderr.write(`${text}\n`);
  }
}

/** Every regular file under `dir`, sorted by path; DICOMDIR index files are left out. */
export function listFiles(dir: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new UsageError(`folder ${dir} does not exist`);
  }
  if (!stat.isDirectory()) throw new UsageError(`${dir} is not a folder; pass the folder that holds the series' DICOM files`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.toUpperCase() !== 'DICOMDIR' && !entry.name.startsWith('.')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export function readFolder(dir: string, progress: Progress): DicomFile[] {
  const paths = listFiles(dir);
  if (paths.length === 0) throw new UsageError(`folder ${dir} is empty; pass the folder that holds the series' DICOM files`);
  const files: DicomFile[] = [];
  for (let n = 0; n < paths.length; n++) {
    const p = paths[n];
    let buf: Buffer;
    try {
      buf = fs.readFileSync(p);
    } catch (e) {
      throw new UsageError(`${p} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    files.push({ name: path.relative(dir, p) || path.basename(p), bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) });
    progress.update('reading files', n + 1, paths.length);
  }
  return files;
}
