/**
 * Command-line options on top of Node's own parser (`node:util` parseArgs): a command lists its
 * options in a table, one line each, and every mistake (an unknown option, a missing or
 * unexpected value, an option given twice, a number out of range) becomes one UsageError line
 * (exit code 2) saying what is wrong and what to do instead.
 *
 * Adding an option is one line in the command's table, e.g. `outbox: { type: 'string' },`.
 */
import { parseArgs as nodeParseArgs } from 'node:util';

/** A mistake in the user's input (arguments, files, archive): one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One option: `string` takes a value (`--threshold 130` or `--threshold=130`), `boolean` does not. */
export interface OptionDef {
  type: 'string' | 'boolean';
  /** A one-letter alias, e.g. `h` for `-h`. */
  short?: string;
}

/** A command's options by long name (without the leading `--`). */
export type OptionTable = Readonly<Record<string, OptionDef>>;

export interface ParsedArgs {
  positionals: string[];
  /** Values of the `string` options that were given. */
  values: Map<string, string>;
  /** The `boolean` options that were given. */
  flags: Set<string>;
}

/** A negative number as an option's value (`--threshold -5`): Node would read it as an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Parse `argv` (the arguments after the command name) against `options`; `command` names the
 * command in messages (`cacs <command> --help`).
 */
export function parseArgs(argv: readonly string[], options: OptionTable, command: string): ParsedArgs {
  const seeHelp = `see cacs ${command} --help`;
  // Node's parser in non-strict mode hands back every option as a token (known or not, with or
  // without a value); the checks below turn each kind of mistake into our own one-line message.
  const { tokens } = nodeParseArgs({ args: [...argv], options: options as Record<string, OptionDef>, strict: false, allowPositionals: true, tokens: true });
  const out: ParsedArgs = { positionals: [], values: new Map(), flags: new Set() };
  for (let n = 0; n < tokens.length; n++) {
    const token = tokens[n];
    if (token.kind === 'positional') {
      out.positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const def = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!def) throw new UsageError(`unknown option ${token.rawName} for \`cacs ${command}\` (${seeHelp})`);
    const flag = `--${token.name}`;
    if (def.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`${flag} takes no value (write ${flag} alone)`);
      if (out.flags.has(token.name)) throw new UsageError(`${flag} given twice: give it once`);
      out.flags.add(token.name);
      continue;
    }
    let value = token.value;
    if (value === undefined && !token.inlineValue) {
      // Without a value Node leaves the value undefined; a following negative number is still
      // this option's value (the range check then says what is allowed).
      const next = tokens[n + 1];
      if (next?.kind === 'option' && next.index === token.index + 1 && NEGATIVE_NUMBER.test(next.rawName)) {
        value = argv[next.index];
        n++;
      }
    }
    // `--threshold --format json`: the next option is not a value.
    if (value === undefined || (!token.inlineValue && value.startsWith('--'))) throw new UsageError(`${flag} needs a value (${seeHelp})`);
    if (out.values.has(token.name)) throw new UsageError(`${flag} given twice: give it once`);
    out.values.set(token.name, value);
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
