#!/usr/bin/env node
// `cacs`: the command-line face of the scoring core. The sources are TypeScript, run through
// tsx's ESM loader (registered here, in-process: no second Node start). Everything heavy
// (dcmjs, the WebAssembly decoders, the scoring core) is imported only by the command that needs it,
// so `cacs --help` answers at once.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
