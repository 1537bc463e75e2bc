/**
 * Scoring settings: the project defaults (docs/scoring.md §1.1 / 1.2) and how a caller's
 * partial settings and the series header combine into the settings echoed in every
 * result.
 */
import type { ScoringSettings, SeriesFacts } from './types';

/** docs/scoring.md §1.1: HU >= 130, 8-connected 2D components, minimum area 1 mm^2, normalised to 3 mm slices. */
export const DEFAULT_SETTINGS: Readonly<ScoringSettings> = Object.freeze({
  thresholdHu: 130,
  minAreaMm2: 1,
  minAreaPixels: null,
  connectivity2d: 8,
  normaliseToMm: 3,
  massFactor: null,
  massFactorSource: null,
});

/** A setting the caller gave that cannot be used; the message is one line meant for the user. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

const isPositiveFinite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/**
 * Defaults, overridden by `partial`, with the calcium mass factor chosen in docs/scoring.md §1.2's order:
 * (0018,9351) Calcium Scoring Mass Factor Patient from the header when the image carries it,
 * else the site/user/phantom factor passed in `partial`, else null (mass is then not computed
 * and the result carries a warning; never a silent default).
 */
export function resolveSettings(
  partial: Partial<ScoringSettings> | null | undefined = {},
  facts?: Pick<SeriesFacts, 'massFactorPatient'> | null,
): ScoringSettings {
  const p = partial ?? {};
  const s: ScoringSettings = { ...DEFAULT_SETTINGS };
  if (p.thresholdHu !== undefined) s.thresholdHu = p.thresholdHu;
  if (p.minAreaMm2 !== undefined) s.minAreaMm2 = p.minAreaMm2;
  if (p.minAreaPixels !== undefined) s.minAreaPixels = p.minAreaPixels;
  if (p.connectivity2d !== undefined) s.connectivity2d = p.connectivity2d;
  if (p.normaliseToMm !== undefined) s.normaliseToMm = p.normaliseToMm;

  const headerFactor = facts?.massFactorPatient;
  if (isPositiveFinite(headerFactor)) {
    s.massFactor = headerFactor;
    s.massFactorSource = 'header';
  } else if (p.massFactor !== undefined && p.massFactor !== null) {
    s.massFactor = p.massFactor;
    s.massFactorSource = p.massFactorSource && p.massFactorSource !== 'header' ? p.massFactorSource : 'site';
  }

  validateSettings(s);
  return s;
}

/** Throws SettingsError with a one-line message when a setting is unusable. */
export function validateSettings(s: ScoringSettings): void {
  if (typeof s.thresholdHu !== 'number' || !Number.isFinite(s.thresholdHu)) {
    throw new SettingsError(`Threshold must be a number of HU (got ${String(s.thresholdHu)}); the default is 130 HU.`);
  }
  if (typeof s.minAreaMm2 !== 'number' || !Number.isFinite(s.minAreaMm2) || s.minAreaMm2 < 0) {
    throw new SettingsError(`Minimum lesion area must be 0 mm^2 or more (got ${String(s.minAreaMm2)}); the default is 1 mm^2.`);
  }
  if (s.minAreaPixels !== null && (!Number.isInteger(s.minAreaPixels) || s.minAreaPixels < 1)) {
    throw new SettingsError(`Minimum lesion size in pixels must be a whole number >= 1 (got ${String(s.minAreaPixels)}).`);
  }
  if (s.connectivity2d !== 4 && s.connectivity2d !== 8) {
    throw new SettingsError(`In-slice connectivity must be 4 or 8 (got ${String(s.connectivity2d)}); the default is 8.`);
  }
  if (s.normaliseToMm !== null && !isPositiveFinite(s.normaliseToMm)) {
    throw new SettingsError(`Slice normalisation must be a positive thickness in mm or off (got ${String(s.normaliseToMm)}); the default is 3 mm.`);
  }
  if (s.massFactor !== null && !isPositiveFinite(s.massFactor)) {
    throw new SettingsError(`Mass calibration factor must be a positive number of mg HA/cm^3 per HU (got ${String(s.massFactor)}).`);
  }
}

/** One-line, human-readable summary of the settings (for reports and the panel). */
export function describeSettings(s: ScoringSettings): string {
  const minArea = s.minAreaPixels !== null ? `${s.minAreaPixels} pixels` : `${s.minAreaMm2} mm^2`;
  const norm = s.normaliseToMm !== null ? `slice sums x increment / ${s.normaliseToMm} mm` : 'no slice normalisation';
  const mass =
    s.massFactor !== null ? `mass factor ${s.massFactor} mg HA/cm^3/HU (${s.massFactorSource ?? 'given'})` : 'no mass calibration factor';
  return `Agatston: HU >= ${s.thresholdHu}, ${s.connectivity2d}-connected, minimum area ${minArea}, ${norm}; ${mass}`;
}
