/**
 * Shared by the training-set builder, the trainer's evaluation and the held-out test: which
 * phantom scans belong to which family, and each slice component's truth class from the
 * phantom's per-voxel class map. The same core code (detection, anatomy, features) runs here
 * as in the viewer and the CLI.
 */
import { generatePhantom, PHANTOM_CLASSES } from '../../core/phantom/index';
import { randomScanOptions } from '../../core/phantom/variation';
import type { PhantomOptions } from '../../core/phantom/types';
import type { LesionSet } from '../../core/scoring/detect';
import { FINE_CLASSES } from '../../core/labelling/model';

/** Training scans: seeds from 1; left-dominant hearts are held out as a whole family (redrawn right-dominant). */
export function trainingScan(seed: number): PhantomOptions {
  const o = randomScanOptions(seed, { training: true });
  return o.heart?.dominance === 'left' ? randomScanOptions(seed, { dominance: 'right', training: true }) : o;
}

/** Held-out scans: a distinct seed range, natural dominance mix (so left-dominant hearts the model never saw). */
export const HELD_OUT_FIRST_SEED = 900001;
export function heldOutScan(n: number): PhantomOptions {
  return randomScanOptions(HELD_OUT_FIRST_SEED + n);
}
/** The held-out left-dominant family. */
export const LEFT_FAMILY_FIRST_SEED = 950001;
export function leftDominantScan(n: number): PhantomOptions {
  return randomScanOptions(LEFT_FAMILY_FIRST_SEED + n, { dominance: 'left' });
}

/** The fine class index (FINE_CLASSES) of each slice component: its voxels' majority truth class; none = noise. */
export function componentTruth(set: LesionSet, classes: Uint8Array): Uint8Array {
  const out = new Uint8Array(set.components.length);
  const map = PHANTOM_CLASSES.map((c) => (FINE_CLASSES as readonly string[]).indexOf(c === 'none' ? 'noise' : c));
  const votes = new Int32Array(PHANTOM_CLASSES.length);
  set.componentVoxels.forEach((voxels, n) => {
    votes.fill(0);
    for (let m = 0; m < voxels.length; m++) votes[classes[voxels[m]]]++;
    let best = 0;
    for (let c = 1; c < votes.length; c++) if (votes[c] > 0 && (best === 0 || votes[c] > votes[best])) best = c;
    out[n] = map[best];
  });
  return out;
}

export function generate(opts: PhantomOptions) {
  const { volume, truth, classes } = generatePhantom({ ...opts, classMap: true });
  return { volume, truth, classes: classes! };
}
