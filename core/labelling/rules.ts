/**
 * The rule labeller: whole 3D lesions labelled by anatomy, without training. It replaced the
 * phantom-trained model as the default because it measured better on real reader-labelled
 * scans (models/README.md, `npm run eval:real`); the model path (./model.ts) stays available.
 *
 * For every 3D lesion (./lesion-geometry.ts measures it once), in this order:
 *  1. exclusion by anatomy, each with the reason the reader sees as the non-coronary subclass:
 *     outside the body or in lung; the bony cage (within CAGE_MM of the hull of ribs, costal
 *     cartilage, sternum and spine: costal-cartilage islands are outside the bone mask but on
 *     that hull); dense metal; above the root (the arch, great vessels, hila above the heart);
 *     the aortic wall and valve (a lesion that never leaves the aortic wall or lumen, from the
 *     annulus to the descending aorta, or lies inside the root at the valve level); far outside
 *     the heart contour; the posterior mediastinum behind the left atrium and the hila; the
 *     mitral annulus (posterior-left of the root, at the atrioventricular junction); behind
 *     the heart below the crux (liver, stomach); specks on one slice that the image noise could
 *     make (peak within two blood-pool noise SDs of the threshold) away from the grooves where
 *     coronary calcium starts or inside the heart wall (noise; in the epicardial fat of a
 *     groove they stay, flagged), and anywhere one to three pixels below 200 HU;
 *  2. the artery, by the heart's grooves in the frame of lesion-geometry.ts: a lesion that
 *     starts at the root's wall on the left is the left main (split only where it visibly
 *     crosses the bifurcation, running on into both LAD and LCX), on the right the RCA; the rest by
 *     the azimuth about the long axis: LAD in the anterior interventricular groove, LCX in the
 *     left atrioventricular groove (the left side at the root's depth is the proximal LAD),
 *     RCA in the right atrioventricular groove and at the crux (the posterior descending
 *     artery, right dominance being the common case).
 * A lesion near a boundary of these rules (a sector edge, the left main zone, the mitral zone,
 * a speck, the heart contour's edge) is flagged "check first". When the anatomy was not found
 * nothing is labelled: every candidate stays for the reader, and the run says why.
 *
 * Pure: no DOM, no I/O; the same in the viewer's worker, the CLI and the tests.
 */
import { findAnatomy, gridToPatient, LABEL_LUNG, LABEL_OUTSIDE, ZONE_SUBCLASS, type Anatomy } from '../anatomy/index';
import type { Assignment } from '../scoring/assign';
import type { LesionSet } from '../scoring/detect';
import type { CtVolume, LesionLabel } from '../types';
import { azimuthDeg, bloodNoiseSd, heartAxes, lesionGeometries, measureContext, pointGeometry, type HeartAxes, type LesionGeometry } from './lesion-geometry';
import { labelledRun, unlabelledRun, type ComponentProposal, type LabelRun } from './model';

export const RULES_LABELLER = Object.freeze({ name: 'cac-rules', version: '2.0.0' });

/** The automatic labellers a deployment chooses between: these rules (default) or the shipped ONNX model (./model.ts). */
export type LabellerKind = 'rules' | 'model';

