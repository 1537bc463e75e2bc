/**
 * Pixel data of one CT slice -> Hounsfield units.
 *
 * Compressed transfer syntaxes are decoded by dcmjs-codecs' WebAssembly build (CharLS for
 * JPEG-LS, OpenJPEG for JPEG 2000, libjpeg(-turbo) for JPEG, its own RLE). The WebAssembly
 * module must be loaded once, explicitly, before a compressed slice is read:
 *
 *   await initCodecs();                     // Node: finds dcmjs-native-codecs.wasm beside the package
 *   await initCodecs({ wasmUrl: '/x.wasm' }) // browser / Worker: where the bundler put the .wasm
 *
 * Uncompressed slices (implicit / explicit VR little endian) need no initialisation, so the
 * reader stays synchronous and a missing initialisation is a clear error, never a hang.
 */
import * as dcmjsCodecsNs from 'dcmjs-codecs';

/** Transfer syntax UIDs (PS3.6 Annex A). */
export const TS = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  jpeg2000: '1.2.840.10008.1.2.4.91',
  jpegXlLossless: '1.2.840.10008.1.2.4.110',
  jpegXl: '1.2.840.10008.1.2.4.112',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
  htj2kLosslessRpcl: '1.2.840.10008.1.2.4.202',
  htj2k: '1.2.840.10008.1.2.4.203',
  rle: '1.2.840.10008.1.2.5',
} as const;

type DecoderName = 'decodeJpeg' | 'decodeJpegLs' | 'decodeJpeg2000' | 'decodeHtJpeg2000' | 'decodeJpegXl' | 'decodeRle';

const DECODERS: Record<string, DecoderName> = {
  [TS.jpegBaseline]: 'decodeJpeg',
  [TS.jpegExtended]: 'decodeJpeg',
  [TS.jpegLossless]: 'decodeJpeg',
  [TS.jpegLosslessSv1]: 'decodeJpeg',
  [TS.jpegLsLossless]: 'decodeJpegLs',
  [TS.jpegLsNearLossless]: 'decodeJpegLs',
  [TS.jpeg2000Lossless]: 'decodeJpeg2000',
  [TS.jpeg2000]: 'decodeJpeg2000',
  [TS.htj2kLossless]: 'decodeHtJpeg2000',
  [TS.htj2kLosslessRpcl]: 'decodeHtJpeg2000',
  [TS.htj2k]: 'decodeHtJpeg2000',
  [TS.jpegXlLossless]: 'decodeJpegXl',
  [TS.jpegXl]: 'decodeJpegXl',
  [TS.rle]: 'decodeRle',
};

const UNCOMPRESSED = new Set<string>([TS.implicitLittle, TS.explicitLittle]);

/** The package is a UMD/CommonJS bundle: its exports sit on `default` when imported from ESM. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const codecs: typeof dcmjsCodecsNs = ((dcmjsCodecsNs as any).default ?? dcmjsCodecsNs) as typeof dcmjsCodecsNs;

let initPromise: Promise<void> | null = null;

/**
 * Load the WebAssembly codecs (once; later calls return the same promise).
 * `wasmUrl`: path (Node) or URL (browser) of dcmjs-native-codecs.wasm; by default Node finds it
 * inside the dcmjs-codecs package and a browser fetches "dcmjs-native-codecs.wasm" relative to the page.
 */
export function initCodecs(opts: { wasmUrl?: string } = {}): Promise<void> {
  if (codecs.NativeCodecs.isInitialized()) return Promise.resolve();
  // A damaged image can make the decoders print their assertions (through this logger) before
  // they stop: the reader reports the failure in its own words instead.
  (codecs as { log?: { setLevel?: (level: string) => void } }).log?.setLevel?.('silent');
  if (!initPromise) {
    initPromise = codecs.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: opts.wasmUrl }).catch((e: unknown) => {
      initPromise = null;
      throw new Error(`could not load the image decoders (dcmjs-native-codecs.wasm): ${e instanceof Error ? e.message : String(e)}`);
    });
  }
  return initPromise;
}

export function codecsReady(): boolean {
  return codecs.NativeCodecs.isInitialized();
}

export function isSupportedTransferSyntax(uid: string): boolean {
  return UNCOMPRESSED.has(uid) || uid in DECODERS;
}

export function needsCodecs(uid: string): boolean {
  return uid in DECODERS;
}

export function transferSyntaxName(uid: string): string {
  const e = Object.entries(TS).find(([, v]) => v === uid);
  return e ? `${e[0]} (${uid})` : uid;
}

