/**
 * Aorta of the anatomy finder (step 4 of the recipe in core/anatomy/index.ts), on the coarse
 * grid: round soft-tissue discs per slice (maxima of the 2D distance transform of dense tissue,
 * scored by a fat or lung rim); the descending aorta as the track of discs beside the spine;
 * the ascending aorta by continuity with the arch, followed down (bridging slices where it
 * touches a neighbour) until it merges into the heart, where its last section is the aortic
 * root; and the tracked sections painted into a mask. Pure.
 */
import type { Vec3 } from '../types';
import { median } from '../math';
import { gridIndex, type AnatomyGrid, type Edt2d } from './grid';
import { LABEL_BODY, LABEL_LUNG } from './common';

/** One tracked aorta cross-section. */
export interface AortaSection {
  centreMm: Vec3;
  radiusMm: number;
}

/** A round soft-tissue disc on one grid slice: centre (patient mm), radius, and the share of its rim that is fat or lung. */
interface Disc {
  c: number;
  x: number;
  y: number;
  r: number;
  rim: number;
}

/** Squared in-plane distance (mm^2) to the nearest voxel that is not dense tissue (-40..300 HU inside the body, not bone), for slice c. */
function denseDistance(g: AnatomyGrid, labels: Uint8Array, edt: Edt2d, c: number, scratch: Uint8Array): Float32Array {
  const n2 = g.nx * g.ny;
  const off = c * n2;
  const mean = g.mean;
  for (let p = 0; p < n2; p++) {
    const h = mean[off + p];
    scratch[p] = labels[off + p] === LABEL_BODY && h >= -40 && h < 300 ? 0 : 1;
  }
  return edt.run(scratch);
}

const RING_N = 24;
const RING_COS = Float64Array.from({ length: RING_N }, (_, t) => Math.cos((2 * Math.PI * t) / RING_N));
const RING_SIN = Float64Array.from({ length: RING_N }, (_, t) => Math.sin((2 * Math.PI * t) / RING_N));

/** Share of a ring 1.5 grid steps outside a disc (grid centre a, b; radius r mm) on slice c that is fat or lung (< -40 HU); -1 when half the ring is outside the image. */
function rimFraction(g: AnatomyGrid, c: number, a: number, b: number, r: number): number {
  const step = Math.abs(g.dx);
  const rr = r + 1.5 * step;
  const off = c * g.nx * g.ny;
  let fat = 0;
  let total = 0;
  for (let t = 0; t < RING_N; t++) {
    const aa = Math.round(a + (rr * RING_COS[t]) / step);
    const bb = Math.round(b + (rr * RING_SIN[t]) / Math.abs(g.dy));
    if (aa < 0 || bb < 0 || aa >= g.nx || bb >= g.ny) continue;
    total++;
    if (g.mean[off + bb * g.nx + aa] < -40) fat++;
  }
  return total < RING_N / 2 ? -1 : fat / total;
}

/**
 * Candidate vessel cross-sections per slice: local maxima of the in-plane distance transform of
 * dense tissue with radius 8.5-24 mm, scored by the share of a ring just outside the disc that
 * is fat or lung.
 */
export function findDiscs(g: AnatomyGrid, labels: Uint8Array, edt: Edt2d): Disc[][] {
  const { nx, ny, nz } = g;
  const n2 = nx * ny;
  const scratch = new Uint8Array(n2);
  const out: Disc[][] = [];
  // Only slices through the chest (some lung): the aorta below the diaphragm is not needed.
  const lungCount = new Int32Array(nz);
  for (let c = 0; c < nz; c++) for (let p = c * n2; p < (c + 1) * n2; p++) if (labels[p] === LABEL_LUNG) lungCount[c]++;
  let maxLung = 0;
  for (let c = 0; c < nz; c++) if (lungCount[c] > maxLung) maxLung = lungCount[c];
  for (let c = 0; c < nz; c++) {
    if (lungCount[c] < 0.05 * maxLung) {
      out.push([]);
      continue;
    }
    const d2 = denseDistance(g, labels, edt, c, scratch);
    const discs: Disc[] = [];
    for (let b = 1; b < ny - 1; b++)
      for (let a = 1; a < nx - 1; a++) {
        const p = b * nx + a;
        const v = d2[p];
        if (v < 8.5 * 8.5 || v > 24 * 24) continue;
        // Local maximum over the 8 neighbours (ties broken towards lower index).
        let isMax = true;
        for (let db = -1; db <= 1 && isMax; db++)
          for (let da = -1; da <= 1; da++) {
            if (!da && !db) continue;
            const q = p + db * nx + da;
            if (d2[q] > v || (d2[q] === v && q < p)) {
              isMax = false;
              break;
            }
          }
        if (!isMax) continue;
        const r = Math.sqrt(v);
        const rim = rimFraction(g, c, a, b, r);
        if (rim < 0) continue;
        discs.push({ c, x: g.x0 + a * g.dx, y: g.y0 + b * g.dy, r, rim });
      }
    out.push(discs);
  }
  return out;
}

