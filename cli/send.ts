/**
 * `cacs send DIR`: send what `cacs score --store` left in its outbox (cli/store.ts) to the
 * archive, in the order it was written (SEG, SR, PDF), with the same retries and time limit.
 * Each result folder goes when everything in it is stored; what fails stays, with the reason in
 * its manifest.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, UsageError, type OptionTable } from './args';
import { Progress } from './folder';
import { checkArchiveUrl, DEFAULT_OUTBOX, settleOutbox, timeoutMs, type OutboxManifest } from './store';

export const SEND_HELP = `cacs send: store what \`cacs score --store\` kept in its outbox

Usage:
  cacs send [DIR] [options]

  DIR                   the outbox (default ./cacs-outbox), one study's folder in it, or one
                        result's folder (the one named by cacs score)
  --store URL           send to this DICOMweb root instead of the archive each result was meant for
  --timeout S           time limit of one request in seconds (default 60)
  --progress            progress on stderr even when stderr is not a terminal

Each result (SEG, SR, PDF) is sent in order; its folder is removed once the archive has all of
it. A result that fails stays, with the archive's answer in its manifest.json.

Exit codes: 0 everything sent (or nothing to send); 2 bad input; 3 something is still in the
outbox (named on stderr); 1 internal error.`;

const SPEC: OptionTable = {
  store: { type: 'string' },
  timeout: { type: 'string' },
  progress: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** Result folders (holding a manifest.json) at or below `dir`, at most three levels down, oldest first. */
export function resultFolders(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    if (fs.existsSync(path.join(d, 'manifest.json'))) {
      found.push(d);
      return;
    }
    if (depth === 0) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      throw new UsageError(`cannot read ${d} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) if (e.isDirectory()) walk(path.join(d, e.name), depth - 1);
  };
  walk(dir, 3);
  return found;
}

function readManifest(dir: string): OutboxManifest {
  const file = path.join(dir, 'manifest.json');
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as OutboxManifest;
    if (typeof m.url !== 'string' || !Array.isArray(m.objects)) throw new Error('not an outbox manifest');
    return m;
  } catch (e) {
    throw new UsageError(`${file} is not a readable outbox manifest (${(e as Error).message.split('\n')[0]}); was it written by cacs score --store?`);
  }
}

export async function sendCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'send');
  if (args.flags.has('help')) {
    process.stdout.write(`${SEND_HELP}\n`);
    return 0;
  }
  if (args.positionals.length > 1) throw new UsageError(`cacs send takes one folder (got ${args.positionals.length}: ${args.positionals.join(' ')})`);
  const dir = path.resolve(args.positionals[0] ?? DEFAULT_OUTBOX);
  const override = args.values.get('store');
  if (override !== undefined) checkArchiveUrl(override, '--store');
  const timeout = timeoutMs(args);
  if (!fs.existsSync(dir)) {
    if (args.positionals.length === 0) {
      process.stdout.write(`Nothing to send: there is no outbox ${dir}.\n`);
      return 0;
    }
    throw new UsageError(`${dir} does not exist; give the outbox folder cacs score named`);
  }
  const progress = new Progress(args.flags.has('progress') || Boolean(process.stderr.isTTY));
  const folders = resultFolders(dir);
  if (folders.length === 0) {
    process.stdout.write(`Nothing to send in ${dir}.\n`);
    return 0;
  }
  const left: string[] = [];
  for (const folder of folders) {
    const sent = await sendResultFolder(folder, { url: override, timeoutMs: timeout, progress });
    for (const n of sent.notes) process.stdout.write(`${n}\n`);
    if (sent.done) process.stdout.write(`${sent.message}\n`);
    if (!sent.done) {
      left.push(folder);
      process.stderr.write(`cacs: ${sent.message}\n`);
    }
  }
  return left.length > 0 ? 3 : 0;
}

export interface SentFolder {
  /** Everything in the folder is in the archive (sent now, or already there); the folder is gone. */
  done: boolean;
  /** One line: what was sent, or why not and where it stays. */
  message: string;
  notes: string[];
}

/**
 * Send one result folder of the outbox (SEG, SR, PDF in order) to its archive, or to `url` when
 * given. Nothing is sent when the study's current report already says the same (a rerun stored
 * it). Used by `cacs send` and by the screening worker before it retries a job.
 */
export async function sendResultFolder(folder: string, opts: { url?: string; timeoutMs: number; progress: Progress }): Promise<SentFolder> {
  const { storeResult } = await import('../core/store/stow');
  const { currentReport, readCalciumSr } = await import('../core/encode/readback');
  const { reportContentKey } = await import('../core/store/save');
  const { loadCalciumReports } = await import('../core/store/dicomweb');
  const { progress, timeoutMs: timeout } = opts;
  const m = readManifest(folder);
  const url = opts.url ?? m.url;
  const pending = m.objects.filter((o) => !o.stored);
  const objects = pending.map((o) => {
    try {
      return { kind: o.kind, sopInstanceUid: o.sopInstanceUid, sopClassUid: o.sopClassUid, seriesInstanceUid: o.seriesInstanceUid, bytes: new Uint8Array(fs.readFileSync(path.join(folder, o.file))) };
    } catch {
      throw new UsageError(`${path.join(folder, o.file)} is missing from the outbox; the result in ${folder} cannot be sent complete`);
    }
  });
  // Say when the study moved on since this result was made: it then does not correct the current report.
  // When the current report already says the same (a rerun stored it), send nothing.
  const notes: string[] = [];
  try {
    const now = currentReport(await loadCalciumReports({ url, timeoutMs: timeout }, m.studyInstanceUid));
    const mySr = m.objects.find((o) => o.kind === 'SR')?.sopInstanceUid;
    const srObject = objects.find((o) => o.kind === 'SR');
    if (now && srObject && now.sopInstanceUid !== mySr && reportContentKey(readCalciumSr(srObject.bytes)) === reportContentKey(now)) {
      settleOutbox(folder, m, m.objects.map((o) => o.sopInstanceUid), null);
      return {
        done: true,
        message: `Nothing sent from ${folder}: the study's current calcium report, version ${now.version} (${now.sopInstanceUid}), already says the same; removed from the outbox.`,
        notes,
      };
    }
    if (now && now.sopInstanceUid !== mySr && now.sopInstanceUid !== m.predecessor?.sopInstanceUid) {
      notes.push(
        `note: the study's current calcium report is now version ${now.version} (${now.sopInstanceUid}); this result (version ${m.version}) was made ${m.chainKnown ? `as a correction of ${m.predecessor ? `version ${m.predecessor.version}` : 'nothing'}` : 'without reading the archive first'} and does not correct it.`,
      );
    }
  } catch {
    /* the store below reports the fault */
  }
  progress.note(`sending ${pending.map((o) => o.kind).join(', ')} from ${folder} to ${url}`);
  const outcome = await storeResult(objects, { url, timeoutMs: timeout, log: (line) => progress.note(line) });
  const done = settleOutbox(
    folder,
    m,
    outcome.stored.map((s) => s.sopInstanceUid),
    outcome.failure?.message ?? null,
  );
  if (done) return { done, message: `Sent ${pending.map((o) => o.kind).join(' + ')} (calcium report version ${m.version}) of study ${m.studyInstanceUid} to ${url}.`, notes };
  return { done, message: `${(outcome.failure?.message ?? 'not sent').replace(/ They are kept: retry the store, or download them\.$/, '')} Still in ${folder}.`, notes };
}
