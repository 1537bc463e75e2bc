/**
 * The encoders' view of the one DICOM layer (core/dicom): Part-10 files, UIDs, value formats,
 * plus two readers of naturalized values. Pure (no node: imports).
 */
export { readPart10, writePart10, EXPLICIT_VR_LITTLE_ENDIAN, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, type Dataset } from '../dicom/part10';
export { newUid } from '../dicom/uid';
export { formatDs as ds, dicomDate, dicomTime, dicomDateTime } from '../dicom/values';

/** First element of a multi-valued attribute, or the value itself. */
export function first<T = unknown>(v: unknown): T | undefined {
  return (Array.isArray(v) ? v[0] : v) as T | undefined;
}

/** A PN value from dcmjs (string or {Alphabetic}) as plain text. */
export function personName(v: unknown): string | null {
  const f = first<unknown>(v);
  if (f == null) return null;
  if (typeof f === 'string') return f;
  if (typeof f === 'object' && f && 'Alphabetic' in f) return String((f as { Alphabetic: unknown }).Alphabetic ?? '');
  return String(f);
}
