/**
 * A fault-injecting HTTP proxy on loopback in front of a real archive (Orthanc): per request it
 * forwards, answers with an error, drops the connection mid-upload, holds the request without
 * ever answering (a hung archive), or forwards after a delay. Only what a real archive cannot be
 * made to do on purpose is faked here; everything forwarded is Orthanc's own answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction = { status: number; body: string } | 'drop' | 'forward' | 'hang' | { delayMs: number };

export interface FaultProxy {
  /** The proxied DICOMweb root (…/dicom-web). */
  url: string;
  /** POST requests seen so far (STOW-RS). */
  posts(): number;
  /** Every request seen, as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

/**
 * `upstream` is the archive's base URL (e.g. http://127.0.0.1:8042); `decide` is asked per POST
 * (n = 1, 2, ...) and, when `all` is set, per request of any method (n = 0 for non-POSTs).
 */
export async function faultProxy(
  upstream: string,
  decide: (n: number, req: http.IncomingMessage) => FaultAction,
  opts: { all?: boolean } = {},
): Promise<FaultProxy> {
  let posts = 0;
  const requests: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const n = req.method === 'POST' ? ++posts : 0;
    const action = req.method === 'POST' || opts.all ? decide(n, req) : 'forward';
    if (action === 'drop') {
      // Let part of the upload arrive, then cut the connection.
      req.once('data', () => req.socket.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (action === 'hang') return; // accepted, never answered
      if (typeof action === 'object' && 'status' in action) {
        res.writeHead(action.status, { 'Content-Type': 'text/plain' });
        res.end(action.body);
        return;
      }
      if (typeof action === 'object') await new Promise((r) => setTimeout(r, action.delayMs));
      try {
        const upstreamRes = await fetch(`${upstream}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => ['content-type', 'accept'].includes(k))) as Record<string, string>,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        });
        const body = Buffer.from(await upstreamRes.arrayBuffer());
        res.writeHead(upstreamRes.status, { 'Content-Type': upstreamRes.headers.get('content-type') ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.destroy();
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`,
    posts: () => posts,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
