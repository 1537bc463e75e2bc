/**
 * What `cacs score` prints: a JSON document with fixed key names (for scripts and batch
 * comparison), or a table for a person at a terminal.
 */
import { describeSettings } from '../core/settings';
import { ARTERIES, type ScoringResult, type SeriesFacts, type Totals } from '../core/types';
import { priorSummaryLines, type PriorComparison } from '../core/prior';
import type { CalciumReport } from '../core/encode/readback';

/** The JSON `prior` key: the comparison when a prior was found, else why not. */
export type PriorJson =
  | ({ found: true; requested: string; report: { sopInstanceUid: string; version: number; reviewState: string | null } } & PriorComparison)
  | { found: false; requested: string; note: string };

export function priorJson(lookup: { requested: string; report: CalciumReport | null; note: string | null }, comparison: PriorComparison | null): PriorJson {
  if (!lookup.report || !comparison) return { found: false, requested: lookup.requested, note: lookup.note ?? 'No prior found.' };
  const r = lookup.report;
  return { found: true, requested: lookup.requested, report: { sopInstanceUid: r.sopInstanceUid, version: r.version, reviewState: r.reviewState }, ...comparison };
}

export interface ScoreSource {
  /** Folder or DICOMweb URL. */
  from: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesDescription: string | null;
  filesRead: number;
  filesSkipped: number;
}

/**
 * The JSON document. Keys promised to users: input, settings, total, arteries (LM, LAD, LCX,
 * RCA: agatston, volumeMm3, massMg, lesionCount), lesions (id, artery, agatston, volumeMm3,
 * massMg, peakHU, centroidMm, voxelCount), risk (agatstonCategory, cacDrs), warnings.
 */
export function resultJson(result: ScoringResult, source: ScoreSource, extra: { autoLabelling: string }) {
  const totals = (t: Totals) => ({ agatston: t.agatston, volumeMm3: t.volumeMm3, massMg: t.massMg, lesionCount: t.lesionCount });
  return {
    source,
    input: result.input,
    settings: result.settings,
    total: totals(result.total),
    arteries: Object.fromEntries(ARTERIES.map((a) => [a, totals(result.arteries[a])])),
    lesions: result.lesions.map((l) => ({
      id: l.id,
      ...(l.parentId !== undefined ? { parentId: l.parentId } : {}),
      artery: l.artery,
      agatston: l.agatston,
      volumeMm3: l.volumeMm3,
      massMg: l.massMg,
      peakHU: l.peakHU,
      meanHU: l.meanHU,
      centroidMm: l.centroidMm,
      voxelCount: l.voxelCount,
      sliceRange: l.sliceRange,
      labelSource: l.labelSource,
      confidence: l.confidence,
      ...(l.needsReview ? { needsReview: true } : {}),
      ...(l.fineClass !== undefined && l.artery === 'OTHER' ? { subclass: l.fineClass } : {}),
    })),
    risk: result.risk,
    warnings: result.warnings,
    reviewed: result.reviewed,
    model: result.model,
    ...(result.labelling ? { labelling: result.labelling } : {}),
    autoLabelling: extra.autoLabelling,
  };
}

const MAX_OTHER_LESIONS_SHOWN = 15;
const f1 = (x: number) => x.toFixed(1);
const mass = (x: number | null) => (x === null ? '-' : f1(x));

function pad(cells: string[], widths: number[], rightAlign: boolean[]): string {
  return cells.map((c, n) => (rightAlign[n] ? c.padStart(widths[n]) : c.padEnd(widths[n]))).join('  ').trimEnd();
}

function table(header: string[], rows: string[][], rightAlign: boolean[]): string[] {
  const widths = header.map((h, n) => Math.max(h.length, ...rows.map((r) => r[n].length)));
  return [pad(header, widths, rightAlign), pad(widths.map((w) => '-'.repeat(w)), widths, rightAlign), ...rows.map((r) => pad(r, widths, rightAlign))];
}

export function describeInput(f: SeriesFacts): string {
  const parts = [
    `${f.sliceCount} slices ${f.columns}x${f.rows}`,
    f.pixelSpacingMm ? `${f.pixelSpacingMm[1].toFixed(2)} mm pixels` : null,
    `${f.sliceThicknessMm ?? '?'} mm thick every ${f.sliceIncrementMm !== null ? f.sliceIncrementMm.toFixed(2) : '?'} mm`,
    `${f.kvp ?? '?'} kVp`,
    f.convolutionKernel ? `kernel ${f.convolutionKernel}` : null,
    f.gated === null ? 'gating unknown' : f.gated ? 'ECG-gated' : 'not gated',
    f.manufacturer ? `${f.manufacturer}${f.manufacturerModelName ? ` ${f.manufacturerModelName}` : ''}` : null,
  ];
  return parts.filter(Boolean).join(', ');
}

/**
 * The categories, said as far as they are known: final; a proposal of automatic labels not yet
 * reviewed; a lower bound while candidates are neither assigned nor excluded (each can only add
 * calcium to an artery); none at all while nothing is assigned yet.
 */