/** The rules' distances (mm) and angles (deg). Anatomy sources in models/README.md. */
export const RULES = Object.freeze({
  /** Not coronary within this depth inside the bony cage's outer hull (ribs ~10 mm, sternum 10-15 mm thick, plus ~8 mm; issue 13). */
  cageMm: 12,
  /** Where no cage surrounds the heart on a slice: not coronary this close to a rib or the sternum. */
  nearBoneMm: 8,
  /** A lesion whose centroid lies this far above the root, and whose lowest end lies CAGE above it, is not coronary (ostia sit ~14-17 mm above the annulus [TOPS08], the root is at the sinus level). */
  aboveRootMm: 15,
  aboveRootProximalMm: 10,
  /** A lesion that never leaves the aortic wall: its farthest point at most this far outside the tracked lumen. */
  aortaWallMm: 5,
  /** Far outside the heart contour: hilar nodes, pericardium, chest wall. Between checkHeartMm and this: check first. */
  outsideHeartMm: 12,
  checkHeartMm: 7,
  /** Posterior mediastinum: this far behind the root centre and not far below it (left atrium, carina, oesophagus). */
  posteriorMm: 38,
  posteriorBelowMm: 30,
  /** The hila, relative to the root centre (x to the patient's left, y to the back, z up): right of / left of, behind, not below. */
  rightHilum: { rightOfMm: -35, behindMm: 15 },
  leftHilum: { leftOfMm: 45, behindMm: 30, belowMm: -20 },
  /** The mitral annulus zone relative to the root centre (mm, open ranges): posterior-left and below, inside the AV junction. */
  mitral: { x: [0, 42], y: [15, 50], z: [-50, 5] },
  /** One to three pixels on one slice below this HU are noise anywhere. */
  pixelSpeckMm2: 2.5,
  pixelSpeckHu: 200,
  /** Behind the root by more than this and lower than belowCruxMm: below the crux, behind the heart (liver, stomach, oesophagus). */
  belowCruxBehindMm: 30,
  belowCruxMm: 60,
  /** The atrioventricular ring at the base: within this distance down the long axis from the root. */
  baseRingMm: 35,
  /** The proximal anterior interventricular groove (proximal segments calcify first [MESA-new]): down to this distance along the axis. */
  proximalGrooveMm: 60,
  /** A lesion whose nearest point lies within root radius + this of the root centre starts at the root (an ostium). */
  ostialMm: 8,
  /** Left main length, ostium to bifurcation, at most: 10.5 + 2 x 5.3 mm [MG16]; parts farther along are LAD or LCX. */
  lmLengthMm: 21,
  /** Azimuth sectors about the long axis (0 anterior, +90 right, -90 left). */
  ladFromDeg: -75,
  rcaFromDeg: 25,
  cruxDeg: 160,
  /** Sector edges closer than this are flagged. */
  edgeDeg: 12,
  /** Left lesions within this distance along the axis (at the root's depth) and this close to the root are proximal LAD, not LCX. */
  proximalLadAlongMm: 20,
  proximalLadRootMm: 38,
});

/** What the rules need beyond the lesion's own measures. */
export interface RuleContext {
  aortaRadiusMm: number;
  /** A single-slice speck whose peak is below this (HU) is what the image noise alone makes: the threshold + 2 x the blood pool's noise SD. */
  noiseSpeckHu: number;
}

/** A speck noise could make: one slice, and a peak within reach of the noise. */
function isSpeck(x: LesionGeometry, ctx: RuleContext): boolean {
  return x.slices === 1 && x.peakHu < ctx.noiseSpeckHu;
}

export interface RuleDecision {
  label: LesionLabel;
  fineClass: string;
  reason: string;
  needsReview: boolean;
}

const other = (fineClass: string, reason: string, needsReview = false): RuleDecision => ({ label: 'OTHER', fineClass, reason, needsReview });
const artery = (label: LesionLabel, reason: string, needsReview = false): RuleDecision => ({ label, fineClass: label, reason, needsReview });