/** The descending aorta: per slice, the best disc 10-70 mm left-front of the spine centre; outliers from the median dropped. */
export function trackDescending(g: AnatomyGrid, discs: Disc[][], spineXY: Float32Array): AortaSection[] {
  const picks: (Disc | null)[] = [];
  let lastSpine: [number, number] | null = null;
  for (let c = 0; c < g.nz; c++) {
    if (Number.isFinite(spineXY[2 * c])) lastSpine = [spineXY[2 * c], spineXY[2 * c + 1]];
  }
  const spineAt = (c: number): [number, number] | null => {
    if (Number.isFinite(spineXY[2 * c])) return [spineXY[2 * c], spineXY[2 * c + 1]];
    // Nearest slice with a spine position.
    for (let d = 1; d < g.nz; d++) {
      for (const cc of [c - d, c + d])
        if (cc >= 0 && cc < g.nz && Number.isFinite(spineXY[2 * cc])) return [spineXY[2 * cc], spineXY[2 * cc + 1]];
    }
    return lastSpine;
  };
  for (let c = 0; c < g.nz; c++) {
    const s = spineAt(c);
    let best: Disc | null = null;
    let bestScore = 0;
    if (s)
      for (const d of discs[c]) {
        const dx = d.x - s[0];
        const dy = d.y - s[1];
        // Left of or at the spine's middle, in front of its centre, not far.
        if (dx < -15 || dx > 60 || dy > 5 || dy < -70) continue;
        if (d.r < 8.5 || d.r > 20 || d.rim < 0.3) continue;
        const score = d.r * d.rim;
        if (score > bestScore) {
          bestScore = score;
          best = d;
        }
      }
    picks.push(best);
  }
  const xs = picks.filter((d): d is Disc => d !== null);
  if (xs.length < 3) return [];
  const mx = median(xs.map((d) => d.x));
  const my = median(xs.map((d) => d.y));
  const kept: Disc[] = [];
  for (const d of picks) if (d && Math.hypot(d.x - mx, d.y - my) <= 20) kept.push(d);
  if (kept.length < 3) return [];
  // Fill gaps of up to 60 mm by linear interpolation, and continue 60 mm below the lowest
  // section (through the diaphragm), so the aorta never leaks into the heart mask.
  const rMed = median(kept.map((d) => d.r));
  const out: AortaSection[] = [];
  const at = (c: number): AortaSection | null => {
    let lo: Disc | null = null;
    let hi: Disc | null = null;
    for (const d of kept) {
      if (d.c <= c && (!lo || d.c > lo.c)) lo = d;
      if (d.c >= c && (!hi || d.c < hi.c)) hi = d;
    }
    if (lo && lo.c === c) return { centreMm: [lo.x, lo.y, g.z[c]], radiusMm: lo.r };
    if (lo && hi) {
      if (Math.abs(g.z[hi.c] - g.z[lo.c]) > 60) return null;
      const t = (c - lo.c) / (hi.c - lo.c);
      return { centreMm: [lo.x + t * (hi.x - lo.x), lo.y + t * (hi.y - lo.y), g.z[c]], radiusMm: rMed };
    }
    const end = lo ?? hi!;
    const below = g.z[c] < g.z[end.c];
    if (below && Math.abs(g.z[c] - g.z[end.c]) <= 60) return { centreMm: [end.x, end.y, g.z[c]], radiusMm: rMed };
    return null;
  };
  for (let c = 0; c < g.nz; c++) {
    const s = at(c);
    if (s) out.push(s);
  }
  return out;
}

