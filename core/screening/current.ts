/**
 * Whether a study already holds a current calcium result that a new automatic scoring would only
 * repeat, and the job id that makes enqueuing the same series twice a no-op.
 *
 * What made a result is read back from its SR (core/encode/readback.ts): the labeller's name and
 * version (TID 4019 Algorithm Name / Version) and the settings lines (Algorithm Parameters). A new
 * scoring is skipped when the study's current report
 *  - was reviewed by a reader (a reader's result is never replaced by an automatic one), or
 *  - came from the same labeller, version and settings (scoring again would store the same).
 * A current report from an older labeller or other settings does not stop a job: the new result
 * is stored as its next version.
 */
import { currentReport, type CalciumReport } from '../encode/readback';
import { settingsParameters } from '../encode/sr';
import { resolveSettings } from '../settings';
import type { ScoringSettings } from '../types';

export interface ScreeningMaker {
  /** The labeller as the SR names it (result.model): e.g. cac-rules 2.0.0. */
  algorithm: { name: string; version: string };
  /** Settings lines every result of this maker carries (mass calibration left out: it follows each scan's header). */
  parameters: string[];
}

/** The maker a worker with these settings and this labeller writes into its SRs. */
export function screeningMaker(labeller: { name: string; version: string }, settings: Partial<ScoringSettings> = {}): ScreeningMaker {
  const lines = settingsParameters(resolveSettings(settings)).filter((l) => !l.startsWith('Mass calibration factor'));
  return { algorithm: { name: labeller.name, version: labeller.version }, parameters: lines };
}

/** A short stable id of the maker (FNV-1a, hex), for job ids. */
export function makerKey(m: ScreeningMaker): string {
  const text = JSON.stringify([m.algorithm.name, m.algorithm.version, ...m.parameters]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The queue's job id for one series and maker: the same series enqueued twice is one job. */
export function screeningJobId(seriesInstanceUid: string, maker: ScreeningMaker): string {
  return `${seriesInstanceUid}-${makerKey(maker)}`;
}

/** Why no job is needed for this study, or null when scoring would add something. */
export function alreadyScored(reports: CalciumReport[], maker: ScreeningMaker): string | null {
  const current = currentReport(reports);
  if (!current) return null;
  const which = `calcium report version ${current.version}${current.sourceSeriesUid ? ` of series ${current.sourceSeriesUid}` : ''}`;
  if (current.reviewed) return `the study's current ${which} was reviewed by a reader`;
  const sameMaker =
    current.algorithm?.name === maker.algorithm.name &&
    current.algorithm.version === maker.algorithm.version &&
    maker.parameters.every((p) => current.settingsParameters.includes(p));
  if (sameMaker) return `the study's current ${which} came from ${maker.algorithm.name} ${maker.algorithm.version} with the same settings`;
  return null;
}
