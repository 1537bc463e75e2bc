// Web Worker: encodes the result as SEG + SR (TID 1500) + PDF (core/encode) off the viewer's
// main thread (the PDF's key images and the SEG frames take seconds on a slow machine). The
// volume's voxels arrive transferred and go back transferred with the encoded objects.
import { Assignment, type AssignmentJson, type LesionSet } from '../../../core/index';
import { encodeResult, type EncodeOptions } from '../../../core/encode/index';
import type { CtVolume, ScoringResult } from '../../../core/types';
import type { PriorComparison } from '../../../core/prior';

export interface EncodeRequest {
  result: ScoringResult;
  lesionSet: LesionSet;
  assignment: AssignmentJson;
  volume: CtVolume;
  options: EncodeOptions;
  /** The comparison with the patient's prior result (SR, PDF, report text), when there is one. */
  prior?: PriorComparison | null;
}

export type EncodeReply =
  | {
      type: 'done';
      hu: Int16Array;
      /** In store order: SEG, SR, PDF. */
      objects: { kind: string; bytes: Uint8Array; sopInstanceUid: string; sopClassUid: string; seriesInstanceUid: string }[];
      reportText: string;
      warnings: string[];
    }
  | { type: 'error'; hu: Int16Array; message: string };

const ctx = self as unknown as { postMessage: (msg: EncodeReply, transfer?: Transferable[]) => void; onmessage: ((e: MessageEvent<EncodeRequest>) => void) | null };

ctx.onmessage = async (e: MessageEvent<EncodeRequest>) => {
  const { result, lesionSet, volume, options, prior } = e.data;
  try {
    const assignment = Assignment.fromJSON(lesionSet, e.data.assignment);
    const encoded = await encodeResult({ result, lesionSet, assignment, volume, prior: prior ?? null }, options);
    const objects = encoded.all.map((o) => ({
      kind: o.kind,
      bytes: o.bytes,
      sopInstanceUid: o.sopInstanceUid,
      sopClassUid: o.sopClassUid,
      seriesInstanceUid: o.seriesInstanceUid,
    }));
    const transfer = [...new Set([volume.hu.buffer as ArrayBuffer, ...objects.map((o) => o.bytes.buffer as ArrayBuffer)])];
    ctx.postMessage(
      {
        type: 'done',
        hu: volume.hu,
        objects,
        reportText: encoded.reportText,
        warnings: encoded.warnings,
      },
      transfer,
    );
  } catch (err) {
    ctx.postMessage({ type: 'error', hu: volume.hu, message: (err as Error).message }, [volume.hu.buffer as ArrayBuffer]);
  }
};