/** Share of fat or lung the ascending aorta's rim keeps while tracked; below it the aorta has merged into the heart. */
const TRACK_RIM = 0.35;

/**
 * The ascending aorta, tracked from its start slice down to where it merges into the heart.
 * Start: 10 mm above the top of the descending track (where the arch joins it, when the track
 * ends below the top of the scan) or the topmost slice. Candidates: radius 11-24 mm, at least
 * 25 mm in front of the descending aorta (or the spine), within 60 mm right / 20 mm left of the
 * midline (the pulmonary trunk lies further left), fat or lung on at least 40% of the rim.
 */
export function trackAscending(
  g: AnatomyGrid,
  discs: Disc[][],
  descending: AortaSection[],
  midlineX: number,
  lungCentreY: number,
): AortaSection[] {
  const up = g.nz > 1 && g.z[g.nz - 1] > g.z[0];
  // Slices from the top (superior) down.
  const order: number[] = [];
  for (let q = 0; q < g.nz; q++) order.push(up ? g.nz - 1 - q : q);
  let startZ = g.z[order[0]];
  let descY = NaN;
  if (descending.length > 0) {
    let topZ = -Infinity;
    for (const s of descending) if (s.centreMm[2] > topZ) topZ = s.centreMm[2];
    const scanTop = Math.max(g.z[0], g.z[g.nz - 1]);
    // Just above the top of the descending track (the arch joins there): the ascending aorta runs through that level.
    if (topZ < scanTop - 10) startZ = Math.min(scanTop, topZ + 10);
    descY = median(descending.map((s) => s.centreMm[1]));
  }
  const limitY = Number.isFinite(descY) ? descY - 25 : Number.isFinite(lungCentreY) ? lungCentreY + 10 : Infinity;
  const ok = (d: Disc) =>
    d.r >= 11 &&
    d.r <= 24 &&
    d.rim >= 0.4 &&
    d.y < limitY &&
    (!Number.isFinite(midlineX) || (d.x - midlineX > -60 && d.x - midlineX < 20));
  // Start candidates: the discs on the slices within 50 mm below startZ, scored larger, rounder
  // and more rightward (the pulmonary trunk lies to the left).
  const score = (d: Disc) => d.r * d.rim * (1 + Math.max(-0.5, Math.min(0.5, (midlineX - d.x) / 100)));
  const starts: Disc[] = [];
  for (const c of order) {
    const z = g.z[c];
    if (z > startZ + 1e-6) continue;
    if (startZ - z > 50) break;
    for (const d of discs[c]) if (ok(d)) starts.push(d);
  }
  starts.sort((x, y) => score(y) - score(x));
  // The best starts (distinct places) are tracked down in order of their score; the first valid
  // track wins. A track that runs to the bottom of the scan (a muscle pocket) or longer than
  // 200 mm is rejected, and so is a short one below an arch (the superior vena cava, a hilar
  // vessel or a merged blob give short round tracks): at least 35 mm. A gated field of view
  // starts a little above the root, so there the aorta may be seen over only a few slices,
  // but never over more than 100 mm (a long tube there is a chamber or the chest wall).
  const bottomZ = Math.min(g.z[0], g.z[g.nz - 1]);
  const scanTop = Math.max(g.z[0], g.z[g.nz - 1]);
  const gatedView = startZ >= scanTop - 1e-6;
  const minLength = gatedView ? 5 : 35;
  const maxLength = gatedView ? 100 : 200;
  const tried: Disc[] = [];
  let best: AortaSection[] = [];
  for (const start of starts) {
    if (tried.length >= 8) break;
    if (tried.some((t) => Math.hypot(t.x - start.x, t.y - start.y) < 8)) continue;
    tried.push(start);
    const track = followAorta(g, discs, order, start);
    if (track.length < 2) continue;
    const endZ = track[track.length - 1].centreMm[2];
    const length = track[0].centreMm[2] - endZ;
    if (endZ - bottomZ < 30 || length > maxLength || length < minLength) continue;
    best = track;
    break;
  }
  return best;
}