/** What the pixel module says about the stored values (PS3.3 C.7.6.3). */
export interface PixelLayout {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  slope: number;
  intercept: number;
  /**
   * (0028,0120) Pixel Padding Value and (0028,0121) Pixel Padding Range Limit, in stored values:
   * pixels outside the reconstructed field. Null when absent.
   */
  paddingValue?: number | null;
  paddingRangeLimit?: number | null;
}

/** Transfer syntaxes whose frames are a JPEG-family bitstream ending with the EOI/EOC marker FF D9. */
const ENDS_WITH_FFD9 = new Set<string>([
  TS.jpegBaseline,
  TS.jpegExtended,
  TS.jpegLossless,
  TS.jpegLosslessSv1,
  TS.jpegLsLossless,
  TS.jpegLsNearLossless,
  TS.jpeg2000Lossless,
  TS.jpeg2000,
  TS.htj2kLossless,
  TS.htj2kLosslessRpcl,
  TS.htj2k,
]);

/**
 * Structure of one compressed frame, checked before it reaches a decoder (a damaged bitstream
 * can make a WebAssembly decoder trap or run long): JPEG, JPEG-LS and JPEG 2000 frames end with
 * the FF D9 marker (PS3.5 A.4: the frame may be followed by one padding byte); an RLE frame
 * starts with a 64-byte header of one segment per byte of each sample, at increasing offsets
 * inside the frame (PS3.5 G.5). Returns a one-line problem, or null.
 */
export function checkEncodedFrame(frame: Uint8Array, transferSyntaxUid: string, layout: Pick<PixelLayout, 'bitsAllocated'>): string | null {
  if (ENDS_WITH_FFD9.has(transferSyntaxUid)) {
    let end = frame.byteLength;
    while (end > 0 && frame[end - 1] === 0) end--;
    if (end < 4 || frame[end - 2] !== 0xff || frame[end - 1] !== 0xd9) {
      return `the compressed image (${transferSyntaxName(transferSyntaxUid)}) has no end marker: the file is truncated or damaged`;
    }
    return null;
  }
  if (transferSyntaxUid === TS.rle) {
    if (frame.byteLength < 64) return `the RLE data is ${frame.byteLength} bytes, shorter than its 64-byte header: the file is truncated`;
    const view = new DataView(frame.buffer, frame.byteOffset, 64);
    const segments = view.getUint32(0, true);
    const expected = layout.bitsAllocated / 8;
    if (segments !== expected) {
      return `the RLE header declares ${segments} segments where ${layout.bitsAllocated}-bit pixels need ${expected}: the compressed data is damaged`;
    }
    let previous = 63;
    for (let s = 0; s < segments; s++) {
      const offset = view.getUint32(4 + 4 * s, true);
      if (offset <= previous || offset >= frame.byteLength || (s === 0 && offset !== 64)) {
        return `the RLE header places segment ${s + 1} at byte ${offset} (data is ${frame.byteLength} bytes): the compressed data is damaged`;
      }
      previous = offset;
    }
  }
  return null;
}

/** One line for a slice the decoder could not turn into pixels (the reader and the decode workers say the same). */
export function decodeFailureMessage(name: string, e: unknown): string {
  const reason = String(e instanceof Error ? e.message : e).split('\n')[0];
  // A WebAssembly trap ("unreachable", "memory access out of bounds") is the decoder giving up on bad input.
  const trap = /^(unreachable|memory access out of bounds|divide by zero|integer overflow|RuntimeError)/i.test(reason) || (e instanceof Error && e.name === 'RuntimeError');
  return trap
    ? `${name}: the compressed pixel data is damaged or truncated (the decoder stopped: ${reason}); replace the file with a good copy`
    : `${name}: pixel data cannot be decoded (${reason})`;
}

/** HU given to padding pixels whose rescaled value would not already be air or lower. */
export const PADDING_HU = -1024;

/**
 * Decode one frame (`frame` = the raw little-endian pixel bytes, or the compressed bitstream)
 * and write HU = stored x slope + intercept, rounded and clamped to Int16, into `out`
 * (length rows x columns). Slope/intercept are applied here and nowhere else.
 */
