/**
 * Anatomy and features on the two real scans in ../shared/data, read with the project's reader:
 * - acrin-chest-ct (non-gated chest CT, 140 kVp, 3.75 mm every 3.27 mm): the heart, root and
 *   frame must be anatomically plausible, the CT table outside the body, the spine in bone, and
 *   the dense calcifications of the heart region (z -165..-130 mm) near the heart;
 * - qrm-phantom (a thorax phantom with a calcium insert, no heart and no aorta): the finder
 *   must say it found no heart and leave every candidate to the reader.
 * No reference labels exist for either; the checks are anatomy any reader would agree with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { findAnatomy, labelAt, LABEL_BONE, LABEL_HEART, LABEL_OUTSIDE, type Anatomy } from '../../core/anatomy/index';
import { initCodecs, readSeries } from '../../core/dicom/read';
import { componentFeatures, FEATURE_NAMES } from '../../core/labelling/features';
import { detectLesions, type LesionSet } from '../../core/scoring/detect';
import type { CtVolume } from '../../core/types';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');
const QRM = path.resolve(REPO_ROOT, '../shared/data/qrm-phantom');
const NF = FEATURE_NAMES.length;
const col = (name: (typeof FEATURE_NAMES)[number]) => FEATURE_NAMES.indexOf(name);

function filesOf(dir: string) {
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) }));
}

describe('anatomy of the ACRIN chest CT', () => {
  let volume: CtVolume;
  let anatomy: Anatomy;
  let set: LesionSet;
  let f: Float32Array;
  beforeAll(async () => {
    await initCodecs();
    volume = readSeries(filesOf(ACRIN)).volume;
    anatomy = findAnatomy(volume);
    set = detectLesions(volume);
    f = componentFeatures(volume, set, anatomy);
  }, 120_000);

  it('finds the heart, of a plausible size, between the lungs', () => {
    expect(anatomy.found).toBe(true);
    expect(anatomy.warnings).toEqual([]);
    expect(anatomy.heartVolumeMl).toBeGreaterThan(300);
    expect(anatomy.heartVolumeMl).toBeLessThan(1200);
    expect(anatomy.lungVolumeMl).toBeGreaterThan(2000);
    const c = anatomy.heartCentreMm!;
    expect(labelAt(anatomy, c)).toBe(LABEL_HEART);
    // Near the midline (within 40 mm), in front of the spine.
    expect(Math.abs(c[0] - anatomy.midlineXMm)).toBeLessThan(40);
    const spineY = anatomy.spineXY.filter((v, i) => i % 2 === 1 && Number.isFinite(v));
    expect(spineY.length).toBeGreaterThan(20);
    expect(c[1]).toBeLessThan(Math.min(...spineY) - 20);
  });

  it('puts the root above the heart centre and right of the apex; the apex lies left, in front of the root and below it', () => {
    const root = anatomy.aorticRootMm!;
    const apex = anatomy.apexMm!;
    const c = anatomy.heartCentreMm!;
    expect(root[2]).toBeGreaterThan(c[2]);
    expect(apex[0] - root[0]).toBeGreaterThan(30);
    expect(apex[2] - root[2]).toBeLessThan(-40);
    expect(apex[1] - root[1]).toBeLessThan(15);
    expect(anatomy.aortaRadiusMm!).toBeGreaterThan(11);
    expect(anatomy.aortaRadiusMm!).toBeLessThan(25);
    // The descending aorta is tracked beside the spine over much of the chest.
    expect(anatomy.descendingAorta.length).toBeGreaterThan(40);
    expect(anatomy.frame!.heartRadiusMm).toBeGreaterThan(40);
  });

  it('the CT table (the rearmost lesion running through 100+ slices) lies outside the body', () => {
    const long = set.lesions.filter((l) => new Set(l.componentIds.map((id) => set.components[id - 1].slice)).size >= 100);
    const meanY = (l: { componentIds: number[] }) => l.componentIds.reduce((s, id) => s + set.components[id - 1].centroidMm[1], 0) / l.componentIds.length;
    const table = long.reduce((a, b) => (meanY(b) > meanY(a) ? b : a));
    expect(meanY(table)).toBeGreaterThan(150);
    let outside = 0;
    for (const id of table.componentIds) outside += f[(id - 1) * NF + col('fracOutside')];
    expect(outside / table.componentIds.length).toBeGreaterThan(0.95);
    expect(labelAt(anatomy, set.components[table.componentIds[0] - 1].centroidMm)).toBe(LABEL_OUTSIDE);
  });

  it('the spine: candidates on the vertebral column are bone, near the spine, outside the heart', () => {
    let spine = 0;
    let mostlyBone = 0;
    set.components.forEach((c, n) => {
      if (f[n * NF + col('distSpineCm')] > 0.3 || c.areaMm2 < 20) return;
      spine++;
      if (f[n * NF + col('fracBone')] > 0.5) mostlyBone++;
      expect(f[n * NF + col('fracHeart')]).toBe(0);
      expect(f[n * NF + col('heartSignedCm')]).toBeGreaterThan(1);
    });
    expect(spine).toBeGreaterThan(100);
    expect(mostlyBone / spine).toBeGreaterThan(0.9);
  });

  it('the dense calcifications of the heart region lie in or beside the heart, not in bone or outside the body', () => {
    const rows: number[] = [];
    set.components.forEach((c, n) => {
      if (c.centroidMm[2] > -165 && c.centroidMm[2] < -130 && c.peakHu >= 430 && Math.abs(c.centroidMm[0] - anatomy.heartCentreMm![0]) < 70 && c.centroidMm[1] < anatomy.heartCentreMm![1] + 60) {
        if (f[n * NF + col('fracBone')] > 0 || labelAt(anatomy, c.centroidMm) === LABEL_BONE) return; // ribs, sternum at that height
        rows.push(n);
      }
    });
    expect(rows.length).toBeGreaterThan(0);
    for (const n of rows) {
      expect(f[n * NF + col('fracOutside')]).toBe(0);
      expect(f[n * NF + col('heartSignedCm')]).toBeLessThan(2);
      expect(f[n * NF + col('anatomyFound')]).toBe(1);
    }
  });
});

describe('anatomy of the QRM thorax phantom (no heart, no aorta)', () => {
  let anatomy: Anatomy;
  beforeAll(async () => {
    await initCodecs();
    anatomy = findAnatomy(readSeries(filesOf(QRM)).volume);
  }, 60_000);

  it('says it found no heart and leaves every candidate to the reader', () => {
    expect(anatomy.found).toBe(false);
    expect(anatomy.frame).toBeNull();
    expect(anatomy.aorticRootMm).toBeNull();
    expect(anatomy.warnings.join(' ')).toMatch(/every candidate is left for the reader/);
  });
});
