// The panel's strings: English in one resource (extension/src/i18n/en.json) read through one
// t(), the same in both builds (panel/ui.tsx by URL, panel/ui.ohif.tsx in the package).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { english, translate, type StringKey } from '../../extension/src/i18n/index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PANEL = path.join(ROOT, 'extension/src/panel');
const source = (f: string) => fs.readFileSync(path.join(PANEL, f), 'utf8');
const panelSources = fs.readdirSync(PANEL).filter((f) => f.endsWith('.tsx')).map(source).join('\n');

describe('the panel strings', () => {
  it('fills the named values of a string as i18next does', () => {
    expect(translate('loadingSlices', { loaded: 3, total: 40 })).toBe('Loading slices 3 / 40…');
    expect(translate('reviewCue', { state: translate('reviewAutomatic'), left: translate('candidatesLeftOther', { count: 12 }) })).toBe(
      'Automatic, not reviewed: 12 candidates left to review',
    );
    // A value not given stays visible rather than silently empty.
    expect(translate('lesionsHeading')).toBe('Lesions ({{count}})');
  });

  it('holds no key the panel does not use, and no key with an i18next separator', () => {
    const keys = Object.keys(english) as StringKey[];
    expect(keys.length).toBeGreaterThan(80);
    const unused = keys.filter((k) => !new RegExp(`['"]${k}['"]`).test(panelSources));
    expect(unused).toEqual([]);
    expect(keys.filter((k) => /[.:]/.test(k))).toEqual([]);
  });

  it('gives both builds the same adapter: the package module exports what the URL module does', () => {
    const exported = (f: string) => [...source(f).matchAll(/^export (?:function|const|type|interface) (\w+)|^export type \{ ([^}]+) \}/gm)].flatMap((m) => (m[1] ? [m[1]] : m[2].split(',').map((x) => x.trim()))).sort();
    expect(exported('ui.ohif.tsx')).toEqual(exported('ui.tsx'));
    // The package's reads the host's i18next and OHIF's Button; the URL one neither.
    expect(source('ui.ohif.tsx')).toMatch(/from 'react-i18next'/);
    expect(source('ui.ohif.tsx')).toMatch(/from '@ohif\/ui-next'/);
    expect(source('ui.tsx')).not.toMatch(/from '(react-i18next|@ohif\/ui-next)'/);
  });
});
