/**
 * `cacs` entry point: dispatch to a subcommand and turn errors into exit codes.
 * 0 = done; 2 = the user's input is wrong (one line on stderr, no stack trace); 1 = internal error.
 */
import './codecs-lite';
import { UsageError } from './args';

const VERSION = '0.1.0';

export const MAIN_HELP = `cacs ${VERSION}: coronary artery calcium scoring from CT (headless core of the OHIF plugin)

Usage:
  cacs score <folder> [options]                       score a CT series from DICOM files
  cacs score --dicomweb URL --study UID [options]     score a CT series from a DICOMweb archive
  cacs anatomy <folder> --png DIR [--labels]          check images of the anatomy finder on a series
  cacs phantom [options]                              write a synthetic CT phantom with known calcium
  cacs send [DIR] [options]                           store what --store kept in the outbox (./cacs-outbox)
  cacs screen --dicomweb URL --redis URL              queue every new CT series of an archive for scoring
  cacs worker --dicomweb URL --redis URL              score and store what the queue holds
  cacs queue --redis URL                              the queue's state: counts, speed, failures
  cacs --help | cacs <command> --help | cacs --version

Scores follow the Agatston method (HU >= 130, 1 mm^2, slice sums normalised to 3 mm),
with volume and, given a calibration factor, mass, per artery (LM, LAD, LCX, RCA).
By default the anatomy rules propose an artery (or non-coronary) for every lesion;
its proposals are marked "automatic, not reviewed" and decision support waits for a reader's
review (--no-auto turns it off; seeds always win). Not for clinical use without review by a
qualified reader.`;

/**
 * The subcommands, one a line: each loads its module only when run (so `cacs --help` answers at
 * once) and resolves to an exit code.
 */
const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  score: async (argv) => (await import('./score')).scoreCommand(argv),
  anatomy: async (argv) => (await import('./anatomy')).anatomyCommand(argv),
  phantom: async (argv) => exitCode(await (await import('./phantom')).phantomCommand(argv)),
  send: async (argv) => (await import('./send')).sendCommand(argv),
  screen: async (argv) => (await import('./screen')).screenCommand(argv),
  worker: async (argv) => (await import('./worker')).workerCommand(argv),
  queue: async (argv) => (await import('./queue')).queueCommand(argv),
};

function exitCode(code: unknown): number {
  return typeof code === 'number' ? code : 0;
}

/** Run the command line; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${MAIN_HELP}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) {
      const what = command.startsWith('-') ? `unknown option ${command}` : `unknown command '${command}'`;
      throw new UsageError(`${what} (commands: ${Object.keys(COMMANDS).join(', ')}; see cacs --help)`);
    }
    return await run(rest);
  } catch (e) {
    return reportError(e);
  }
}

function isUserError(e: unknown): boolean {
  if (e instanceof UsageError) return true;
  const name = (e as { name?: string } | null)?.name;
  // Errors the core raises for input a user can fix, named so across module boundaries.
  if (name === 'UsageError' || name === 'DicomReadError' || name === 'InputError' || name === 'SettingsError') return true;
  // The file system refusing a path the user gave (or one inside it): say so in one line.
  return USER_FS_CODES.has(String((e as { code?: unknown } | null)?.code));
}

const USER_FS_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'ENAMETOOLONG', 'ELOOP', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EROFS', 'EDQUOT', 'EMFILE', 'ENFILE', 'EEXIST', 'ERR_FS_FILE_TOO_LARGE']);

function reportError(e: unknown): number {
  if (isUserError(e)) {
    process.stderr.write(`cacs: ${String((e as Error).message).split('\n')[0]}\n`);
    return 2;
  }
  process.stderr.write(`cacs: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}