export function frameToHu(frame: Uint8Array, transferSyntaxUid: string, layout: PixelLayout, out: Int16Array): void {
  const decoder = DECODERS[transferSyntaxUid];
  if (!decoder) {
    if (!UNCOMPRESSED.has(transferSyntaxUid)) throw new Error(`transfer syntax ${transferSyntaxName(transferSyntaxUid)} is not supported`);
    pixelsToHu(frame, false, layout, out);
    return;
  }
  if (!codecs.NativeCodecs.isInitialized()) {
    throw new Error(`compressed pixel data (${transferSyntaxName(transferSyntaxUid)}): call \`await initCodecs()\` before reading`);
  }
  const ctx = new codecs.Context({
    width: layout.columns,
    height: layout.rows,
    bitsAllocated: layout.bitsAllocated,
    bitsStored: layout.bitsStored,
    samplesPerPixel: 1,
    pixelRepresentation: layout.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: 'MONOCHROME2',
    encodedBuffer: frame,
  });
  const native = nativeInternals(decoder);
  if (native) {
    // The same calls as NativeCodecs[decoder](), except that the decoded pixels are converted
    // where the decoder left them, in its WebAssembly memory: no 0.5 MB copy and allocation per slice.
    const handle = native.codecs._createDecoderContext(ctx);
    const params = native.codecs._createDecoderParameters({});
    try {
      native.decode(handle, params);
    } catch (e) {
      discardDecoders();
      throw e;
    }
    native.codecs._releaseDecoderParameters(params);
    try {
      const api = native.codecs.wasmApi;
      const size = api.wasmGetDecodedBufferSize(handle);
      const decoded = size > 0 ? new Uint8Array(api.wasmMemory.buffer, api.wasmGetDecodedBuffer(handle), size) : new Uint8Array(0);
      pixelsToHu(decoded, true, layout, out);
    } finally {
      native.codecs.wasmApi.wasmReleaseCodecsContext(handle);
    }
    return;
  }
  let decoded: Uint8Array | undefined;
  try {
    decoded = codecs.NativeCodecs[decoder](ctx, {}).getDecodedBuffer();
  } catch (e) {
    discardDecoders();
    throw e;
  }
  if (!decoded) throw new Error('the decoder returned no pixels');
  pixelsToHu(decoded, true, layout, out);
}

/**
 * After a decoder stopped inside its WebAssembly (a trap, or an error thrown through it), its
 * memory and stack are left as they were at that point: later images would fail to decode, or
 * decode wrongly. The instance is dropped; the next `await initCodecs()` starts a fresh one, and
 * until then compressed images are refused (frameToHu asks for initCodecs).
 */
function discardDecoders(): void {
  codecs.NativeCodecs.release();
  initPromise = null;
}

/** The parts of dcmjs-codecs' NativeCodecs (0.0.8) that decode without copying the result out. */
interface NativeCodecsInternals {
  wasmApi: {
    wasmMemory: WebAssembly.Memory;
    wasmGetDecodedBuffer(handle: number): number;
    wasmGetDecodedBufferSize(handle: number): number;
    wasmReleaseCodecsContext(handle: number): void;
  } & Record<string, unknown>;
  _createDecoderContext(ctx: unknown): number;
  _createDecoderParameters(params: object): number;
  _releaseDecoderParameters(params: number): void;
}

/** The in-place decoding path when this dcmjs-codecs has it (else null: the public, copying call is used). */
function nativeInternals(decoder: DecoderName): { codecs: NativeCodecsInternals; decode: (handle: number, params: number) => void } | null {
  const native = codecs.NativeCodecs as unknown as Partial<NativeCodecsInternals>;
  const api = native.wasmApi;
  const decode = api?.[`wasm${decoder[0].toUpperCase()}${decoder.slice(1)}`];
  if (
    !api ||
    typeof decode !== 'function' ||
    !(api.wasmMemory instanceof WebAssembly.Memory) ||
    typeof api.wasmGetDecodedBuffer !== 'function' ||
    typeof api.wasmGetDecodedBufferSize !== 'function' ||
    typeof api.wasmReleaseCodecsContext !== 'function' ||
    typeof native._createDecoderContext !== 'function' ||
    typeof native._createDecoderParameters !== 'function' ||
    typeof native._releaseDecoderParameters !== 'function'
  ) {
    return null;
  }
  return { codecs: native as NativeCodecsInternals, decode: decode as (handle: number, params: number) => void };
}

