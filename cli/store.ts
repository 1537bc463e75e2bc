/**
 * `cacs score --store URL`: save the result to a DICOMweb archive as the next version of what the
 * study holds (core/store saveToArchive), with nothing lost on the way:
 *  - the objects are written to the outbox folder before the first is sent (a process killed
 *    mid-upload leaves them there), and the folder is removed once everything is stored;
 *  - what the archive did not take stays in the outbox with a manifest.json saying where it was
 *    going and why it failed; `cacs send DIR` sends it later (cli/send.ts).
 *
 * Outbox layout: <outbox>/<StudyInstanceUID>/<UTC time>-v<version>/NN-calcium-<KIND>-<SOP UID>.dcm
 * plus manifest.json. Default outbox: ./cacs-outbox (the current directory).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EncodeInput } from '../core/encode/index';
import type { StorableObject } from '../core/store/stow';
import { numberOption, UsageError, type OptionTable, type ParsedArgs } from './args';
import type { Progress } from './folder';

/** The store options `cacs score` and `cacs send` share, one a line. */
export const STORE_OPTIONS: OptionTable = {
  store: { type: 'string' },
  outbox: { type: 'string' },
  timeout: { type: 'string' },
};

export const STORE_HELP = `  --store URL           also write the result to a DICOMweb archive (STOW-RS): SEG (calcium per
                        artery), SR (TID 1500 measurement report) and a PDF summary, as the next
                        version of the study's calcium report (nothing is stored when the archive
                        already holds the same result)
  --outbox DIR          where objects wait until the archive has them (default ./cacs-outbox);
                        what could not be stored stays there for \`cacs send DIR\`
  --timeout S           time limit of one request to the archive (--store, --dicomweb) in seconds
                        (default 60)`;

export const DEFAULT_OUTBOX = 'cacs-outbox';

export interface StoreSettings {
  url: string;
  outbox: string;
  timeoutMs: number;
}

export function checkArchiveUrl(url: string, option: string): string {
  if (!/^https?:\/\/[^/\s]+/i.test(url)) throw new UsageError(`${option} must be the http(s) URL of a DICOMweb root, e.g. http://host:8042/dicom-web (got '${url}')`);
  return url;
}

export function timeoutMs(args: ParsedArgs): number {
  return (numberOption(args, 'timeout', 'a time limit in seconds, e.g. 60', 1, 3600) ?? 60) * 1000;
}

/** --store / --outbox / --timeout of `cacs score`, checked; null without --store. */
export function storeSettings(args: ParsedArgs): StoreSettings | null {
  const url = args.values.get('store');
  const timeout = timeoutMs(args);
  const outbox = args.values.get('outbox');
  if (url === undefined) {
    if (outbox !== undefined) throw new UsageError('--outbox goes with --store URL (the archive to store into)');
    return null;
  }
  if (outbox !== undefined && outbox.trim() === '') throw new UsageError('--outbox needs a folder name');
  return { url: checkArchiveUrl(url, '--store'), outbox: path.resolve(outbox ?? DEFAULT_OUTBOX), timeoutMs: timeout };
}

/** manifest.json of one outbox folder. */
export interface OutboxManifest {
  /** Where the objects were going. */
  url: string;
  studyInstanceUid: string;
  version: number;
  predecessor: { sopInstanceUid: string; version: number } | null;
  /** False when the archive's reports could not be read before encoding (version 1 by default). */
  chainKnown: boolean;
  created: string;
  /** In store order; `stored` once the archive has it (its file is then removed). */
  objects: { file: string; kind: string; sopInstanceUid: string; sopClassUid: string; seriesInstanceUid?: string; stored: boolean }[];
  lastError: string | null;
}

const safeName = (s: string) => s.replace(/[^0-9A-Za-z._-]/g, '_').slice(0, 100) || '_';

/** The outbox folder of one study's results. */
export const outboxStudyFolder = (outbox: string, studyInstanceUid: string): string => path.join(outbox, safeName(studyInstanceUid));

