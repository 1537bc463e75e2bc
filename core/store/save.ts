/**
 * Saving a scoring result to the archive as the next version of what the study holds:
 *  1. read the study's calcium reports (metadata only) and take the current one (readback's rule);
 *  2. encode SEG + SR + PDF as its successor (version + 1, PredecessorDocumentsSequence);
 *  3. when the new report says exactly what the current one says, store nothing (`unchanged`);
 *  4. otherwise store them (stow.ts: ordered, retried, time-limited; what is not stored comes
 *     back as `pending`, the outbox);
 *  5. read the reports again: when another report continued the same version at the same time
 *     (two readers saving at once), say so.
 * Encoding stays pure (core/encode); this module is where encoding meets the archive.
 *
 * The CLI, the screening worker and the viewer all save through saveToArchive; what differs is
 * given as seams: `encoder` (the viewer encodes in its Web Worker, the default is encodeResult
 * here), `transport` (how one object is sent, stow.ts: the viewer's data source, default fetch)
 * and `url` + `headers` + `fetch` for the reads (the viewer's data source's WADO root and its
 * authorisation header).
 */
import { ARTERIES, type Totals } from '../types';
import { encodeResult, type EncodeInput, type EncodeOptions, type EncodedResult } from '../encode/index';
import { currentReport, readCalciumSr, type CalciumReport } from '../encode/readback';
import { DicomwebClient, DicomwebError, loadCalciumReports, nextVersionAfter } from './dicomweb';
import { storeResult, type StorableObject, type StoreOptions, type StoreOutcome } from './stow';

/** Encode and store in one call, as the given version; the outcome says what was stored and keeps what was not. */
export async function encodeAndStore(
  input: EncodeInput,
  encodeOptions: EncodeOptions,
  storeOptions: StoreOptions,
): Promise<{ encoded: EncodedResult; outcome: StoreOutcome }> {
  const encoded = await encodeResult(input, encodeOptions);
  const outcome = await storeResult(encoded.all, storeOptions);
  return { encoded, outcome };
}

/** What a report says, without who wrote it when (UIDs, version, times): two equal keys are the same result. */
export function reportContentKey(r: CalciumReport): string {
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  const totals = (t: Totals | undefined) => (t ? [round(t.agatston), round(t.volumeMm3), round(t.massMg), t.lesionCount] : null);
  return JSON.stringify({
    source: r.sourceSeriesUid,
    arteries: ARTERIES.map((a) => totals(r.arteries[a])),
    total: totals(r.total),
    lesions: r.lesions.map((l) => [l.artery, round(l.agatston), round(l.volumeMm3), round(l.massMg), l.images]),
    reviewed: r.reviewed,
    completion: r.completionFlag,
    verification: r.verificationFlag,
    settings: r.settingsParameters,
    algorithm: r.algorithm,
    category: [r.agatstonCategory, r.cacDrs, r.cadRadsP, r.guidance],
    warnings: r.warnings,
    reportText: r.reportText,
    prior: r.prior,
  });
}

/** What saving needs of an encoded result: the objects in store order, the SR among them, the report text. */
export interface EncodedForSave {
  /** In store order: SEG, then SR (which references the SEG), then PDF. */
  all: StorableObject[];
  sr: StorableObject;
  reportText: string;
  warnings: string[];
}

/** Encodes the result as the version the chain gives (default: core encodeResult, on this thread). */
export type Encoder<E extends EncodedForSave = EncodedResult> = (input: EncodeInput, options: EncodeOptions) => Promise<E>;

export interface SaveOptions<E extends EncodedForSave = EncodedResult> extends StoreOptions {
  /** Encoder options other than the version chain (reviewer, verifier, outlines, PDF). */
  encode?: Omit<EncodeOptions, 'version' | 'predecessor'>;
  /** How to encode (the viewer: in its Web Worker); default core encodeResult. */
  encoder?: Encoder<E>;
  /**
   * Called once the objects are encoded and before the first is sent, e.g. to write them to an
   * outbox first so that nothing is lost if the process dies mid-upload.
   */
  beforeStore?: (encoded: E, chain: SaveChain) => void | Promise<void>;
}

export interface SaveChain {
  version: number;
  /** The report this one corrects (null for a first report). */
  predecessor: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; version: number } | null;
  /** False when the archive's reports could not be read: the result was encoded as version 1 without a predecessor. */
  known: boolean;
}

