// The calcium mode's hotkeys against the real OHIF 3.13.2 viewer's default bindings (read from
// the prebuilt viewer bundle): in the mode no key runs two commands, OHIF's other keys stay.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureViewer } from '../../scripts/fetch-viewer.mjs';
import { CALCIUM_HOTKEYS, mergeHotkeys, type HotkeyBinding } from '../../extension/src/hotkeys';

function ohifDefaultBindings(): HotkeyBinding[] {
  const dist = ensureViewer({ log: () => undefined });
  const app = fs.readdirSync(dist).find((f) => /^app\.bundle\..*\.js$/.test(f));
  if (!app) throw new Error(`No app bundle in ${dist}`);
  const text = fs.readFileSync(path.join(dist, app), 'utf8');
  const start = text.indexOf('// CONCATENATED MODULE: ../../core/src/defaults/hotkeyBindings.ts');
  expect(start).toBeGreaterThan(0);
  const end = text.indexOf('// CONCATENATED MODULE:', start + 10);
  const block = text.slice(start, end);
  const bindings: HotkeyBinding[] = [];
  for (const m of block.matchAll(/commandName: '([^']+)'[\s\S]*?label: '([^']*)'[\s\S]*?keys: \[([^\]]*)\]/g)) {
    bindings.push({ commandName: m[1], label: m[2], keys: [...m[3].matchAll(/'([^']*)'/g)].map((k) => k[1]) });
  }
  return bindings;
}

describe('calcium mode hotkeys', () => {
  const host = ohifDefaultBindings();

  it("reads OHIF 3.13.2's default bindings from the viewer bundle", () => {
    expect(host.length).toBeGreaterThan(20);
    expect(host.find((b) => b.keys.includes('ctrl+z'))?.commandName).toBe('undo');
  });

  it('binds 1-4, X, Ctrl+Z / Ctrl+Y, N / P and W, and no key runs two commands', () => {
    const merged = mergeHotkeys(host);
    const keys = merged.flatMap((b) => b.keys.map((k) => k.toLowerCase()));
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of ['1', '2', '3', '4', 'x', 'ctrl+z', 'ctrl+y', 'n', 'p', 'w']) {
      expect(merged.find((b) => b.keys.includes(k))?.commandName).toMatch(/^calciumScoring/);
    }
  });

  it("keeps every OHIF binding whose key the mode does not use", () => {
    const ours = new Set(CALCIUM_HOTKEYS.flatMap((b) => b.keys));
    const merged = mergeHotkeys(host);
    for (const b of host.filter((h) => !h.keys.some((k) => ours.has(k)))) expect(merged).toContainEqual(b);
    // Zoom, rotate, scroll and the rest of OHIF's keys are still there.
    for (const k of ['z', 'r', 'l', 'up', 'down', 'space']) expect(merged.some((b) => b.keys.includes(k))).toBe(true);
  });
});
