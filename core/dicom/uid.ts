/**
 * DICOM UIDs in the "2.25." form: the decimal value of a 128-bit number (PS3.5 B.2,
 * ISO/IEC 9834-8 UUID-derived UIDs), so no organisational root is needed.
 *
 * `uidFromSeed` is deterministic (the phantom's UIDs depend only on its seed);
 * `randomUid` uses the platform's cryptographic random source (browser, Worker and
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
export function randomUid(): string {
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
  return uid.length > 0 && uid.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(uid);
}
