/**
 * The scoring core's public entry point: types, settings, detection, assignment, scoring,
 * risk and input checks, plus scoreVolume() for the headless path (CLI, batch, tests).
 */
import { checkVolume } from './checks';
import { Assignment, seedConflicts, type Seed } from './scoring/assign';
import { detectLesions, type LesionSet } from './scoring/detect';
import { scoreResult } from './scoring/score';
import { resolveSettings } from './settings';
import type { ClinicalInputs, CtVolume, ScoringResult, ScoringSettings } from './types';

export * from './types';
export * from './settings';
export * from './risk';
export * from './checks';
export * from './scoring/detect';
export * from './scoring/assign';
export * from './scoring/score';

/** The volume cannot be scored; `problems` are the one-line reasons (also joined in `message`). */
export class InputError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join(' '));
    this.name = 'InputError';
    this.problems = problems;
  }
}

export interface ScoreVolumeOptions {
  settings?: Partial<ScoringSettings>;
  seeds?: Seed[];
  clinical?: ClinicalInputs | null;
  model?: { name: string; version: string } | null;
  /** Score even when checkVolume reports errors (their messages become warnings). */
  ignoreErrors?: boolean;
  /** Detection progress, every 16 slices and at the end. */
  onProgress?: (slicesDone: number, slices: number) => void;
}

/**
 * Checks, detects, applies seeds and scores a CT volume. Throws InputError when checkVolume
 * finds errors (unless ignoreErrors); the check warnings are carried into result.warnings.
 * `inputWarnings` are those warnings alone (checks and seeds), to pass to scoreResult when
 * rescoring after an edit: scoreResult adds the warnings it derives itself (missing mass
 * factor, provisional result) afresh each time.
 */
export function scoreVolume(
  volume: CtVolume,
  opts: ScoreVolumeOptions = {},
): { result: ScoringResult; lesionSet: LesionSet; assignment: Assignment; inputWarnings: string[] } {
  const checks = checkVolume(volume);
  if (checks.errors.length > 0 && !opts.ignoreErrors) throw new InputError(checks.errors);
  const settings = resolveSettings(opts.settings ?? {}, volume.facts);
  const lesionSet = detectLesions(volume, settings, { onProgress: opts.onProgress });
  // Guideline text never stands over input that failed a check: implausible pixel values, or
  // any error the caller scored anyway.
  const inputProblems = [...new Set([...checks.implausible, ...checks.errors])];
  if (inputProblems.length > 0) lesionSet.inputProblems = inputProblems;
  const assignment = new Assignment(lesionSet);
  const warnings = [...checks.errors, ...checks.warnings];
  if (opts.seeds && opts.seeds.length > 0) {
    const conflicts = seedConflicts(opts.seeds, lesionSet.geometry);
    for (const [a, b] of conflicts) {
      const s = opts.seeds[a];
      warnings.push(
        `Seeds ${a + 1} (${s.artery}) and ${b + 1} (${opts.seeds[b].artery}) are at the same point (${s.pointMm.map((x) => x.toFixed(1)).join(', ')} mm) but name different arteries; neither was applied, so the lesion there stays unassigned. Keep the seed of the right artery.`,
      );
    }
    const conflicting = new Set(conflicts.flat());
    const hits = assignment.applySeeds(opts.seeds);
    hits.forEach((hit, n) => {
      if (hit === null && !conflicting.has(n)) {
        const s = opts.seeds![n];
        warnings.push(
          `Seed ${n + 1} (${s.artery} at ${s.pointMm.map((x) => x.toFixed(1)).join(', ')} mm) is not on or within 2 mm of any calcified lesion; it was ignored.`,
        );
      }
    });
  }
  const result = scoreResult(lesionSet, assignment, { clinical: opts.clinical, warnings, model: opts.model ?? null });
  return { result, lesionSet, assignment, inputWarnings: warnings };
}
