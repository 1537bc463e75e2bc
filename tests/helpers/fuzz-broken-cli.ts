/**
 * A deliberately broken stand-in for cli/main.ts's main(), for tests/integration/fuzz.test.ts:
 * shows that scripts/fuzz.ts reports each kind of failure (exit 1, a stack trace on stderr, a
 * hang, a process that dies) instead of passing whatever it runs.
 */
import fs from 'node:fs';

export async function main(argv: string[]): Promise<number> {
  const dir = argv[1];
  const names = fs.readdirSync(dir).sort();
  const size = names.reduce((a, n) => a + fs.statSync(`${dir}/${n}`).size, 0);
  switch (size % 5) {
    case 0:
      return 1;
    case 1:
      process.stderr.write(`cacs: bad\n    at main (/x/cli/main.ts:1:2)\n`);
      return 2;
    case 2:
      await new Promise(() => setInterval(() => {}, 1000)); // never answers
      return 0;
    case 3:
      process.exit(7);
      return 0;
    default:
      process.stderr.write('cacs: fine\n');
      return 2;
  }
}