function categoryLine(result: ScoringResult): string {
  const r = result.risk;
  const cadRads = r.cadRadsP ? `   CAD-RADS ${r.cadRadsP}` : '';
  if (!r.provisional) return `Category ${r.agatstonCategory}   ${r.cacDrs}${cadRads}`;
  const waiting = result.lesions.filter((l) => l.artery === 'UNASSIGNED').length;
  if (waiting === 0) return `Category ${r.agatstonCategory}   ${r.cacDrs}${cadRads}   (automatic proposal, not reviewed)`;
  const candidates = `${waiting} candidate lesion${waiting === 1 ? '' : 's'} not reviewed`;
  if (result.total.agatston === 0) return `Category not given yet: ${candidates}`;
  return `Category at least ${r.agatstonCategory}   at least ${r.cacDrs}   (assigned lesions only; ${candidates})`;
}

export function resultTable(result: ScoringResult, source: ScoreSource, extra: { autoLabelling: string; prior?: PriorJson }): string {
  const lines: string[] = [];
  lines.push(`Series   ${source.seriesInstanceUid}${source.seriesDescription ? ` "${source.seriesDescription}"` : ''}`);
  lines.push(`Input    ${describeInput(result.input)}`);
  lines.push(`Settings ${describeSettings(result.settings)}`);
  // A provisional result leads with why (as the panel does): a category never stands alone while calcium waits for review.
  if (result.risk.provisional && result.risk.guidance) lines.push(`Review   ${result.risk.guidance}`);
  lines.push('');
  const rows = ARTERIES.map((a) => {
    const t = result.arteries[a];
    return [a, f1(t.agatston), f1(t.volumeMm3), mass(t.massMg), String(t.lesionCount)];
  });
  const t = result.total;
  rows.push(['Total', f1(t.agatston), f1(t.volumeMm3), mass(t.massMg), String(t.lesionCount)]);
  lines.push(...table(['Artery', 'Agatston', 'Volume mm3', 'Mass mg', 'Lesions'], rows, [false, true, true, true, true]));
  lines.push('');
  lines.push(categoryLine(result));
  if (result.risk.guidance && !result.risk.provisional) lines.push(result.risk.guidance);
  // --clinical: the MESA risk beside the guideline text (or why it is not computed).
  if (result.risk.clinical) {
    if (result.risk.mesaTenYearChdRiskPercent != null) lines.push(`MESA 10-year CHD risk with CAC: ${result.risk.mesaTenYearChdRiskPercent.toFixed(1)} %`);
    for (const n of result.risk.mesaNotes ?? []) lines.push(n);
  }
  // --prior: the comparison (or why there is none) right after the categories.
  if (extra.prior) {
    lines.push('');
    if (!extra.prior.found) lines.push(`Prior    ${extra.prior.note}`);
    else {
      const [head, ...rest] = priorSummaryLines(extra.prior);
      lines.push(`Prior    ${head} (report v${extra.prior.report.version})`);
      for (const l of rest) lines.push(`         ${l}`);
    }
  }
  const unassigned = result.lesions.filter((l) => l.artery === 'UNASSIGNED');
  if (unassigned.length > 0) {
    const sum = unassigned.reduce((s, l) => s + l.agatston, 0);
    lines.push('');
    lines.push(`${unassigned.length} lesion${unassigned.length === 1 ? '' : 's'} not assigned to an artery (Agatston ${f1(sum)} not in the totals): ${extra.autoLabelling}`);
  }
  if (result.labelling) {
    lines.push('');
    lines.push(`Labels: ${result.labelling.status === 'unreviewed' ? 'automatic, not reviewed' : 'automatic, confirmed by the reader'}; ${extra.autoLabelling}`);
  }
  if (result.lesions.length > 0) {
    lines.push('');
    // Every lesion counted in an artery, then the largest others: a chest CT holds hundreds of
    // bone and aortic wall lesions that would bury the table (JSON lists them all).
    const counted = result.lesions.filter((l) => l.artery !== 'UNASSIGNED' && l.artery !== 'OTHER');
    const others = result.lesions.filter((l) => l.artery === 'UNASSIGNED' || l.artery === 'OTHER').sort((a, b) => b.agatston - a.agatston);
    const shown = [...counted, ...others.slice(0, MAX_OTHER_LESIONS_SHOWN)];
    if (shown.length < result.lesions.length) {
      lines.push(`Lesions: ${counted.length} in arteries and the ${Math.min(others.length, MAX_OTHER_LESIONS_SHOWN)} largest of ${others.length} others (--format json lists all ${result.lesions.length})`);
    }
    const lesionRows = shown.map((l) => [
      String(l.id),
      `${l.artery}${l.artery === 'OTHER' && l.fineClass ? ` (${l.fineClass})` : ''}${l.labelSource === 'auto' && l.confidence !== null ? ` ${Math.round(l.confidence * 100)}%` : ''}${l.needsReview ? ' ?' : ''}`,
      f1(l.agatston),
      f1(l.volumeMm3),
      mass(l.massMg),
      String(l.peakHU),
      l.centroidMm.map((x) => x.toFixed(1)).join(', '),
    ]);
    lines.push(...table(['Lesion', 'Artery', 'Agatston', 'Volume mm3', 'Mass mg', 'Peak HU', 'Centre x, y, z (mm, LPS)'], lesionRows, [true, false, true, true, true, true, false]));
  }
  // The provisional line is already printed in place of the guidance.
  const warnings = result.warnings.filter((w) => w !== result.risk.guidance);
  if (warnings.length > 0) {
    lines.push('');
    lines.push('Warnings');
    for (const w of warnings) lines.push(`  - ${w}`);
  }
  return lines.join('\n');
}