/** Checks the decoded (or uncompressed) pixel bytes against the header, then writes HU into `out`. */
function pixelsToHu(bytes: Uint8Array, decoded: boolean, layout: PixelLayout, out: Int16Array): void {
  const n = layout.rows * layout.columns;
  const bytesPerPixel = layout.bitsAllocated / 8;
  if (decoded && bytes.byteLength > n * bytesPerPixel + 1) {
    throw new Error(
      `the compressed image holds ${bytes.byteLength} bytes where the header's ${layout.columns} x ${layout.rows} pixels of ${layout.bitsAllocated} bits need ${n * bytesPerPixel}: Rows, Columns or BitsAllocated in the header do not match the image`,
    );
  }
  if (bytes.byteLength < n * bytesPerPixel) {
    throw new Error(
      decoded
        ? `the compressed image holds ${bytes.byteLength} bytes where the header's ${layout.columns} x ${layout.rows} pixels of ${layout.bitsAllocated} bits need ${n * bytesPerPixel}: Rows, Columns or BitsAllocated in the header do not match the image`
        : `pixel data holds ${bytes.byteLength} bytes, ${layout.rows}x${layout.columns} pixels need ${n * bytesPerPixel}`,
    );
  }
  storedToHu(bytes, layout, out);
  maskPadding(bytes, layout, out);
}

/**
 * Padding pixels hold a sentinel, not a measurement. Most scanners pick one far below air
 * (-2000, -3024), harmless for a calcium threshold; but an unsigned sentinel (e.g. 63536, or
 * 0xFFFF) rescales to thousands of HU and would be scored as calcium: such pixels become air.
 */
function maskPadding(bytes: Uint8Array, layout: PixelLayout, out: Int16Array): void {
  const { paddingValue, paddingRangeLimit, slope, intercept } = layout;
  if (paddingValue === null || paddingValue === undefined) return;
  const lo = Math.min(paddingValue, paddingRangeLimit ?? paddingValue);
  const hi = Math.max(paddingValue, paddingRangeLimit ?? paddingValue);
  if (Math.max(lo * slope + intercept, hi * slope + intercept) <= PADDING_HU) return;
  const n = layout.rows * layout.columns;
  const aligned = layout.bitsAllocated === 16 && bytes.byteOffset % 2 !== 0 ? bytes.slice(0, n * 2) : bytes;
  const stored =
    layout.bitsAllocated === 16
      ? layout.pixelRepresentation === 1
        ? new Int16Array(aligned.buffer, aligned.byteOffset, n)
        : new Uint16Array(aligned.buffer, aligned.byteOffset, n)
      : layout.pixelRepresentation === 1
        ? new Int8Array(bytes.buffer, bytes.byteOffset, n)
        : bytes.subarray(0, n);
  for (let p = 0; p < n; p++) {
    const v = stored[p];
    if (v >= lo && v <= hi) out[p] = PADDING_HU;
  }
}

function storedToHu(bytes: Uint8Array, layout: PixelLayout, out: Int16Array): void {
  const n = layout.rows * layout.columns;
  const { slope, intercept, bitsStored, pixelRepresentation } = layout;
  let stored: Int16Array | Uint16Array | Uint8Array | Int8Array;
  if (layout.bitsAllocated === 16) {
    // Typed views need 2-byte alignment; decoded buffers and dataset slices may be odd.
    const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice(0, n * 2);
    stored = pixelRepresentation === 1 ? new Int16Array(aligned.buffer, aligned.byteOffset, n) : new Uint16Array(aligned.buffer, aligned.byteOffset, n);
  } else if (layout.bitsAllocated === 8) {
    stored = pixelRepresentation === 1 ? new Int8Array(bytes.buffer, bytes.byteOffset, n) : bytes.subarray(0, n);
  } else {
    throw new Error(`BitsAllocated ${layout.bitsAllocated} is not supported (CT uses 16)`);
  }
  // Values stored in fewer bits than allocated: sign-extend (signed) or mask (unsigned) the
  // high bits, which may hold overlay or garbage (PS3.5 8.1.1).
  const shift = layout.bitsAllocated - bitsStored;
  const fix = shift > 0 && shift < layout.bitsAllocated;
  const mask = (1 << bitsStored) - 1;
  const integer = slope === 1 && Number.isInteger(intercept);
  if (integer && !fix && stored instanceof Int16Array) {
    // The common CT case (signed 16-bit, slope 1): a copy, plus a shift when the intercept is not 0.
    if (intercept === 0) {
      out.set(stored.subarray(0, n));
      return;
    }
    for (let p = 0; p < n; p++) {
      const hu = stored[p] + intercept;
      out[p] = hu > 32767 ? 32767 : hu < -32768 ? -32768 : hu;
    }
    return;
  }
  for (let p = 0; p < n; p++) {
    let v = stored[p];
    if (fix) v = pixelRepresentation === 1 ? ((v << (32 - bitsStored)) >> (32 - bitsStored)) : v & mask;
    let hu = integer ? v + intercept : Math.round(v * slope + intercept);
    if (hu > 32767) hu = 32767;
    else if (hu < -32768) hu = -32768;
    out[p] = hu;
  }
}