export function writeManifest(dir: string, m: OutboxManifest): void {
  const tmp = path.join(dir, '.manifest.json.tmp');
  fs.writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`);
  fs.renameSync(tmp, path.join(dir, 'manifest.json'));
}

/** Mark what was stored (and remove its file), record the error; the folder goes once nothing is left. */
export function settleOutbox(dir: string, m: OutboxManifest, storedSops: string[], error: string | null): boolean {
  for (const o of m.objects) {
    if (!o.stored && storedSops.includes(o.sopInstanceUid)) {
      o.stored = true;
      fs.rmSync(path.join(dir, o.file), { force: true });
    }
  }
  m.lastError = error;
  if (m.objects.every((o) => o.stored)) {
    fs.rmSync(dir, { recursive: true, force: true });
    // The study folder too, when this was its last result (never the outbox root itself).
    try {
      fs.rmdirSync(path.dirname(dir));
    } catch {
      /* not empty */
    }
    return true;
  }
  writeManifest(dir, m);
  return false;
}

export interface StoreReport {
  url: string;
  ok: boolean;
  unchanged: boolean;
  version: number;
  predecessor: string | null;
  objects: { kind: string; sopInstanceUid: string }[];
  /** The outbox folder still holding objects, or null. */
  outbox: string | null;
  message: string;
  warnings: string[];
  reportText: string;
}

/** Save, write-ahead to the outbox; never throws for an archive fault (the report says what happened). */
export async function storeScore(input: EncodeInput, s: StoreSettings, progress: Progress): Promise<StoreReport> {
  const { saveToArchive } = await import('../core/store/save');
  const { outboxFiles } = await import('../core/store/stow');
  // Filled in by beforeStore (a closure, so kept in an object rather than narrowed locals).
  const box: { dir?: string; manifest?: OutboxManifest } = {};
  const outboxExisted = fs.existsSync(s.outbox);
  const saved = await saveToArchive(input, {
    url: s.url,
    timeoutMs: s.timeoutMs,
    log: (m) => progress.note(m),
    beforeStore: (encoded, chain) => {
      const now = new Date();
      const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const dir = path.join(outboxStudyFolder(s.outbox, input.volume.source.studyInstanceUid), `${stamp}-v${chain.version}-${encoded.sr.sopInstanceUid.slice(-8)}`);
      try {
        fs.mkdirSync(dir, { recursive: true });
        const files = outboxFiles(encoded.all);
        files.forEach((f) => fs.writeFileSync(path.join(dir, f.name), f.bytes));
        box.dir = dir;
        box.manifest = {
          url: s.url,
          studyInstanceUid: input.volume.source.studyInstanceUid,
          version: chain.version,
          predecessor: chain.predecessor ? { sopInstanceUid: chain.predecessor.sopInstanceUid, version: chain.predecessor.version } : null,
          chainKnown: chain.known,
          created: now.toISOString(),
          objects: encoded.all.map((o: StorableObject, n) => ({
            file: files[n].name,
            kind: o.kind,
            sopInstanceUid: o.sopInstanceUid,
            sopClassUid: o.sopClassUid,
            seriesInstanceUid: o.seriesInstanceUid,
            stored: false,
          })),
          lastError: null,
        };
        writeManifest(dir, box.manifest);
      } catch (e) {
        throw new UsageError(`cannot write the outbox ${dir} (${(e as Error).message}); choose a writable folder with --outbox DIR. Nothing was stored.`);
      }
      progress.note(`storing ${encoded.all.map((o) => o.kind).join(', ')} (report version ${chain.version}) in ${s.url}`);
    },
  });
  let outbox: string | null = null;
  if (box.dir && box.manifest) {
    const dir = box.dir;
    const done = settleOutbox(dir, box.manifest, saved.outcome.stored.map((o) => o.sopInstanceUid), saved.ok ? null : saved.message);
    outbox = done ? null : dir;
    if (done && !outboxExisted) {
      try {
        fs.rmdirSync(s.outbox); // created for this store and empty again
      } catch {
        /* another result waits there */
      }
    }
  }
  let message = saved.message;
  if (!saved.ok) message = `${message.replace(/ They are kept: retry the store, or download them\.$/, '')} The result is kept in ${outbox}: send it with \`cacs send ${outbox}\`.`;
  if (!saved.chain.known && saved.ok) saved.warnings.push('The calcium reports already in the archive could not be read; this result was stored as version 1.');
  return {
    url: s.url,
    ok: saved.ok,
    unchanged: saved.unchanged,
    version: saved.unchanged && saved.current ? saved.current.version : saved.chain.version,
    predecessor: saved.chain.predecessor?.sopInstanceUid ?? null,
    objects: saved.unchanged && saved.current
      ? [{ kind: 'SR', sopInstanceUid: saved.current.sopInstanceUid }]
      : saved.outcome.stored.map((o) => ({ kind: o.kind, sopInstanceUid: o.sopInstanceUid })),
    outbox,
    message,
    warnings: saved.warnings,
    reportText: saved.encoded.reportText,
  };
}