/** Exclusion by anatomy: the reason a lesion is not coronary, or null. */
export function excludeByAnatomy(x: LesionGeometry, ctx: RuleContext): RuleDecision | null {
  const [rx, ry, rz] = x.rel;
  const aortaRadiusMm = ctx.aortaRadiusMm;
  if (x.outsideFrac > 0.5) return other('outside', 'outside the body (table, clothing)');
  if (x.lungFrac > 0.5) return other('other', 'in the lung');
  if (x.cageInsideMm < RULES.cageMm) return other('bone', `on the bony cage (${Math.max(0, Math.round(x.cageInsideMm))} mm inside ribs, costal cartilage, sternum)`);
  // Where the field of view cuts the cage (gated scans), what lies on a rib or the sternum.
  if (Number.isNaN(x.cageInsideMm) && x.ribsMm < RULES.nearBoneMm) return other('bone', `${Math.round(x.ribsMm)} mm from a rib or the sternum`);
  if (x.boneFrac >= 0.5 && !(x.cageInsideMm > 30)) return other('bone', 'in bone');
  if (x.peakHu >= 3000) return other('metal', 'metal (peak above 3000 HU)');
  const proximalAbove = x.proximal[2] - (x.centroid[2] - rz);
  if (rz > RULES.aboveRootMm && proximalAbove > RULES.aboveRootProximalMm) {
    return x.aortaWallMinMm < 6 ? other('aortic-wall', 'on the ascending aorta or arch, above the root') : other('hilum', 'above the aortic root (hilum, great vessels)');
  }
  if (x.aortaWallMaxMm <= RULES.aortaWallMm) {
    const inside = x.aortaWallMinMm < -3 && Math.abs(rz) < 25;
    return inside ? other('aortic-valve', 'inside the aortic root at the valve') : other('aortic-wall', 'on the aortic wall');
  }
  // Inside the root below the tracked aorta (the valve sits at or just below the root centre).
  if (x.rootAxialMaxMm < aortaRadiusMm + 3 && rz > -20 && rz < 12) return other('aortic-valve', 'inside the aortic root at the valve level');
  if (x.heartMm > RULES.outsideHeartMm) return other('extracardiac', `${Math.round(x.heartMm)} mm outside the heart (mediastinum, hila, chest wall)`);
  if (ry > RULES.posteriorMm && rz > -RULES.posteriorBelowMm) return other('hilum', 'behind the left atrium (posterior mediastinum: nodes, bronchi, oesophagus)');
  const { rightHilum: rh, leftHilum: lh, mitral: mz } = RULES;
  if (rx < rh.rightOfMm && ry > rh.behindMm) return other('hilum', 'right hilum');
  if (rx > lh.leftOfMm && ry > lh.behindMm && rz > lh.belowMm) return other('hilum', 'left hilum');
  if (rx > mz.x[0] && rx < mz.x[1] && ry > mz.y[0] && ry < mz.y[1] && rz > mz.z[0] && rz < mz.z[1]) {
    return other('mitral-annulus', 'at the mitral annulus (posterior left atrioventricular junction)', true);
  }
  if (ry > RULES.belowCruxBehindMm && rz < -RULES.belowCruxMm) return other('other', 'behind the heart below the crux (liver, stomach, oesophagus)');
  // Specks noise could make: kept (for review) only in a groove where coronary calcium starts,
  // the atrioventricular ring at the base or the proximal anterior interventricular groove;
  // elsewhere, or inside the heart wall, noise.
  const inGroove = x.along <= RULES.baseRingMm || (x.azimuth > RULES.ladFromDeg && x.azimuth < 0 && x.along <= RULES.proximalGrooveMm);
  if (isSpeck(x, ctx) && (!inGroove || x.heartMm < -1)) return other('noise', 'a speck on one slice that image noise could make, in the heart wall or away from the coronary grooves');
  // One to three pixels on one slice below 200 HU, in a groove or not: what the image resolves
  // no better than noise.
  if (x.slices === 1 && x.areaMm2 < RULES.pixelSpeckMm2 && x.peakHu < RULES.pixelSpeckHu) return other('noise', 'one to three pixels on one slice below 200 HU');
  return null;
}