export interface SaveOutcome<E extends EncodedForSave = EncodedResult> {
  /** Everything the archive should hold is there (stored now, or already there: `unchanged`). */
  ok: boolean;
  /** The archive's current report already says exactly this; nothing was stored. */
  unchanged: boolean;
  chain: SaveChain;
  encoded: E;
  /** Empty when unchanged; else the store outcome (failure and pending = the outbox). */
  outcome: StoreOutcome;
  /** The current report when unchanged (what the archive already holds). */
  current: CalciumReport | null;
  /** Things the user should know (source UIDs, a concurrent save, ...). */
  warnings: string[];
  /** One line for the user. */
  message: string;
}

const versionOf = (r: CalciumReport) => `version ${r.version} (${r.sopInstanceUid})`;

export async function saveToArchive<E extends EncodedForSave = EncodedResult>(input: EncodeInput, opts: SaveOptions<E>): Promise<SaveOutcome<E>> {
  const client = new DicomwebClient({ url: opts.url, fetch: opts.fetch, headers: opts.headers, timeoutMs: opts.timeoutMs });
  const studyUid = input.volume.source.studyInstanceUid;
  let reports: CalciumReport[] | null = null;
  let readError: DicomwebError | null = null;
  try {
    reports = await loadCalciumReports(client, studyUid);
  } catch (e) {
    if (!(e instanceof DicomwebError)) throw e;
    readError = e;
  }
  const current = reports ? currentReport(reports) : null;
  const next = nextVersionAfter(current);
  const chain: SaveChain = { version: next.version, predecessor: current && next.predecessor ? { ...next.predecessor, version: current.version } : null, known: reports !== null };
  const encode = opts.encoder ?? (encodeResult as unknown as Encoder<E>);
  const encoded = await encode(input, { ...(opts.encode ?? {}), version: chain.version, predecessor: chain.predecessor });
  const warnings = [...encoded.warnings];

  if (current && reportContentKey(readCalciumSr(encoded.sr.bytes)) === reportContentKey(current)) {
    return {
      ok: true,
      unchanged: true,
      chain,
      encoded,
      outcome: { ok: true, stored: [], pending: [], failure: null },
      current,
      warnings,
      message: `The archive already holds this result as the current calcium report ${versionOf(current)}; nothing new was stored.`,
    };
  }

  await opts.beforeStore?.(encoded, chain);
  let outcome: StoreOutcome;
  if (readError) {
    // The archive did not answer the read; storing would meet the same fault (and a hung
    // archive would hang again), so keep everything for a later send.
    const kinds = encoded.all.map((o) => o.kind).join(', ');
    outcome = {
      ok: false,
      stored: [],
      pending: encoded.all,
      failure: {
        kind: encoded.all[0].kind,
        sopInstanceUid: encoded.all[0].sopInstanceUid,
        status: readError.status,
        body: readError.body,
        attempts: 1,
        message: `Could not store the calcium result: ${readError.message}. ${encoded.all.length} objects (${kinds}) not stored.`,
      },
    };
  } else {
    outcome = await storeResult(encoded.all, opts);
  }
  if (!outcome.ok) {
    return { ok: false, unchanged: false, chain, encoded, outcome, current: null, warnings, message: outcome.failure?.message ?? 'Storing failed.' };
  }

  // Two saves of one study at the same time both continue the same report: say so (both are
  // kept; readback's rule picks the newest as current).
  try {
    const after = await loadCalciumReports(client, studyUid);
    const mine = encoded.sr.sopInstanceUid;
    const pred = chain.predecessor?.sopInstanceUid ?? null;
    const rivals = after.filter(
      (r) => r.sopInstanceUid !== mine && (pred ? r.predecessors.includes(pred) : r.predecessors.length === 0 && r.sourceSeriesUid === input.volume.source.seriesInstanceUid && r.version === chain.version),
    );
    if (rivals.length > 0) {
      const now = currentReport(after);
      warnings.push(
        `Another calcium report of this study was stored at the same time as this one, also as ${pred ? `the correction of version ${chain.predecessor!.version}` : 'a first report'}: ` +
          `${rivals.map(versionOf).join(', ')}. Both are kept; the current one is ${now ? versionOf(now) : 'undecided'}${now?.sopInstanceUid === mine ? ' (this one)' : ''}. Review which is right.`,
      );
    }
  } catch {
    /* the result is stored; a failed check afterwards changes nothing */
  }
  const kinds = outcome.stored.map((s) => s.kind).join(' + ');
  return {
    ok: true,
    unchanged: false,
    chain,
    encoded,
    outcome,
    current: null,
    warnings,
    message: `Stored ${kinds} as calcium report version ${chain.version}${chain.predecessor ? ` (corrects ${versionOf({ version: chain.predecessor.version, sopInstanceUid: chain.predecessor.sopInstanceUid } as CalciumReport)})` : ''} in ${opts.url}.`,
  };
}
