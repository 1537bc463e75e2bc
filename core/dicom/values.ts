/**
 * How the product writes numbers, dates and times into DICOM values (PS3.5 6.2): one decimal
 * string formatter and the DA / TM / DT writers, shared by the CT writer and the encoders.
 */

/**
 * A number as a DS value: at most 16 characters, as many significant digits as fit (up to 10);
 * integers below 10^15 are written exactly.
 */
export function formatDs(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} as a DICOM decimal string (DS)`);
  if (Object.is(value, -0)) return '0';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  // With one significant digit the longest form is "-1e-300" (7 characters), so this ends.
  for (let digits = 10; ; digits--) {
    const s = String(Number(value.toPrecision(digits)));
    if (s.length <= 16 || digits === 1) return s;
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** DICOM DA (YYYYMMDD) in UTC. */
export function dicomDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** DICOM TM (HHMMSS.FFFFFF) in UTC. */
export function dicomTime(d: Date): string {
  return `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`;
}

/** DICOM DT in UTC with an explicit offset, so "which version is newest" never depends on local time. */
export function dicomDateTime(d: Date): string {
  return `${dicomDate(d)}${dicomTime(d)}+0000`;
}
