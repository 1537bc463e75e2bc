/**
 * Small typed accessors over dcmjs "naturalized" datasets (attribute keyword -> value).
 *
 * dcmjs returns single values as scalars and multiple values as arrays, numbers for
 * DS/IS/US/FL and `{ Alphabetic }` objects (or arrays of them) for person names; the
 * same attribute can arrive either way depending on the writer, so every read goes
 * through these helpers instead of indexing the dataset directly.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NaturalDataset = Record<string, any>;

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

/** A string attribute (first value), trimmed; null when absent or empty. */
export function str(ds: NaturalDataset, key: string): string | null {
  const v = first(ds[key]);
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') {
    const alpha = (v as { Alphabetic?: unknown }).Alphabetic;
    return typeof alpha === 'string' && alpha.trim() !== '' ? alpha.trim() : null;
  }
  const s = String(v).trim();
  return s === '' ? null : s;
}

/** All values of a multi-valued string attribute (e.g. ImageType), upper-cased. */
export function strs(ds: NaturalDataset, key: string): string[] {
  const v = ds[key];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : String(v).split('\\');
  return list.map((x) => String(x).trim().toUpperCase()).filter((x) => x !== '');
}

/** A number attribute (first value); null when absent, empty or not a finite number. */
export function num(ds: NaturalDataset, key: string): number | null {
  const v = first(ds[key]);
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) ? n : null;
}

/** A multi-valued number attribute; null unless it has exactly `count` finite values. */
export function nums(ds: NaturalDataset, key: string, count: number): number[] | null {
  const v = ds[key];
  if (v === undefined || v === null) return null;
  const list = Array.isArray(v) ? v : String(v).split('\\');
  if (list.length !== count) return null;
  const out = list.map((x) => (typeof x === 'number' ? x : Number(String(x).trim())));
  return out.every(Number.isFinite) ? out : null;
}

/** Whether the attribute is present with a non-empty value. */
export function has(ds: NaturalDataset, key: string): boolean {
  const v = ds[key];
  if (v === undefined || v === null || v === '') return false;
  return !(Array.isArray(v) && v.length === 0);
}