/** The artery of a lesion that passed the exclusions, by the grooves. */
export function arteryByGrooves(x: LesionGeometry, ctx: RuleContext): RuleDecision {
  const aortaRadiusMm = ctx.aortaRadiusMm;
  const az = x.azimuth;
  const nearEdge = (edge: number) => Math.abs(az - edge) < RULES.edgeDeg;
  const speck = isSpeck(x, ctx);
  const heartEdge = x.heartMm > RULES.checkHeartMm;
  const flag = speck || heartEdge;
  if (x.proximalRootMm < aortaRadiusMm + RULES.ostialMm) {
    const proxRight = x.proximal[0] - (x.centroid[0] - x.rel[0]) < 0;
    return proxRight ? artery('RCA', 'starts at the right side of the aortic root (right ostium)', true) : artery('LM', 'starts at the left side of the aortic root (left ostium)', true);
  }
  if (az > RULES.rcaFromDeg || az < -RULES.cruxDeg) {
    const check = flag || nearEdge(RULES.rcaFromDeg) || nearEdge(-RULES.cruxDeg) || Math.abs(az) > 180 - RULES.edgeDeg;
    return artery('RCA', az > RULES.rcaFromDeg ? 'right atrioventricular groove' : 'crux (posterior descending artery, right dominance)', check);
  }
  if (az > RULES.ladFromDeg) return artery('LAD', 'anterior interventricular groove', flag || nearEdge(RULES.ladFromDeg) || nearEdge(RULES.rcaFromDeg));
  if (x.along < RULES.proximalLadAlongMm && x.proximalRootMm < RULES.proximalLadRootMm) {
    return artery('LAD', 'left of the root at its depth (proximal LAD, behind the pulmonary trunk)', true);
  }
  return artery('LCX', 'left atrioventricular groove', flag || nearEdge(RULES.ladFromDeg) || nearEdge(-RULES.cruxDeg));
}

/** One decision per lesion (the anatomy must have been found). */
export function decideLesion(x: LesionGeometry, ctx: RuleContext): RuleDecision {
  return excludeByAnatomy(x, ctx) ?? arteryByGrooves(x, ctx);
}

/**
 * The components' labels for one lesion's decision: the same label for the whole lesion, except
 * a left-main lesion that visibly crosses the bifurcation: past the left main's length from its
 * proximal end it runs on both forward (LAD) and back (LCX), each branch with at least a sixth
 * of the lesion's score; then each part takes its own artery. A left-main lesion that runs on
 * into one branch only gives no sign of where the bifurcation lies: it keeps the label of its
 * origin, flagged for the reader.
 */
function componentLabels(set: LesionSet, x: LesionGeometry, d: RuleDecision, axes: HeartAxes): Map<number, RuleDecision> {
  const out = new Map<number, RuleDecision>();
  for (const id of x.componentIds) out.set(id, d);
  if (d.label !== 'LM') return out;
  const branch = new Map<number, 'LAD' | 'LCX'>();
  let lad = 0;
  let lcx = 0;
  for (const id of x.componentIds) {
    const comp = set.components[id - 1];
    const c = comp.centroidMm;
    if (Math.hypot(c[0] - x.proximal[0], c[1] - x.proximal[1], c[2] - x.proximal[2]) <= RULES.lmLengthMm) continue;
    const b = azimuthDeg(axes, c) > -110 ? 'LAD' : 'LCX';
    branch.set(id, b);
    if (b === 'LAD') lad += comp.agatston;
    else lcx += comp.agatston;
  }
  if (lad < x.agatston / 6 || lcx < x.agatston / 6) return out;
  for (const [id, b] of branch) out.set(id, artery(b, `past the left main bifurcation, running ${b === 'LAD' ? 'forward' : 'back'}`, true));
  return out;
}

/** Subclass -> zone bit: ZONE_SUBCLASS of core/anatomy read backwards. */
const ZONE_OF_CLASS: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(Object.entries(ZONE_SUBCLASS).map(([bit, cls]) => [cls, Number(bit)])));

/**
 * The exclusion zones as the rules see them, for the check images: grid voxels inside the body
 * (not lung) within 110 mm of the heart centre, every second one in each direction, are judged
 * as a point-sized lesion there would be
 * (excludeByAnatomy), and its zone bit (ZONE_* of core/anatomy) set from the reason. Fills and
 * returns anatomy.zones; all zero when the anatomy was not found.
 */
