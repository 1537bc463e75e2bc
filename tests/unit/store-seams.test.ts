// The seams of core saveToArchive / storeResult that let the viewer save the way the CLI does:
// the encoder (the viewer encodes in its Web Worker), the store transport (the viewer sends
// through its data source) and the classification of what a dicomweb-client request gives back.
// The fetch path against a real archive is tested in tests/integration/store-*.test.ts, the
// viewer's transport in the real OHIF viewer in tests/e2e/save.test.ts.
import { describe, expect, it } from 'vitest';
import { encodeResult, type EncodeOptions } from '../../core/encode/index';
import { saveToArchive } from '../../core/store/save';
import { dicomwebClientError, dicomwebClientTransport, storeResult, type StorableObject, type StoreTransport } from '../../core/store/stow';
import { makeFixture } from '../helpers/encode-fixtures';

const URL_ = 'http://archive.test/dicom-web';
const noSleep = async () => {};

/** An archive that holds no calcium report: every QIDO search answers an empty list; anything else is a test failure. */
function emptyArchive(seen: string[]): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    seen.push(`${init?.method ?? 'GET'} ${url}`);
    if ((init?.method ?? 'GET') !== 'GET') throw new Error(`unexpected ${init?.method} ${url}`);
    return new Response('[]', { status: 200, headers: { 'Content-Type': 'application/dicom+json' } });
  }) as typeof fetch;
}

/** dicomweb-client's rejection: an Error with the XMLHttpRequest as `request`. */
const xhrError = (status: number, responseText = '') => Object.assign(new Error('request failed'), { status, request: { status, statusText: '', responseType: '', responseText } });

const KINDS = ['SEG', 'SR', 'PDF'];
/** A stand-in object whose last byte says its kind (what a transport receives is bytes). */
const obj = (kind: string): StorableObject => ({ kind, bytes: new Uint8Array([1, 2, 3, KINDS.indexOf(kind)]), sopInstanceUid: `2.25.${KINDS.indexOf(kind) + 1}`, sopClassUid: '1.2.3' });

describe('saveToArchive through the encoder and transport seams', () => {
  it('encodes with the given encoder as the version the archive gives, and sends SEG, SR, PDF through the transport in order', async () => {
    const f = makeFixture();
    const seen: string[] = [];
    const asked: EncodeOptions[] = [];
    const sent: string[] = [];
    const transport: StoreTransport = async (o) => {
      sent.push(o.kind);
      return null;
    };
    const saved = await saveToArchive(
      { result: f.result, lesionSet: f.lesionSet, assignment: f.assignment, volume: f.volume },
      {
        url: URL_,
        headers: { Authorization: 'Bearer t' },
        fetch: emptyArchive(seen),
        transport,
        encoder: async (input, options) => {
          asked.push(options);
          return encodeResult(input, options);
        },
        encode: { reviewerName: 'Doe^Jane' },
      },
    );
    expect(saved.ok).toBe(true);
    expect(saved.unchanged).toBe(false);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ version: 1, predecessor: null, reviewerName: 'Doe^Jane' });
    expect(sent).toEqual(['SEG', 'SR', 'PDF']);
    expect(saved.outcome.stored.map((s) => s.kind)).toEqual(['SEG', 'SR', 'PDF']);
    // Reads went to the archive's URL (the chain before, the two-reader check after); nothing was POSTed by fetch.
    expect(seen.every((r) => r.startsWith(`GET ${URL_}/studies/`))).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(saved.message).toMatch(/^Stored SEG \+ SR \+ PDF as calcium report version 1 in /);
  });

  it('when the archive cannot be read, encodes version 1 but sends nothing and keeps every object', async () => {
    const f = makeFixture();
    let sent = 0;
    const saved = await saveToArchive(
      { result: f.result, lesionSet: f.lesionSet, assignment: f.assignment, volume: f.volume },
      {
        url: URL_,
        fetch: (async () => {
          throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
        }) as typeof fetch,
        transport: async () => {
          sent++;
          return null;
        },
      },
    );
    expect(saved.ok).toBe(false);
    expect(sent).toBe(0);
    expect(saved.chain.known).toBe(false);
    expect(saved.outcome.pending.map((p) => p.kind)).toEqual(['SEG', 'SR', 'PDF']);
    expect(saved.message).toMatch(/cannot reach the archive at .*ECONNREFUSED.*3 objects \(SEG, SR, PDF\) not stored/);
  });
});

