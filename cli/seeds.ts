/**
 * The --seeds file: points a person placed on arteries, in DICOM patient coordinates (LPS, mm).
 *   [{"pointMm": [x, y, z], "artery": "LAD"}, ...]
 * Every lesion a seed touches (or passes within 2 mm of) takes that artery; seeds always win
 * over automatic labels. Validation names the entry and the field that is wrong.
 */
import fs from 'node:fs';
import type { LesionLabel, Vec3 } from '../core/types';
import { UsageError } from './args';

export const SEED_LABELS: readonly LesionLabel[] = ['LM', 'LAD', 'LCX', 'RCA', 'OTHER'];

export interface SeedPoint {
  pointMm: Vec3;
  artery: LesionLabel;
}

export function readSeedsFile(file: string): SeedPoint[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `seeds file ${file} does not exist` : `seeds file ${file} cannot be read (${code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`seeds file ${file} is not valid JSON (${(e as Error).message.split('\n')[0]}); expected [{"pointMm":[x,y,z],"artery":"LAD"}]`);
  }
  return parseSeeds(json, `seeds file ${file}`);
}

export function parseSeeds(json: unknown, where = 'seeds'): SeedPoint[] {
  if (!Array.isArray(json)) throw new UsageError(`${where} must hold a JSON array like [{"pointMm":[x,y,z],"artery":"LAD"}]`);
  return json.map((entry, n) => {
    const at = `${where}, entry ${n + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new UsageError(`${at}: expected an object {"pointMm":[x,y,z],"artery":"LAD"}`);
    const { pointMm, artery } = entry as { pointMm?: unknown; artery?: unknown };
    if (!Array.isArray(pointMm) || pointMm.length !== 3 || !pointMm.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new UsageError(`${at}: pointMm must be three numbers [x, y, z] in patient mm (LPS), got ${JSON.stringify(pointMm)}`);
    }
    if (typeof artery !== 'string' || !SEED_LABELS.includes(artery as LesionLabel)) {
      throw new UsageError(`${at}: artery must be one of ${SEED_LABELS.join(', ')}, got ${JSON.stringify(artery)}`);
    }
    return { pointMm: [pointMm[0], pointMm[1], pointMm[2]] as Vec3, artery: artery as LesionLabel };
  });
}
