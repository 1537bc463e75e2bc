// The build-time package of the extension (`webpack --env package`, what `npm pack` in
// extension/ ships): React, react-i18next and @ohif/ui-next come from the host viewer
// (peerDependencies, as OHIF's extension template does), while the bundle loaded by URL keeps
// its own React and its own strings and buttons (extension/src/panel/ui.tsx). A real OHIF source build
// cannot run here (its packages are not all on the npm registry), so this checks the bundle itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGE_DIR = path.join(ROOT, 'dist/package/ohif-calcium-scoring-extension');
const URL_DIR = path.join(ROOT, 'dist/ohif-calcium-scoring-extension');
// A string only React's own implementation carries.
const REACT_INTERNALS = /__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED/;

const jsFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));

describe('the extension package for a build-time install', () => {
  it('imports react, react-dom, the JSX runtime, react-i18next and @ohif/ui-next from the host and carries no copy of React; the URL bundle keeps its own and imports none of them', () => {
    const r = spawnSync('npx', ['webpack', '--mode', 'production', '--env', 'package'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const entry = fs.readFileSync(path.join(PACKAGE_DIR, 'index.js'), 'utf8');
    for (const m of ['react', 'react-dom/client', 'react/jsx-runtime', 'react-i18next', '@ohif/ui-next']) expect(entry).toContain(`from"${m}"`);
    for (const code of jsFiles(PACKAGE_DIR)) expect(code).not.toMatch(REACT_INTERNALS);
    // The panel's English strings travel with the package (added to the host's i18next).
    expect(entry).toContain('Confirm automatic labels');
    // Cornerstone and @ohif/core are types only: in neither bundle; of OHIF, only ui-next is imported.
    for (const code of jsFiles(PACKAGE_DIR)) expect(code).not.toMatch(/from"@(ohif\/(?!ui-next")|cornerstonejs\/)/);
    if (fs.existsSync(URL_DIR)) {
      expect(jsFiles(URL_DIR).some((code) => REACT_INTERNALS.test(code))).toBe(true);
      // Loaded by URL, a bare import of a host module would not resolve: none there.
      for (const code of jsFiles(URL_DIR)) expect(code).not.toMatch(/from"(react-i18next|@ohif\/ui-next)"/);
    }
  }, 240_000);

  it('declares what the host provides as peer dependencies, and packs the package build', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'extension/package.json'), 'utf8'));
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['@cornerstonejs/core', '@cornerstonejs/tools', '@ohif/core', '@ohif/ui-next', 'react', 'react-dom', 'react-i18next']);
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.scripts.prepack).toContain('--env package');
    expect(pkg.scripts.prepack).toContain('dist/package/ohif-calcium-scoring-extension');
  });
});
