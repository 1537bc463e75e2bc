#!/usr/bin/env node
// `npm run train`: build the training set from the phantom, train with Debian's python3-torch,
// export ONNX + manifest into models/, then measure it on the held-out synthetic sets.
// Options go to the set builder: npm run train -- --scans 240
import { spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
const started = Date.now();
const step = (name, cmd, args) => {
  const t = Date.now();
  process.stdout.write(`== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`npm run train: ${name} failed (${r.error ? r.error.message : `exit ${r.status}`})\n`);
    process.exit(1);
  }
  process.stdout.write(`   ${name}: ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
};
step('training set', process.execPath, ['--import', 'tsx', 'scripts/train/build-set.ts', ...extra]);
step('training', '/usr/bin/python3', ['scripts/train/train.py', '--set', '.cache/train', '--out', 'models']);
step('held-out evaluation', process.execPath, ['--import', 'tsx', 'scripts/train/evaluate.ts']);
process.stdout.write(`npm run train: done in ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