describe('storeResult through a transport', () => {
  it('retries a transient failure (HTTP 503) and stops at a final one (HTTP 409), with the archive answer and the rest kept', async () => {
    const calls: string[] = [];
    let srTries = 0;
    const transport = dicomwebClientTransport(
      {
        async storeInstances({ datasets }) {
          const kind = KINDS[new Uint8Array(datasets[0])[3]];
          calls.push(kind);
          if (kind === 'SR' && ++srTries < 3) throw xhrError(503, 'busy');
          if (kind === 'PDF') throw xhrError(409, 'Conflict: instance exists with other data');
          return [];
        },
      },
      URL_,
    );
    const delays: number[] = [];
    const out = await storeResult([obj('SEG'), obj('SR'), obj('PDF')], { url: URL_, transport, retries: 3, backoffMs: 10, sleep: async (ms) => void delays.push(ms) });
    expect(calls).toEqual(['SEG', 'SR', 'SR', 'SR', 'PDF']);
    expect(delays).toEqual([10, 20]);
    expect(out.stored.map((s) => [s.kind, s.attempts])).toEqual([
      ['SEG', 1],
      ['SR', 3],
    ]);
    expect(out.failure).toMatchObject({ kind: 'PDF', status: 409, attempts: 1 });
    expect(out.failure!.message).toContain('HTTP 409: Conflict: instance exists with other data');
    expect(out.pending.map((p) => p.kind)).toEqual(['PDF']);
  });

  it('a transport that never answers fails within the time limit, once, says the archive may still store it, and is aborted', async () => {
    let calls = 0;
    let aborted = false;
    const transport: StoreTransport = (_o, signal) => {
      calls++;
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => {});
    };
    const t0 = Date.now();
    const out = await storeResult([obj('SEG'), obj('SR'), obj('PDF')], { url: URL_, transport, timeoutMs: 200, retries: 3, sleep: noSleep });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(calls).toBe(1);
    expect(aborted).toBe(true);
    expect(out.failure).toMatchObject({ kind: 'SEG', status: null, attempts: 1 });
    expect(out.failure!.message).toContain('no answer within 0.2 s');
    expect(out.failure!.message).toContain('The archive did not answer within 0.2 s while storing the SEG (it may still store it');
    expect(out.pending.map((p) => p.kind)).toEqual(['SEG', 'SR', 'PDF']);
  });

  it('a 200 answer that lists the object in FailedSOPSequence is a refusal, not a success', async () => {
    const failed = JSON.stringify({ '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['2.25.2'] }, '00081197': { vr: 'US', Value: [272] } }] } });
    const transport = dicomwebClientTransport({ storeInstances: async () => failed }, URL_);
    const out = await storeResult([obj('SR')], { url: URL_, transport, sleep: noSleep });
    expect(out.ok).toBe(false);
    expect(out.failure!.message).toContain('failure reason 272');
    expect(out.failure!.attempts).toBe(1);
  });
});

describe('what a dicomweb-client request gives back, classified', () => {
  it('no answer (status 0) is unreachable and worth retrying; 5xx, 408, 429 transient; other 4xx final, with the answer body', () => {
    const none = dicomwebClientError(xhrError(0), URL_, 'the calcium SEG');
    expect(none).toMatchObject({ failure: 'unreachable', status: null, transient: true });
    expect(none.message).toMatch(/^cannot reach the archive at http:\/\/archive\.test\/dicom-web for the calcium SEG/);
    expect(dicomwebClientError(xhrError(502, 'Bad gateway'), URL_, 'x')).toMatchObject({ status: 502, transient: true, body: 'Bad gateway' });
    expect(dicomwebClientError(xhrError(429), URL_, 'x').transient).toBe(true);
    expect(dicomwebClientError(xhrError(408), URL_, 'x').transient).toBe(true);
    const refused = dicomwebClientError(xhrError(400, '  bad\n  request  '), URL_, 'the calcium SR');
    expect(refused).toMatchObject({ failure: 'http', status: 400, transient: false, body: 'bad request' });
    expect(refused.message).toBe('the archive at http://archive.test/dicom-web answered HTTP 400 to the calcium SR: bad request');
    // An answer read as bytes (responseType arraybuffer) is decoded for the message.
    const bytes = new TextEncoder().encode('Unauthorized').buffer;
    const e = Object.assign(new Error('request failed'), { request: { status: 401, responseType: 'arraybuffer', response: bytes } });
    expect(dicomwebClientError(e, URL_, 'x')).toMatchObject({ status: 401, transient: false, body: 'Unauthorized' });
  });
});