/**
 * Follows the ascending aorta down from a start disc until it merges into the heart. A slice
 * where the aorta touches a neighbour (the pulmonary trunk, the right atrial appendage) and
 * gives no separate disc is bridged when the aorta reappears within 16 mm below.
 */
function followAorta(g: AnatomyGrid, discs: Disc[][], order: number[], start: Disc): AortaSection[] {
  const track: AortaSection[] = [{ centreMm: [start.x, start.y, g.z[start.c]], radiusMm: start.r }];
  let prev: Disc = start;
  const from = order.indexOf(start.c);
  const match = (c: number, maxMove: number): Disc | null => {
    // The radius of the track's first 25 mm: below the root a smaller round chamber or the
    // right ventricular outflow can pass for the aorta, so the radius may not drift down.
    const rRef = median(track.filter((q) => track[0].centreMm[2] - q.centreMm[2] <= 25).map((q) => q.radiusMm));
    let next: Disc | null = null;
    let nextD = Infinity;
    for (const d of discs[c]) {
      // About the radius tracked so far (the sinus bulges a little; the heart's top does not stay round).
      if (d.r < 0.78 * rRef || d.r > 1.3 * rRef || d.rim < TRACK_RIM) continue;
      // Below the arch's curve (30 mm), the ascending aorta runs down towards the left
      // ventricle: a step to the patient's right (-x) of more than 3 mm plus 0.3 mm per mm of
      // descent is the right atrial appendage or the superior vena cava taking over.
      const descent = Math.abs(g.z[c] - g.z[prev.c]);
      if (track[0].centreMm[2] - g.z[c] > 30 && d.x - prev.x < -(3 + 0.3 * descent)) continue;
      const dd = Math.hypot(d.x - prev.x, d.y - prev.y);
      if (dd < maxMove && dd < nextD) {
        nextD = dd;
        next = d;
      }
    }
    return next;
  };
  for (let q = from + 1; q < order.length; q++) {
    const c = order[q];
    let next = match(c, 10);
    if (!next) {
      // Bridge: the first slice within 16 mm below where the aorta is a separate disc again.
      let bridged = -1;
      for (let q2 = q + 1; q2 < order.length && Math.abs(g.z[order[q2]] - g.z[c]) <= 16; q2++) {
        const d = match(order[q2], 12);
        if (d) {
          next = d;
          bridged = q2;
          break;
        }
      }
      if (next && bridged > 0) {
        const z0 = track[track.length - 1].centreMm[2];
        const z1 = g.z[next.c];
        for (let q3 = q; q3 < bridged; q3++) {
          const t = (g.z[order[q3]] - z0) / (z1 - z0);
          track.push({ centreMm: [prev.x + t * (next.x - prev.x), prev.y + t * (next.y - prev.y), g.z[order[q3]]], radiusMm: prev.r });
        }
        q = bridged;
      }
    }
    if (!next) break;
    prev = next;
    track.push({ centreMm: [next.x, next.y, g.z[next.c]], radiusMm: next.r });
  }
  return track;
}

export function paintDisc(g: AnatomyGrid, mask: Uint8Array, s: AortaSection, extraMm: number): void {
  const c = nearestSlice(g, s.centreMm[2]);
  const a0 = (s.centreMm[0] - g.x0) / g.dx;
  const b0 = (s.centreMm[1] - g.y0) / g.dy;
  const r = s.radiusMm + extraMm;
  const ra = Math.ceil(r / Math.abs(g.dx));
  const rb = Math.ceil(r / Math.abs(g.dy));
  for (let b = Math.floor(b0 - rb); b <= Math.ceil(b0 + rb); b++)
    for (let a = Math.floor(a0 - ra); a <= Math.ceil(a0 + ra); a++) {
      if (a < 0 || b < 0 || a >= g.nx || b >= g.ny) continue;
      const ex = (a - a0) * g.dx;
      const ey = (b - b0) * g.dy;
      if (ex * ex + ey * ey <= r * r) mask[gridIndex(g, a, b, c)] = 1;
    }
}

function nearestSlice(g: AnatomyGrid, z: number): number {
  let best = 0;
  for (let c = 1; c < g.nz; c++) if (Math.abs(g.z[c] - z) < Math.abs(g.z[best] - z)) best = c;
  return best;
}
