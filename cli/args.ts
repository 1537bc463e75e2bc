/**
 * A small, strict option parser: known flags only, values checked where they are read, and
 * every mistake reported as one UsageError line (exit code 2) saying what to do instead.
 */

/** A mistake in the user's input (arguments, files, archive): one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** Flags taking a value (`--threshold 130` or `--threshold=130`). */
  values: readonly string[];
  /** Flags without a value. */
  booleans: readonly string[];
}

export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], spec: OptionSpec, command: string): ParsedArgs {
  const out: ParsedArgs = { positionals: [], values: new Map(), flags: new Set() };
  for (let n = 0; n < argv.length; n++) {
    const arg = argv[n];
    if (arg === '--') {
      out.positionals.push(...argv.slice(n + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg} for \`cacs ${command}\` (see cacs ${command} --help)`);
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (spec.values.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++n];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value (see cacs ${command} --help)`);
      if (out.values.has(name)) throw new UsageError(`--${name} given twice`);
      out.values.set(name, value);
    } else if (spec.booleans.includes(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
    } else {
      throw new UsageError(`unknown option --${name} for \`cacs ${command}\` (see cacs ${command} --help)`);
    }
  }
  return out;
}

/** A number option within [min, max]; `what` says what it is, for the message. */
export function numberOption(args: ParsedArgs, name: string, what: string, min: number, max: number): number | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be ${what} (got '${raw}')`);
  if (value < min || value > max) throw new UsageError(`--${name} must be ${what} between ${min} and ${max} (got ${raw})`);
  return value;
}
