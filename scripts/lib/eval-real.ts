/**
 * The labeller judged on real scans with a reader's labels (../shared/data/reader-labels/).
 * Shared by `npm run eval:real` (scripts/eval-real.ts, which prints the tables) and the test
 * that keeps the figures from getting worse (tests/integration/labelling-real-eval.test.ts).
 *
 * Each reader lesion is a point inside one 3D lesion of the project's own detection (HU >= 130,
 * 2D parts >= 1 mm^2). The labeller's answer for that lesion is the label that received most
 * of its Agatston score (a lesion split at the left main bifurcation counts by its bulk). A
 * reader lesion is right when that label is its artery, or OTHER for a non-coronary class.
 * "unsure" reader lesions are reported apart and never scored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAnatomy, type Anatomy } from '../../core/anatomy/index';
import { initCodecs, readSeries } from '../../core/dicom/read';
import { scoreVolume } from '../../core/index';
import { dist } from '../../core/math';
import { agatstonCategory } from '../../core/risk';
import type { Assignment } from '../../core/scoring/assign';
import type { LesionSet } from '../../core/scoring/detect';
import type { LabellerKind } from '../../core/labelling/rules';
import { ARTERIES, type Artery, type CtVolume, type LesionLabel, type ScoringResult, type Vec3 } from '../../core/types';
import { patientToVoxel } from '../../core/dicom/geometry';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = path.resolve(REPO_ROOT, '../shared');
export const READER_DIR = path.join(SHARED, 'data/reader-labels');

export type ReaderClass = Artery | 'aortic-wall' | 'aortic-valve' | 'mitral-annulus' | 'pericardial' | 'bone' | 'other';
export const READER_CLASSES: readonly ReaderClass[] = ['LM', 'LAD', 'LCX', 'RCA', 'aortic-wall', 'aortic-valve', 'mitral-annulus', 'pericardial', 'bone', 'other'];
const COLUMNS: readonly LesionLabel[] = ['LM', 'LAD', 'LCX', 'RCA', 'OTHER', 'UNASSIGNED'];

export interface ReaderLesion {
  id: number;
  pointMm: Vec3;
  centroidMm: Vec3;
  agatstonApprox: number;
  class: ReaderClass;
  confidence: 'sure' | 'likely' | 'unsure';
  reason: string;
}

export interface ReaderFile {
  scan: string;
  source: string;
  landmarksMm: { aorticRoot: Vec3 | null; lmOstium: Vec3 | null; apex: Vec3 | null; carina: Vec3 | null };
  readerSeededAgatston: Record<Artery | 'total', number>;
  lesions: ReaderLesion[];
}

/** The scans with reader labels: name -> reader file. */
export function readerScans(): { name: string; reader: ReaderFile; seriesDir: string }[] {
  if (!fs.existsSync(READER_DIR)) return [];
  return fs
    .readdirSync(READER_DIR)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.seeds.json'))
    .sort()
    .map((f) => {
      const reader = JSON.parse(fs.readFileSync(path.join(READER_DIR, f), 'utf8')) as ReaderFile;
      // "shared/data/covid-ct-md/cap002 (COVID-CT-MD sample, ...)" -> the folder.
      const rel = reader.source.split(' ')[0].replace(/^shared\//, '');
      return { name: f.replace(/\.json$/, ''), reader, seriesDir: path.join(SHARED, rel) };
    });
}

export function readVolume(dir: string): CtVolume {
  const files = fs
    .readdirSync(dir)
    .filter((n) => !/LICENSE|README/i.test(n))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) }));
  return readSeries(files).volume;
}

export interface LoadedScan {
  name: string;
  reader: ReaderFile;
  volume: CtVolume;
  set: LesionSet;
  assignment: Assignment;
  inputWarnings: string[];
  result: ScoringResult;
}

