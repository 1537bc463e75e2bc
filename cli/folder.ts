/**
 * Reading a folder of DICOM files from disk (recursively), with progress on stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDicomPart10, type DicomFile } from '../core/dicom/read';
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

/** Largest file read as a CT slice (a single-frame CT slice is about 0.5 MB; larger files are set aside unread). */
export const MAX_FILE_BYTES = 1024 ** 3;
/** Most folder entries walked (a CT study is a few thousand files; a link to / is not a series). */
export const MAX_FOLDER_ENTRIES = 200_000;
/** Bytes read to recognise a DICOM Part-10 file: the 128-byte preamble and "DICM" (PS3.10 7.1). */
const SNIFF_BYTES = 132;

/** What a folder walk found: the files to read, and what it set aside (with why). */
export interface FolderListing {
  files: string[];
  setAside: { path: string; reason: string }[];
}

function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENAMETOOLONG: 'path too long for the file system',
    ELOOP: 'too many symbolic links',
    ENOENT: 'does not exist',
    ENOTDIR: 'not a folder',
    EMFILE: 'too many open files',
    EIO: 'input/output error',
  };
  return err?.code ? `${known[err.code] ?? err.code}` : String(e);
}

/**
 * Every file under `dir` to read, sorted by path; DICOMDIR index files and dot files are left
 * out. Symbolic links are followed (to files and to folders, each folder once); links that
 * lead nowhere, FIFOs, sockets and devices are set aside with the reason, never opened (a
 * FIFO would block a read forever). A folder that cannot be listed is a UsageError naming it.
 */
export function listFiles(dir: string): FolderListing {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`folder ${dir} does not exist`);
    throw new UsageError(`folder ${dir} cannot be opened (${fsReason(e)})`);
  }
  if (!stat.isDirectory()) throw new UsageError(`${dir} is not a folder; pass the folder that holds the series' DICOM files`);
  const files: string[] = [];
  const setAside: FolderListing['setAside'] = [];
  const seenFolders = new Set<string>();
  let walked = 0;
  const walk = (d: string) => {
    let real: string;
    let entries: fs.Dirent[];
    try {
      real = fs.realpathSync(d);
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      const shown = d.length > 200 ? `${d.slice(0, 80)}...${d.slice(-80)} (${d.length} characters)` : d;
      throw new UsageError(`folder ${shown} cannot be read (${fsReason(e)}); fix it or pass a folder that holds only the series`);
    }
    if (seenFolders.has(real)) return; // a link back to a folder already walked
    seenFolders.add(real);
    walked += entries.length;
    if (walked > MAX_FOLDER_ENTRIES) {
      throw new UsageError(`folder ${dir} holds more than ${MAX_FOLDER_ENTRIES} entries (following its links): pass the folder of one series`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name.toUpperCase() === 'DICOMDIR') continue;
      const p = path.join(d, entry.name);
      let kind: fs.Dirent | fs.Stats = entry;
      if (entry.isSymbolicLink()) {
        try {
          kind = fs.statSync(p);
        } catch (e) {
          setAside.push({ path: p, reason: `a symbolic link that leads nowhere (${fsReason(e)})` });
          continue;
        }
      }
      if (kind.isDirectory()) walk(p);
      else if (kind.isFile()) files.push(p);
      else setAside.push({ path: p, reason: kind.isFIFO() ? 'a FIFO (named pipe), not a file' : kind.isSocket() ? 'a socket, not a file' : 'a device, not a file' });
    }
  };
  walk(dir);
  return { files: files.sort(), setAside };
}

/**
 * Reads the files of a folder for the DICOM reader. Only the first 132 bytes of a file are read
 * to tell whether it is DICOM Part-10: a file that is not (a README, a 3 GB video beside the
 * series) is passed on as those bytes alone, which the reader skips and counts as "not DICOM".
 * A DICOM file larger than MAX_FILE_BYTES is set aside unread. What is set aside is pushed to
 * `notes` (one line each, for the result's warnings).
 */
export function readFolder(dir: string, progress: Progress, notes: string[] = []): DicomFile[] {
  const { files: paths, setAside } = listFiles(dir);
  const relative = (p: string) => path.relative(dir, p) || path.basename(p);
  if (paths.length === 0) {
    if (setAside.length === 0) throw new UsageError(`folder ${dir} is empty; pass the folder that holds the series' DICOM files`);
    const what = setAside.slice(0, 3).map((s) => `${relative(s.path)}: ${s.reason}`).join('; ');
    throw new UsageError(`folder ${dir} holds no readable files (${setAside.length} set aside: ${what}${setAside.length > 3 ? '; ...' : ''}); pass the folder that holds the series' DICOM files`);
  }
  const files: DicomFile[] = [];
  const tooLarge: string[] = [];
  for (let n = 0; n < paths.length; n++) {
    const p = paths[n];
    let fd: number | null = null;
    try {
      fd = fs.openSync(p, 'r');
      const size = fs.fstatSync(fd).size;
      const head = new Uint8Array(Math.min(SNIFF_BYTES, size));
      const got = head.byteLength > 0 ? fs.readSync(fd, head, 0, head.byteLength, 0) : 0;
      const isDicom = got === SNIFF_BYTES && isDicomPart10(head);
      if (!isDicom) {
        files.push({ name: relative(p), bytes: head.subarray(0, got) });
      } else if (size > MAX_FILE_BYTES) {
        tooLarge.push(`${relative(p)} (${(size / 1024 ** 3).toFixed(1)} GiB)`);
      } else {
        const bytes = new Uint8Array(size);
        let at = 0;
        while (at < size) {
          const r = fs.readSync(fd, bytes, at, size - at, at);
          if (r === 0) break;
          at += r;
        }
        files.push({ name: relative(p), bytes: at === size ? bytes : bytes.subarray(0, at) });
      }
    } catch (e) {
      throw new UsageError(`${p} cannot be read (${fsReason(e)}); fix it or pass a folder without it`);
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
    progress.update('reading files', n + 1, paths.length);
  }
  if (tooLarge.length > 0) {
    notes.push(`${tooLarge.length} DICOM file${tooLarge.length === 1 ? '' : 's'} larger than ${MAX_FILE_BYTES / 1024 ** 3} GiB (no CT slice is) set aside unread: ${tooLarge.slice(0, 3).join(', ')}${tooLarge.length > 3 ? ', ...' : ''}`);
  }
  if (setAside.length > 0) {
    notes.push(`${setAside.length} entr${setAside.length === 1 ? 'y' : 'ies'} of the folder set aside: ${setAside.slice(0, 3).map((s) => `${relative(s.path)} (${s.reason})`).join(', ')}${setAside.length > 3 ? ', ...' : ''}`);
  }
  return files;
}