export function exclusionZones(anatomy: Anatomy): Uint8Array {
  const zones = anatomy.zones;
  zones.fill(0);
  const axes = anatomy.found ? heartAxes(anatomy) : null;
  const centre = anatomy.heartCentreMm;
  if (!axes || !centre || anatomy.aortaRadiusMm === null) return zones;
  const ctx = measureContext(anatomy, axes);
  const rule: RuleContext = { aortaRadiusMm: anatomy.aortaRadiusMm, noiseSpeckHu: Infinity };
  const g = anatomy.grid;
  // Judged on every second grid voxel in each direction (about 5 mm), the result filling its 2 x 2 x 2 block.
  for (let c = 0; c < g.nz; c += 2)
    for (let b = 0; b < g.ny; b += 2)
      for (let a = 0; a < g.nx; a += 2) {
        const p = gridToPatient(g, a, b, c);
        if (Math.abs(p[0] - centre[0]) > 110 || Math.abs(p[1] - centre[1]) > 110 || Math.abs(p[2] - centre[2]) > 110) continue;
        const q0 = (c * g.ny + b) * g.nx + a;
        if (anatomy.labels[q0] === LABEL_OUTSIDE || anatomy.labels[q0] === LABEL_LUNG) continue;
        const d = excludeByAnatomy(pointGeometry(ctx, p), rule);
        const bit = d ? (ZONE_OF_CLASS[d.fineClass] ?? 0) : 0;
        if (!bit) continue;
        for (let dc = 0; dc < 2 && c + dc < g.nz; dc++)
          for (let db = 0; db < 2 && b + db < g.ny; db++)
            for (let da = 0; da < 2 && a + da < g.nx; da++) {
              const q = ((c + dc) * g.ny + b + db) * g.nx + a + da;
              if (anatomy.labels[q] !== LABEL_OUTSIDE && anatomy.labels[q] !== LABEL_LUNG) zones[q] = bit;
            }
      }
  return zones;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The rule labeller's proposals (no assignment change). */
export function proposeByRules(volume: CtVolume, set: LesionSet, opts: { anatomy?: Anatomy } = {}): LabelRun & { decisions: Map<number, RuleDecision> } {
  const t0 = now();
  const anatomy = opts.anatomy ?? findAnatomy(volume);
  const t1 = now();
  const base = { model: { ...RULES_LABELLER }, backend: 'rules', anatomy };
  const axes = anatomy.found ? heartAxes(anatomy) : null;
  const radius = anatomy.aortaRadiusMm;
  if (!anatomy.found || !axes || radius === null) return { ...unlabelledRun(base, t1 - t0, now() - t0), decisions: new Map() };
  const geometry = lesionGeometries(set, anatomy, axes);
  const sd = bloodNoiseSd(volume, anatomy);
  const ctx: RuleContext = { aortaRadiusMm: radius, noiseSpeckHu: set.settings.thresholdHu + 2 * (Number.isFinite(sd) ? sd : 20) };
  const t2 = now();
  const proposals: ComponentProposal[] = [];
  const decisions = new Map<number, RuleDecision>();
  for (const x of geometry) {
    const d = decideLesion(x, ctx);
    decisions.set(x.lesionId, d);
    for (const [componentId, c] of componentLabels(set, x, d, axes)) {
      proposals.push({ componentId, label: c.label, fineClass: c.fineClass, confidence: c.needsReview ? 0.6 : 0.9, needsReview: c.needsReview });
    }
  }
  return { ...labelledRun(base, proposals, [t0, t1, t2, now()], now()), decisions };
}

/** Runs the rule labeller and applies its proposals (source 'auto'; what a person or a seed set stays). */
export function labelByRules(volume: CtVolume, set: LesionSet, assignment: Assignment, opts: { anatomy?: Anatomy } = {}): LabelRun {
  const run = proposeByRules(volume, set, opts);
  if (run.labelled) assignment.applyProposals(run.proposals, run.model);
  return run;
}