export async function loadScan(entry: { name: string; reader: ReaderFile; seriesDir: string }): Promise<LoadedScan> {
  await initCodecs();
  const volume = readVolume(entry.seriesDir);
  const scored = scoreVolume(volume, { ignoreErrors: true });
  return { name: entry.name, reader: entry.reader, volume, set: scored.lesionSet, assignment: scored.assignment, inputWarnings: scored.inputWarnings, result: scored.result };
}

/** What a labeller said of one component. */
export interface ComponentAnswer {
  label: LesionLabel;
  fineClass: string | null;
  needsReview: boolean;
}

export interface LesionOutcome {
  readerId: number;
  readerClass: ReaderClass;
  confidence: ReaderLesion['confidence'];
  readerAgatston: number;
  /** Our 3D lesion id, or null when no detected lesion holds the reader's point. */
  lesionId: number | null;
  agatston: number;
  /** The label with most of the lesion's score; UNASSIGNED when not found. */
  label: LesionLabel;
  fineClass: string | null;
  needsReview: boolean;
  right: boolean;
}

export interface ScanEval {
  name: string;
  lesions: LesionOutcome[];
  /** Sure-or-likely reader lesions: right / all, coronary ones and all. */
  coronaryRight: number;
  coronaryTotal: number;
  allRight: number;
  allTotal: number;
  /** Rows: reader class (sure/likely); columns: LM, LAD, LCX, RCA, OTHER, UNASSIGNED. Counts. */
  confusion: Record<ReaderClass, Record<string, number>>;
  /** Agatston labelled coronary on lesions the reader calls non-coronary (sure/likely), and on lesions the reader did not read. */
  fpKnownAu: number;
  fpUnreadAu: number;
  /** Agatston labelled coronary on lesions the reader marked unsure (reported apart). */
  unsureCoronaryAu: number;
  perArtery: Record<Artery | 'total', { auto: number; reader: number }>;
  categories: { auto: string; reader: string };
  /** Review flag on sure/likely reader lesions: wrong labels flagged / wrong; right labels flagged / right. */
  review: { wrongFlagged: number; wrong: number; rightFlagged: number; right: number };
  landmarksMm: Record<'aorticRoot' | 'apex' | 'carina', number | null>;
  anatomyFound: boolean;
  warnings: string[];
  labelMs: number;
}

