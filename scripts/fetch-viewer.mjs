// Fetch the prebuilt OHIF viewer (@ohif/app) from the npm registry into .viewer/ once.
// `npm install @ohif/app` fails (some @ohif/* 3.13 dependencies are not on the registry,
// see docs/platform.md), so the tarball is fetched with `npm pack` and unpacked: it
// holds the complete built viewer under dist/. No manual step; cached between runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const OHIF_VERSION = '3.13.2';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folder holding the viewer's index.html once fetched. */
export function viewerDir(root = REPO_ROOT) {
  return path.join(root, '.viewer', `ohif-app-${OHIF_VERSION}`, 'dist');
}

/** Fetch and unpack the viewer unless it is already there. Returns the dist folder. */
export function ensureViewer({ root = REPO_ROOT, log = console.error } = {}) {
  const dist = viewerDir(root);
  if (fs.existsSync(path.join(dist, 'index.html'))) return dist;
  const cache = path.join(root, '.viewer');
  const target = path.join(cache, `ohif-app-${OHIF_VERSION}`);
  const tmp = `${target}.tmp-${process.pid}`;
  fs.mkdirSync(tmp, { recursive: true });
  log(`Fetching the OHIF viewer @ohif/app@${OHIF_VERSION} from the npm registry (about 50 MB, once)...`);
  const pack = spawnSync('npm', ['pack', `@ohif/app@${OHIF_VERSION}`, '--silent', '--pack-destination', tmp], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (pack.status !== 0 || !tgz) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `Could not fetch @ohif/app@${OHIF_VERSION} with npm pack (is the npm registry reachable?).\n${(pack.stderr || '').trim()}`,
    );
  }
  const untar = spawnSync('tar', ['xzf', path.join(tmp, tgz), '-C', tmp], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`Could not unpack ${tgz}: ${untar.stderr}`);
  fs.rmSync(path.join(tmp, tgz));
  fs.rmSync(target, { recursive: true, force: true });
  // The tarball unpacks into package/; keep that layout's content as the cached viewer.
  fs.renameSync(path.join(tmp, 'package'), target);
  fs.rmSync(tmp, { recursive: true, force: true });
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error(`The fetched viewer has no dist/index.html under ${target}.`);
  log(`OHIF viewer ready in ${path.relative(root, dist)}`);
  return dist;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureViewer());
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
