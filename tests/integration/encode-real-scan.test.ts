/**
 * Encoding the result of a real scan (ACRIN chest CT: JPEG-LS, non-gated, 140 kVp, overlapping
 * 3.75 mm slices): the SEG frames reference the scan's own slices and every object passes
 * dciodvfy. The artery labels stand in for a reader (calcium in the heart's z-range on LAD).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { initCodecs, readSeriesFromFiles } from '../../core/dicom/read';
import { scoreVolume } from '../../core/index';
import { scoreResult } from '../../core/scoring/score';
import { encodeResult } from '../../core/encode/index';
import { readCalciumSeg, readCalciumSr, restoreAssignment } from '../../core/encode/readback';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ACRIN = path.resolve(REPO_ROOT, '../shared/data/acrin-chest-ct');
const run = promisify(execFile);

// Warnings caused by the source scan's own header, copied unchanged into the derived objects.
const SOURCE_WARNINGS = [
  /^Warning - Missing attribute or value that would be needed to build DICOMDIR - Study ID$/,
  /^Warning - Value dubious for this VR - \(0x0010,0x0010\) PN Patient's Name .* Retired Person Name form$/,
  /^Warning - Unrecognized defined term <99CACS> for value 1 of attribute <Coding Scheme Designator>$/,
  // Finding Site as (G-C0E3, SRT), the form OHIF's SR viewport does not print as a raw code (see encode-validators).
  /^Warning - CodingSchemeDesignator is deprecated - attribute <CodingSchemeDesignator> = <SRT>$/,
];

describe('encoding a real chest CT result', () => {
  it('SEG, SR and PDF reference the scan, read back, and pass dciodvfy', async () => {
    await initCodecs();
    const files = fs
      .readdirSync(ACRIN)
      .filter((f) => f.endsWith('.dcm'))
      .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(ACRIN, name))) }));
    const volume = await readSeriesFromFiles(files);
    const scored = scoreVolume(volume, { ignoreErrors: true });
    for (const l of scored.lesionSet.lesions) {
      const z = scored.lesionSet.components[l.componentIds[0] - 1].centroidMm[2];
      scored.assignment.assignLesion(l.id, z > -161 && z < -135 ? 'LAD' : 'OTHER', 'reader');
    }
    const result = scoreResult(scored.lesionSet, scored.assignment, { warnings: scored.result.warnings });
    expect(result.arteries.LAD.lesionCount).toBeGreaterThan(0);
    const enc = await encodeResult({ result, lesionSet: scored.lesionSet, assignment: scored.assignment, volume });

    const sr = readCalciumSr(enc.sr.bytes);
    expect(sr.arteries.LAD!.agatston).toBeCloseTo(result.arteries.LAD.agatston, 2);
    expect(sr.warnings).toEqual(result.warnings);
    expect(sr.warnings.some((w) => /140 kVp/.test(w))).toBe(true);
    const seg = readCalciumSeg(enc.seg!.bytes);
    const sliceUids = new Set(volume.instances.map((i) => i.sopInstanceUid));
    expect([...seg.segments[0].pixelsBySourceInstance.keys()].every((uid) => sliceUids.has(uid))).toBe(true);
    // Hundreds of excluded candidates (bone, aorta) travel in the SEG's own "Excluded" segment and
    // come back excluded, so a reopened chest CT does not ask for them again.
    expect(seg.segments.map((s) => s.label)).toEqual(['LAD calcium', 'Excluded (non-coronary)']);
    const set2 = scoreVolume(volume, { ignoreErrors: true });
    const back = restoreAssignment(set2.lesionSet, set2.assignment, seg, { reviewed: sr.reviewed });
    expect(back.lesions).toEqual({ onArteries: result.arteries.LAD.lesionCount, excluded: scored.lesionSet.lesions.length - result.arteries.LAD.lesionCount, pending: 0 });
    expect(scoreResult(set2.lesionSet, set2.assignment, { warnings: scored.result.warnings }).total).toEqual(result.total);
    expect(seg.frameOfReferenceUid).toBe(volume.source.frameOfReferenceUid);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-real-'));
    try {
      for (const o of enc.all) {
        const file = path.join(dir, `${o.kind}.dcm`);
        fs.writeFileSync(file, o.bytes);
        const out = await run('dciodvfy', [file]).catch((e: { stdout: string; stderr: string }) => e);
        const lines = `${out.stdout}\n${out.stderr}`.split('\n').map((l) => l.trim());
        expect(lines.filter((l) => l.startsWith('Error')), o.kind).toEqual([]);
        expect(lines.filter((l) => l.startsWith('Warning') && !SOURCE_WARNINGS.some((re) => re.test(l))), o.kind).toEqual([]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
