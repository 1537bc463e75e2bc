import { describe, expect, it } from 'vitest';
import { numberOption, parseArgs, UsageError, type OptionTable } from '../../cli/args';

const OPTIONS: OptionTable = {
  threshold: { type: 'string' },
  format: { type: 'string' },
  'no-auto': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const parse = (...argv: string[]) => parseArgs(argv, OPTIONS, 'score');
const mistake = (argv: string[]) => {
  try {
    parse(...argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('cli/args on node:util parseArgs', () => {
  it('reads values (both spellings), flags, short aliases and positionals', () => {
    const a = parse('DIR', '--threshold', '130', '--format=json', '--no-auto', '-h', '--', '--not-an-option');
    expect(a.positionals).toEqual(['DIR', '--not-an-option']);
    expect(Object.fromEntries(a.values)).toEqual({ threshold: '130', format: 'json' });
    expect([...a.flags].sort()).toEqual(['help', 'no-auto']);
  });

  it('a negative number is a value, whose range is then checked', () => {
    const a = parse('--threshold', '-5');
    expect(a.values.get('threshold')).toBe('-5');
    expect(() => numberOption(a, 'threshold', 'a threshold in HU', 1, 3000)).toThrow(/--threshold must be a threshold in HU between 1 and 3000 \(got -5\)/);
    expect(() => numberOption(parse('--threshold=abc'), 'threshold', 'a threshold in HU', 1, 3000)).toThrow(/got 'abc'/);
  });

  it('each kind of mistake is one line that says what to do', () => {
    expect(mistake(['--treshold', '130'])).toBe('unknown option --treshold for `cacs score` (see cacs score --help)');
    expect(mistake(['-x'])).toBe('unknown option -x for `cacs score` (see cacs score --help)');
    expect(mistake(['--threshold'])).toBe('--threshold needs a value (see cacs score --help)');
    expect(mistake(['--threshold', '--format', 'json'])).toBe('--threshold needs a value (see cacs score --help)');
    expect(mistake(['--no-auto=yes'])).toBe('--no-auto takes no value (write --no-auto alone)');
    expect(mistake(['--format', 'json', '--format=table'])).toBe('--format given twice: give it once');
    expect(mistake(['--no-auto', '--no-auto'])).toBe('--no-auto given twice: give it once');
    // Names of Object.prototype are not options.
    expect(mistake(['--constructor'])).toMatch(/^unknown option --constructor/);
  });
});
