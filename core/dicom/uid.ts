/**
 * DICOM UIDs in the "2.25." form: the decimal value of a 128-bit number (PS3.5 B.2,
 * ISO/IEC 9834-8 UUID-derived UIDs), so no organisational root is needed.
 *
 * `uidFromSeed` is deterministic (the phantom's UIDs depend only on its seed);
 * `newUid` (the product's one generator of new UIDs) uses the platform's cryptographic random source (browser, Worker and
 * Node all provide globalThis.crypto).
 */

/** The UID for a 128-bit value given as four 32-bit words (most significant first). */
function uidFromWords(words: readonly number[]): string {
  let value = 0n;
  for (const w of words) value = (value << 32n) | BigInt(w >>> 0);
  return `2.25.${value.toString(10)}`;
}

/**
 * A 128-bit hash of a string (cyrb128: four interleaved 32-bit multiply-xor lanes).
 * Not cryptographic; it only has to spread distinct names over 128 bits.
 */
export function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ c, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ c, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ c, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ c, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * A deterministic UID: the same seed and parts always give the same UID, different
 * parts give different UIDs (e.g. `uidFromSeed(7, 'series')`, `uidFromSeed(7, 'sop', 12)`).
 */
export function uidFromSeed(seed: number | string, ...parts: (string | number)[]): string {
  return uidFromWords(hash128(['cacs-uid', String(seed), ...parts.map(String)].join('\u0000')));
}

/** A fresh random UID (122 random bits in UUID version-4 layout, as ISO/IEC 9834-8 expects). */
export function newUid(): string {
  const words = new Uint32Array(4);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(words);
  else for (let i = 0; i < 4; i++) words[i] = Math.floor(Math.random() * 4294967296);
  // Version 4 and the RFC 4122 variant bits.
  words[1] = (words[1] & 0xffff0fff) | 0x00004000;
  words[2] = (words[2] & 0x3fffffff) | 0x80000000;
  return uidFromWords(Array.from(words));
}

/** True for a syntactically valid UID (PS3.5 9.1: digits and dots, no leading zeros, <= 64 chars). */
export function isValidUid(uid: string): boolean {
  return uidProblem(uid) === null;
}

/**
 * What makes `uid` break the UID rules of PS3.5 9.1 (and the root rule of ISO/IEC 8824 / PS3.5
 * B.1: the first component is 0, 1 or 2), in words; null for a valid UID.
 */
export function uidProblem(uid: string): string | null {
  if (typeof uid !== 'string' || uid === '') return 'it is empty';
  const problems: string[] = [];
  if (uid.length > 64) problems.push(`it has ${uid.length} characters (at most 64)`);
  if (!/^[0-9.]+$/.test(uid)) problems.push('it holds characters other than digits and dots');
  else {
    const parts = uid.split('.');
    if (parts.some((p) => p === '')) problems.push('it has an empty component');
    const zeros = parts.filter((p) => p.length > 1 && p.startsWith('0'));
    if (zeros.length > 0) problems.push(`component${zeros.length > 1 ? 's' : ''} ${zeros.join(', ')} ${zeros.length > 1 ? 'have' : 'has'} a leading zero`);
    if (!['0', '1', '2'].includes(parts[0])) problems.push(`its root ${parts[0]} is not 0, 1 or 2`);
  }
  return problems.length > 0 ? problems.join(', ') : null;
}

/** Refuse a UID the product creates unless it is valid (PS3.5 9.1). */
export function assertUid(uid: string, what: string): void {
  const problem = uidProblem(uid);
  if (problem !== null) throw new Error(`${what}: "${uid}" is not a valid DICOM UID (${problem})`);
}

/**
 * A UID the product copies from the source (study, series, frame of reference, the CT images'
 * SOP instances) into its references. The archive knows the source by these UIDs exactly as
 * they are, so references carry them unchanged even when they break the rules (real anonymised
 * archives hold leading zeros and roots such as 9.); only a value that cannot be written as a
 * UI element at all (empty, or with a backslash or control character) is refused.
 * `sourceUidWarning` names the ones that break the rules.
 */
export function assertReferencedUid(uid: string, what: string): void {
  if (typeof uid !== 'string' || uid.trim() === '' || /[\\\u0000-\u001f]/.test(uid)) {
    throw new Error(`${what}: "${String(uid)}" cannot be written as a UID reference`);
  }
}

/** The source identifiers a result refers to (a CtVolume or VolumeGeometry has them). */
export interface SourceUids {
  source: { studyInstanceUid: string; seriesInstanceUid: string; frameOfReferenceUid?: string | null };
  instances: readonly { sopInstanceUid: string; sopClassUid?: string }[];
}

/**
 * One warning naming the source UIDs that break the UID rules (which rule, the first few
 * values), or null when all are valid. The product stores its results anyway, referring to the
 * source by these UIDs unchanged.
 */
export function sourceUidWarning(g: SourceUids): string | null {
  const found: string[] = [];
  const note = (what: string, uid: string | null | undefined) => {
    if (uid == null || uid === '') return;
    const problem = uidProblem(uid);
    if (problem !== null) found.push(`${what} ${uid} (${problem})`);
  };
  note('StudyInstanceUID', g.source.studyInstanceUid);
  note('SeriesInstanceUID', g.source.seriesInstanceUid);
  note('FrameOfReferenceUID', g.source.frameOfReferenceUid);
  const bad = g.instances.filter((i) => uidProblem(i.sopInstanceUid) !== null);
  if (bad.length > 0) note(`${bad.length === 1 ? 'SOPInstanceUID' : `${bad.length} of the ${g.instances.length} SOPInstanceUIDs, e.g.`}`, bad[0].sopInstanceUid);
  const classes = new Set(g.instances.map((i) => i.sopClassUid).filter((u): u is string => !!u));
  for (const c of classes) note('SOPClassUID', c);
  if (found.length === 0) return null;
  return (
    `The source series has UIDs that break the DICOM rules (PS3.5 9.1): ${found.join('; ')}. ` +
    'Stored results refer to them unchanged, as the archive knows them; the UIDs this product creates are valid.'
  );
}