/** The component id at (or within one voxel of) a patient point; 0 when none. */
function componentAtPoint(set: LesionSet, voxelComponent: Map<number, number>, p: Vec3): number {
  const g = set.geometry;
  const [fi, fj, fk] = patientToVoxel(g, p);
  const i0 = Math.round(fi);
  const j0 = Math.round(fj);
  const k0 = Math.round(fk);
  for (let r = 0; r <= 2; r++)
    for (let dk = -Math.min(r, 1); dk <= Math.min(r, 1); dk++)
      for (let dj = -r; dj <= r; dj++)
        for (let di = -r; di <= r; di++) {
          const i = i0 + di;
          const j = j0 + dj;
          const k = k0 + dk;
          if (i < 0 || j < 0 || k < 0 || i >= g.columns || j >= g.rows || k >= g.slices) continue;
          const id = voxelComponent.get((k * g.rows + j) * g.columns + i);
          if (id) return id;
        }
  return 0;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const distMm = (a: Vec3 | null, b: Vec3 | null): number | null => (a && b ? round1(dist(a, b)) : null);

/**
 * Judge one labelling of a scan. `answer` gives the label of every component (by id), as the
 * labeller left the assignment.
 */
export function evaluateScan(scan: LoadedScan, answer: (componentId: number) => ComponentAnswer, anatomy: Anatomy, labelMs: number, warnings: string[] = []): ScanEval {
  const { set, reader } = scan;
  const voxelComponent = new Map<number, number>();
  set.componentVoxels.forEach((vox, n) => {
    for (let q = 0; q < vox.length; q++) voxelComponent.set(vox[q], n + 1);
  });
  // Per 3D lesion: Agatston by label, and the bulk label.
  const byLesion = new Map<number, Map<LesionLabel, number>>();
  const perArteryAuto: Record<string, number> = { LM: 0, LAD: 0, LCX: 0, RCA: 0 };
  for (const c of set.components) {
    const a = answer(c.id);
    let m = byLesion.get(c.lesionId);
    if (!m) byLesion.set(c.lesionId, (m = new Map()));
    m.set(a.label, (m.get(a.label) ?? 0) + c.agatston);
    if (a.label in perArteryAuto) perArteryAuto[a.label] += c.agatston;
  }
  const bulk = (lesionId: number): { label: LesionLabel; agatston: number } => {
    const m = byLesion.get(lesionId)!;
    let best: LesionLabel = 'UNASSIGNED';
    let bestAu = -1;
    let total = 0;
    for (const [label, au] of m) {
      total += au;
      if (au > bestAu) {
        bestAu = au;
        best = label;
      }
    }
    return { label: best, agatston: total };
  };
  const lesions: LesionOutcome[] = [];
  const readLesions = new Map<number, ReaderLesion['confidence'] | 'coronary'>();
  for (const r of reader.lesions) {
    const compId = componentAtPoint(set, voxelComponent, r.pointMm);
    const lesionId = compId ? set.components[compId - 1].lesionId : null;
    const b = lesionId ? bulk(lesionId) : { label: 'UNASSIGNED' as LesionLabel, agatston: 0 };
    // The answer of the lesion's component that carries the bulk label (its fine class and flag).
    let fine: string | null = null;
    let review = false;
    if (lesionId) {
      const comps = set.lesions[lesionId - 1].componentIds.filter((id) => answer(id).label === b.label);
      const top = comps.reduce((x, y) => (set.components[y - 1].agatston > set.components[x - 1].agatston ? y : x), comps[0]);
      fine = answer(top).fineClass;
      review = comps.some((id) => answer(id).needsReview);
      const prev = readLesions.get(lesionId);
      if (prev === undefined || r.confidence !== 'unsure') readLesions.set(lesionId, (ARTERIES as readonly string[]).includes(r.class) ? 'coronary' : r.confidence);
    }
    const expected: LesionLabel = (ARTERIES as readonly string[]).includes(r.class) ? (r.class as Artery) : 'OTHER';
    lesions.push({
      readerId: r.id,
      readerClass: r.class,
      confidence: r.confidence,
      readerAgatston: r.agatstonApprox,
      lesionId,
      agatston: round1(b.agatston),
      label: b.label,
      fineClass: fine,
      needsReview: review,
      right: lesionId !== null && b.label === expected,
    });
  }
  const scored = lesions.filter((l) => l.confidence !== 'unsure');
  const isCor = (c: ReaderClass) => (ARTERIES as readonly string[]).includes(c);
  const confusion = Object.fromEntries(READER_CLASSES.map((c) => [c, Object.fromEntries(COLUMNS.map((k) => [k, 0]))])) as ScanEval['confusion'];
  for (const l of scored) confusion[l.readerClass][l.label]++;
  // Coronary AU on lesions the reader calls non-coronary, left unread, or unsure.
  let fpKnownAu = 0;
  let fpUnreadAu = 0;
  let unsureCoronaryAu = 0;
  for (const c of set.components) {
    const a = answer(c.id);
    if (!(ARTERIES as readonly string[]).includes(a.label)) continue;
    const read = readLesions.get(c.lesionId);
    if (read === undefined) fpUnreadAu += c.agatston;
    else if (read === 'unsure') unsureCoronaryAu += c.agatston;
    else if (read !== 'coronary') fpKnownAu += c.agatston;
  }
  const wrong = scored.filter((l) => !l.right);
  const right = scored.filter((l) => l.right);
  const totalAuto = ARTERIES.reduce((s, a) => s + perArteryAuto[a], 0);
  const perArtery = Object.fromEntries([
    ...ARTERIES.map((a) => [a, { auto: round1(perArteryAuto[a]), reader: round1(reader.readerSeededAgatston[a] ?? 0) }]),
    ['total', { auto: round1(totalAuto), reader: round1(reader.readerSeededAgatston.total ?? 0) }],
  ]) as ScanEval['perArtery'];
  const lm = reader.landmarksMm;
  return {
    name: scan.name,
    lesions,
    coronaryRight: scored.filter((l) => isCor(l.readerClass) && l.right).length,
    coronaryTotal: scored.filter((l) => isCor(l.readerClass)).length,
    allRight: right.length,
    allTotal: scored.length,
    confusion,
    fpKnownAu: round1(fpKnownAu),
    fpUnreadAu: round1(fpUnreadAu),
    unsureCoronaryAu: round1(unsureCoronaryAu),
    perArtery,
    categories: { auto: agatstonCategory(totalAuto), reader: agatstonCategory(reader.readerSeededAgatston.total ?? 0) },
    review: { wrongFlagged: wrong.filter((l) => l.needsReview).length, wrong: wrong.length, rightFlagged: right.filter((l) => l.needsReview).length, right: right.length },
    landmarksMm: {
      aorticRoot: distMm(anatomy.aorticRootMm, lm.aorticRoot),
      apex: distMm(anatomy.apexMm, lm.apex),
      carina: distMm(anatomy.carinaMm, lm.carina),
    },
    anatomyFound: anatomy.found,
    warnings,
    labelMs: Math.round(labelMs),
  };
}

/** Runs one labeller as `cacs score` does (cli/labeller.ts) on a fresh copy of the scan's assignment, and judges it. */
export async function runAndEvaluate(scan: LoadedScan, labeller: LabellerKind): Promise<ScanEval> {
  const assignment = scan.assignment.clone();
  const t0 = performance.now();
  const anatomy = findAnatomy(scan.volume);
  const { autoLabelScored } = await import('../../cli/labeller');
  const outcome = await autoLabelScored(scan.volume, { ...scan, lesionSet: scan.set, assignment }, { anatomy, labeller });
  const warnings = outcome.run?.warnings ?? [outcome.note];
  const ms = performance.now() - t0;
  return evaluateScan(
    scan,
    (id) => ({ label: assignment.labelOfComponent(id), fineClass: assignment.fineClassOfComponent(id), needsReview: assignment.componentNeedsReview(id) }),
    anatomy,
    ms,
    warnings,
  );
}

export interface Overall {
  coronaryRight: number;
  coronaryTotal: number;
  allRight: number;
  allTotal: number;
  maxFpAuPerScan: number;
  categoriesAgree: number;
  scans: number;
  maxLandmarkErrorMm: number | null;
  review: ScanEval['review'];
}

export function overall(evals: ScanEval[]): Overall {
  const sum = (f: (e: ScanEval) => number) => evals.reduce((s, e) => s + f(e), 0);
  const lm = evals.flatMap((e) => Object.values(e.landmarksMm).filter((v): v is number => v !== null));
  return {
    coronaryRight: sum((e) => e.coronaryRight),
    coronaryTotal: sum((e) => e.coronaryTotal),
    allRight: sum((e) => e.allRight),
    allTotal: sum((e) => e.allTotal),
    maxFpAuPerScan: Math.max(0, ...evals.map((e) => round1(e.fpKnownAu + e.fpUnreadAu))),
    categoriesAgree: evals.filter((e) => e.categories.auto === e.categories.reader).length,
    scans: evals.length,
    maxLandmarkErrorMm: lm.length ? Math.max(...lm) : null,
    review: {
      wrongFlagged: sum((e) => e.review.wrongFlagged),
      wrong: sum((e) => e.review.wrong),
      rightFlagged: sum((e) => e.review.rightFlagged),
      right: sum((e) => e.review.right),
    },
  };
}
