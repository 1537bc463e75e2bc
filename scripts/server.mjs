// The project's small web server (node:http only): serves the prebuilt OHIF viewer, the
// plugin bundles and a generated app-config.js from one origin, and proxies /dicom-web to
// the archive. One origin matters twice: Orthanc sends no CORS headers, and WASM threads
// (onnxruntime-web) need cross-origin isolation, so every response carries COOP/COEP/CORP
// (docs/platform.md).
//
// It is also the archive's gate (issue 9): a malformed URL gets 400 and the server lives on;
// only DICOMweb resources under /dicom-web and only the methods DICOMweb uses are forwarded,
// after decoding and checking every path segment, and the upstream path is rebuilt from the
// checked parts; a POST (STOW) must come from this origin; the client's Host, Forwarded and
// X-Forwarded-* are never passed on (the archive is told this server's public origin);
// request bodies are read in full before an upstream connection is taken, upstream
// connections are capped, and every request has client and upstream time limits.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

export class UserError extends Error {}

export const EXTENSION_ID = 'ohif-calcium-scoring-extension';
export const MODE_ID = 'calcium-scoring';
/** URL paths of the bundles; the folder names carry the package names so the mode can find its extension. */
export const EXTENSION_PATH = `/plugins/${EXTENSION_ID}/index.js`;
export const MODE_PATH = '/plugins/ohif-calcium-scoring-mode/index.js';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonc': 'application/json; charset=utf-8',
  '.webapp': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.onnx': 'application/octet-stream',
  '.xml': 'application/xml',
};

/** Headers for cross-origin isolation (SharedArrayBuffer, WASM threads) on every response. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The Content-Security-Policy the OHIF viewer works with: its own scripts plus the inline
 * scripts of its index.html (by hash), WebAssembly ('wasm-unsafe-eval'), string evaluation
 * ('unsafe-eval': OHIF 3.13's bundles need it, e.g. its DICOM SEG loader builds a function with
 * `new Function` and a JPEG-LS decoder chunk calls eval; without it a SEG does not open and a
 * JPEG-LS series does not decode; inline scripts other than index.html's stay refused), workers and images
 * from blob: URLs, inline styles (React and cornerstone set style attributes), nothing from
 * another origin, and no framing by other sites.
 */
export function contentSecurityPolicy(inlineScriptHashes = []) {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'${inlineScriptHashes.map((h) => ` '${h}'`).join('')}`,
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "object-src 'self' blob:",
    "frame-src 'self' blob:",
    "frame-ancestors 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    // Violations are reported to this server, which prints each kind once (a blocked resource
    // is a bug to fix in this policy or the plugin, never silent).
    'report-uri /csp-report',
  ].join('; ');
}

/** sha256 hashes of the inline <script> elements of an HTML page, in CSP form. */
export function inlineScriptHashes(html) {
  const hashes = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]) || m[2] === '') continue;
    hashes.push(`sha256-${crypto.createHash('sha256').update(m[2], 'utf8').digest('base64')}`);
  }
  return hashes;
}

/** Headers on every response: isolation, no MIME sniffing, no framing by other sites, the CSP. */
function securityHeaders(csp) {
  return {
    ...ISOLATION,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'SAMEORIGIN',
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': csp,
  };
}

/**
 * The viewer's configuration: one DICOMweb data source at this origin's /dicom-web, the
 * plugin bundles by URL, nothing external. Same shape as OHIF's own config/default.js.
 */
export function appConfigSource({ extensionUrl = EXTENSION_PATH, modeUrl = MODE_PATH, dicomWebPath = '/dicom-web' } = {}) {
  return `/** @type {AppTypes.Config} */
// Generated by scripts/server.mjs (ohif-calcium-scoring). The calcium scoring extension and
// mode are loaded at run time from the URLs below; the archive is reached through this
// server's same-origin proxy at ${dicomWebPath}.
(function () {
  var root = window.location.origin + ${JSON.stringify(dicomWebPath)};
  window.config = {
    name: 'ohif-calcium-scoring',
    routerBasename: null,
    extensions: [${JSON.stringify(extensionUrl)}],
    modes: [${JSON.stringify(modeUrl)}],
    customizationService: {},
    showStudyList: true,
    maxNumberOfWebWorkers: 3,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: true,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    groupEnabledModesFirst: true,
    maxNumRequests: { interaction: 100, thumbnail: 5, prefetch: 25 },
    showErrorDetails: 'production',
    investigationalUseDialog: { option: 'never' },
    defaultDataSourceName: 'dicomweb',
    dataSources: [
      {
        namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
        sourceName: 'dicomweb',
        configuration: {
          friendlyName: 'Calcium scoring archive',
          name: 'dicomweb',
          wadoUriRoot: root,
          qidoRoot: root,
          wadoRoot: root,
          qidoSupportsIncludeField: true,
          imageRendering: 'wadors',
          thumbnailRendering: 'wadors',
          enableStudyLazyLoad: true,
          supportsFuzzyMatching: false,
          supportsWildcard: true,
          dicomUploadEnabled: true,
          omitQuotationForMultipartRequest: true,
          bulkDataURI: { enabled: true },
        },
      },
    ],
    httpErrorHandler: function (error) {
      console.warn('DICOMweb request failed', error && error.status);
    },
  };
})();
`;
}


class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/**
 * Split a request target into decoded path segments and the raw query. Refuses (400) what a
 * browser never sends: a target that is not a path, bad percent-encoding, NUL or control
 * characters, an encoded '/' or '\\' inside a segment, '.' or '..' segments, empty segments
 * and a '%' left after decoding (double encoding).
 */
export function parseTarget(rawUrl) {
  if (typeof rawUrl !== 'string' || !rawUrl.startsWith('/')) throw new HttpError(400, 'Bad request: the target must be a path.');
  if (!/^[\x21-\x7e]*$/.test(rawUrl)) throw new HttpError(400, 'Bad request: the URL holds characters that must be percent-encoded.');
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  if (rawPath.includes('\\')) throw new HttpError(400, 'Bad request: backslash in the path.');
  const parts = rawPath.split('/').slice(1);
  const segments = [];
  for (let i = 0; i < parts.length; i++) {
    let seg;
    try {
      seg = decodeURIComponent(parts[i]);
    } catch {
      throw new HttpError(400, 'Bad request: malformed percent-encoding in the path.');
    }
    if (/[\x00-\x1f\x7f]/.test(seg)) throw new HttpError(400, 'Bad request: control character in the path.');
    if (/[/\\]/.test(seg)) throw new HttpError(400, 'Bad request: encoded slash in the path.');
    if (seg.includes('%')) throw new HttpError(400, 'Bad request: double percent-encoding in the path.');
    if (seg === '.' || seg === '..') throw new HttpError(400, 'Bad request: "." or ".." in the path.');
    if (seg === '') {
      if (i === parts.length - 1) break; // a trailing slash
      throw new HttpError(400, 'Bad request: empty segment in the path.');
    }
    segments.push(seg);
  }
  for (const pair of query.split('&')) {
    let value;
    try {
      value = decodeURIComponent(pair.replace(/\+/g, ' '));
    } catch {
      throw new HttpError(400, 'Bad request: malformed percent-encoding in the query.');
    }
    if (/[\x00-\x1f\x7f]/.test(value)) throw new HttpError(400, 'Bad request: control character in the query.');
  }
  return { segments, trailingSlash: rawPath.length > 1 && rawPath.endsWith('/'), query };
}

// ---- which DICOMweb requests are forwarded ----

/** A UID as real archives hold them (digits and dots; some carry letters): one segment, never '.' or '..'. */
const UID = /^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$/;
const FRAMES = /^\d{1,6}(,\d{1,6}){0,999}$/;
const TAG = /^[0-9A-Fa-f]{8}$/;
const ITEM = /^\d{1,6}$/;
const RENDITION = new Set(['metadata', 'rendered', 'thumbnail']);

/**
 * The DICOMweb resources this proxy forwards (PS3.18 QIDO-RS, WADO-RS, STOW-RS), given the
 * segments after /dicom-web: 'read' for GET/HEAD resources, 'store' for STOW-RS targets
 * (which also answer GET), or null for anything else (Orthanc's REST API, the DICOMweb
 * plugin's admin routes such as /servers, WADO-URI).
 */
export function dicomWebResource(seg) {
  const n = seg.length;
  if (n === 0) return null;
  if (n === 1) return seg[0] === 'studies' ? 'store' : seg[0] === 'series' || seg[0] === 'instances' ? 'read' : null;
  if (seg[0] !== 'studies' || !UID.test(seg[1])) return null;
  if (n === 2) return 'store';
  let i = 2;
  // studies/{study}[/series/{series}[/instances/{instance}]]
  for (const level of ['series', 'instances']) {
    if (seg[i] !== level) break;
    if (i + 1 === n) return 'read'; // QIDO of the level below
    if (!UID.test(seg[i + 1])) return null;
    i += 2;
    if (i === n) return 'read';
  }
  const atInstance = seg[i - 2] === 'instances';
  const rest = seg.slice(i);
  if (rest.length === 1 && RENDITION.has(rest[0])) return 'read';
  if (!atInstance && rest.length === 1 && (rest[0] === 'series' || rest[0] === 'instances')) return 'read';
  if (atInstance && rest[0] === 'frames' && rest.length >= 2 && FRAMES.test(rest[1])) {
    if (rest.length === 2) return 'read';
    if (rest.length === 3 && (rest[2] === 'rendered' || rest[2] === 'thumbnail')) return 'read';
    return null;
  }
  // Bulk data as Orthanc's DICOMweb plugin names it: .../instances/{uid}/bulk/{tag}[/{item}/{tag}...]
  if (atInstance && rest[0] === 'bulk' && rest.length >= 2 && rest.length <= 17) {
    return rest.slice(1).every((s, k) => (k % 2 === 0 ? TAG.test(s) : ITEM.test(s))) ? 'read' : null;
  }
  return null;
}

/** Request headers passed on to the archive; everything else (Host, Cookie, Origin, Forwarded, X-Forwarded-*) stays here. */
const FORWARD_REQUEST = ['accept', 'accept-encoding', 'content-type', 'content-length', 'range', 'if-none-match', 'if-modified-since', 'authorization', 'user-agent'];
/** Response headers not passed back (hop-by-hop). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer', 'te']);

/** A counting gate for upstream connections with a waiting line that gives up after `timeoutMs`. */
function gate(max) {
  let active = 0;
  const waiting = [];
  return {
    get active() {
      return active;
    },
    acquire(timeoutMs, signal) {
      if (signal.aborted) return Promise.reject(new HttpError(499, 'client went away'));
      if (active < max) {
        active++;
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => {
        const entry = { resolve, reject };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(entry), 1);
          reject(new HttpError(503, 'The archive is busy; try again.', { 'Retry-After': '5' }));
        }, timeoutMs);
        entry.resolve = () => {
          clearTimeout(timer);
          resolve();
        };
        signal.addEventListener('abort', () => {
          const k = waiting.indexOf(entry);
          if (k >= 0) waiting.splice(k, 1);
          clearTimeout(timer);
          reject(new HttpError(499, 'client went away'));
        });
        waiting.push(entry);
      });
    },
    release() {
      const next = waiting.shift();
      if (next) next.resolve();
      else active--;
    },
  };
}

/**
 * Start the server. `viewerDir`: the OHIF dist folder; `pluginDir`: this project's dist/;
 * `dicomWebUrl`: the archive's DICOMweb root (e.g. http://127.0.0.1:8042/dicom-web);
 * `publicUrl`: the origin browsers use (default http://HOST:PORT; needed behind a reverse
 * proxy or with --host 0.0.0.0 and a host name). Resolves to { url, port, close() }.
 */
export function startServer({
  port,
  host = '127.0.0.1',
  viewerDir,
  pluginDir,
  dicomWebUrl,
  publicUrl,
  portOption = '--port PORT (or PORT=PORT)',
  maxUpstream = 24,
  maxBodyBytes = 512 * 1024 * 1024,
  maxBufferedBytes = 1024 * 1024 * 1024,
  headersTimeoutMs = 15_000,
  requestTimeoutMs = 120_000,
  upstreamTimeoutMs = 120_000,
  queueTimeoutMs = 30_000,
}) {
  const upstream = new URL(dicomWebUrl);
  const upstreamBase = upstream.pathname.replace(/\/+$/, '');
  const lib = upstream.protocol === 'https:' ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: maxUpstream, maxFreeSockets: 8 });
  const dicomWebPath = '/dicom-web';
  const config = appConfigSource({ dicomWebPath });
  const viewerRoot = path.resolve(viewerDir);
  const pluginRoot = path.resolve(pluginDir);
  let indexHtml = '';
  try {
    indexHtml = fs.readFileSync(path.join(viewerRoot, 'index.html'), 'utf8');
  } catch {
    /* answered with 404 below */
  }
  const headers = securityHeaders(contentSecurityPolicy(inlineScriptHashes(indexHtml)));
  const upstreamSlots = gate(maxUpstream);
  let buffered = 0;
  /** Set once listening: the public origin and the Host values this server answers to. */
  let origin = '';
  let allowedHosts = new Set();
  const anyAddress = host === '0.0.0.0' || host === '::' || host === '';

  const send = (res, status, body, type = 'text/plain; charset=utf-8', extra = {}) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(status, { ...headers, 'Content-Type': type, 'Cache-Control': 'no-cache', ...extra });
    res.end(body);
  };

  function serveFile(req, res, file, { cache }) {
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) return send(res, 404, 'Not found\n');
      const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': st.size, 'Cache-Control': cache ? 'public, max-age=3600' : 'no-cache' });
      if (req.method === 'HEAD') return res.end();
      const stream = fs.createReadStream(file);
      stream.on('error', () => res.destroy());
      res.on('close', () => stream.destroy());
      stream.pipe(res);
    });
  }

  /** Whether a Host header names this server (defends against DNS rebinding). */
  function knownHost(value) {
    if (!value) return false;
    const h = value.toLowerCase();
    if (allowedHosts.has(h)) return true;
    if (!anyAddress) return false;
    // Listening on every interface: any IP literal of this machine with our port.
    const m = /^(\[[0-9a-f:.]+\]|[0-9.]+):(\d+)$/.exec(h);
    return !!m && Number(m[2]) === server.address()?.port && net.isIP(m[1].replace(/^\[|\]$/g, '')) !== 0;
  }

  /** STOW and any other non-read request must come from this origin (not another site or port). */
  function checkSameOrigin(req) {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new HttpError(403, 'Refused: the request comes from another site or origin.');
    }
    const o = req.headers.origin;
    if (o !== undefined && o !== origin && o !== `${new URL(origin).protocol}//${req.headers.host}`) {
      throw new HttpError(403, `Refused: requests that change the archive must come from ${origin}.`);
    }
  }

  /** Read the whole request body (bounded in size and, by the server's requestTimeout, in time). */
  function readBody(req) {
    return new Promise((resolve, reject) => {
      const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : null;
      if (declared !== null && !(Number.isInteger(declared) && declared >= 0)) return reject(new HttpError(400, 'Bad request: Content-Length.'));
      if (declared !== null && declared > maxBodyBytes) return reject(new HttpError(413, `Request body over ${maxBodyBytes} bytes.`));
      if (buffered + (declared ?? 0) > maxBufferedBytes) return reject(new HttpError(503, 'Too many uploads at once; try again.', { 'Retry-After': '5' }));
      const chunks = [];
      let size = 0;
      let done = false;
      const finish = (err, value) => {
        if (done) return;
        done = true;
        buffered -= size;
        if (err) reject(err);
        else resolve(value);
      };
      req.on('data', (c) => {
        size += c.length;
        buffered += c.length;
        if (size > maxBodyBytes || buffered > maxBufferedBytes) {
          finish(new HttpError(size > maxBodyBytes ? 413 : 503, size > maxBodyBytes ? `Request body over ${maxBodyBytes} bytes.` : 'Too many uploads at once; try again.'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => finish(null, Buffer.concat(chunks, size)));
      req.on('error', () => finish(new HttpError(499, 'client went away')));
      req.on('close', () => finish(new HttpError(499, 'client went away')));
    });
  }

  async function proxy(req, res, segments, query) {
    const kind = dicomWebResource(segments);
    if (!kind) throw new HttpError(404, 'Not a DICOMweb resource this server forwards.');
    const method = req.method;
    const allow = kind === 'store' ? 'GET, HEAD, POST, OPTIONS' : 'GET, HEAD, OPTIONS';
    if (method === 'OPTIONS') return send(res, 204, '', 'text/plain; charset=utf-8', { Allow: allow });
    if (method === 'POST' && kind !== 'store') throw new HttpError(405, 'Method not allowed here.', { Allow: allow });
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') throw new HttpError(405, 'Method not allowed.', { Allow: allow });
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw new HttpError(403, 'Refused: the request comes from another site or origin.');
    if (method === 'POST') checkSameOrigin(req);

    // OHIF sends includefield=a%2Cb; Orthanc's DICOMweb plugin (1.7) only splits a literal comma
    // and then leaves out e.g. StudyDescription. Decode the commas of that one parameter.
    const q = query.replace(/(^|&)(includefield=)([^&]*)/gi, (_m, sep, key, value) => sep + key + value.replace(/%2C/gi, ','));
    const targetPath = `${upstreamBase}/${segments.map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;

    // A client that goes away aborts the upstream request (and its place in the waiting line).
    const abort = new AbortController();
    let complete = false;
    res.on('close', () => {
      if (!complete) abort.abort();
    });
    const body = method === 'POST' ? await readBody(req) : null;
    await upstreamSlots.acquire(queueTimeoutMs, abort.signal);
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        upstreamSlots.release();
      }
    };
    const h = {};
    for (const name of FORWARD_REQUEST) if (req.headers[name] !== undefined) h[name] = req.headers[name];
    const pub = new URL(origin);
    h.host = upstream.host;
    // RFC 7239: the archive builds its URLs (BulkDataURI, RetrieveURL) from this, never from the client's Host.
    h.forwarded = `host=${pub.host};proto=${pub.protocol.replace(':', '')}`;
    if (body) h['content-length'] = String(body.length);
    await new Promise((resolve, reject) => {
      let out;
      try {
        out = lib.request(
        { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, path: targetPath, method, headers: h, agent, signal: abort.signal },
        (up) => {
          const rh = {};
          for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k)) rh[k] = v;
          res.writeHead(up.statusCode ?? 502, { ...rh, ...headers });
          up.pipe(res);
          up.on('end', () => {
            complete = true;
            release();
            resolve();
          });
          up.on('error', () => {
            release();
            res.destroy();
            resolve();
          });
        },
        );
      } catch (e) {
        release();
        return reject(e);
      }
      out.setTimeout(upstreamTimeoutMs, () => out.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      out.on('error', (e) => {
        release();
        resolve();
        if (abort.signal.aborted) return; // the client went away: nothing to answer
        const timeout = e.code === 'ETIMEDOUT';
        send(
          res,
          timeout ? 504 : 502,
          JSON.stringify({
            error: timeout
              ? `The DICOMweb archive at ${upstream.origin}${upstreamBase} did not answer within ${upstreamTimeoutMs / 1000} s.`
              : `The DICOMweb archive at ${upstream.origin}${upstreamBase} is unreachable (${e.code ?? e.message}).`,
          }),
          'application/json; charset=utf-8',
        );
      });
      out.on('close', () => {
        release();
        resolve();
      });
      out.end(body ?? undefined);
    });
  }

  /** CSP violation reports (report-uri): printed once per kind, kept for tests; small and bounded. */
  const cspViolations = [];
  async function cspReport(req, res) {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!(declared >= 0 && declared <= 64 * 1024)) throw new HttpError(413, 'Report too large.');
    const chunks = [];
    let size = 0;
    for await (const c of req) {
      size += c.length;
      if (size > 64 * 1024) throw new HttpError(413, 'Report too large.');
      chunks.push(c);
    }
    let r = {};
    try {
      r = JSON.parse(Buffer.concat(chunks).toString('utf8'))['csp-report'] ?? {};
    } catch {
      throw new HttpError(400, 'Not a CSP report.');
    }
    const text = `refused ${String(r['blocked-uri'] ?? '?').slice(0, 200)} (${String(r['effective-directive'] ?? r['violated-directive'] ?? '?').slice(0, 100)}) in ${String(r['source-file'] ?? r['document-uri'] ?? '?').slice(0, 200)}`;
    if (!cspViolations.includes(text) && cspViolations.length < 100) {
      cspViolations.push(text);
      console.error(`server: Content-Security-Policy ${text}`);
    }
    send(res, 204, '');
  }

  async function handle(req, res) {
    if (!knownHost(req.headers.host)) {
      throw new HttpError(421, `This server answers as ${origin}. Open that address, or start it with --public-url set to the address you use.`);
    }
    const { segments, query } = parseTarget(req.url ?? '');
    if (segments[0] === 'dicom-web') return proxy(req, res, segments.slice(1), query);
    const urlPath = '/' + segments.join('/');
    if (urlPath === '/csp-report' && req.method === 'POST') return cspReport(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    if (urlPath === '/app-config.js') return send(res, 200, config, TYPES['.js']);
    if (urlPath === '/healthz') return send(res, 200, 'ok\n');
    if (segments[0] === 'plugins') return serveFile(req, res, path.join(pluginRoot, ...segments.slice(1)), { cache: false });
    // The viewer is a single-page app: routes like /viewer or /calcium-scoring get index.html.
    if (segments.length === 0 || !path.extname(urlPath)) return serveFile(req, res, path.join(viewerRoot, 'index.html'), { cache: false });
    return serveFile(req, res, path.join(viewerRoot, ...segments), { cache: true });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (e instanceof HttpError) {
        if (e.status === 499) return res.destroy();
        if (req.method === 'POST' || req.method === 'PUT') res.setHeader('Connection', 'close'); // an unread body
        return send(res, e.status, `${e.message}\n`, 'text/plain; charset=utf-8', e.headers);
      }
      console.error(`server: ${req.method} ${JSON.stringify(req.url)}: ${e?.stack ?? e}`);
      send(res, 500, 'Internal error\n');
    });
  });
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  server.keepAliveTimeout = 5000;
  server.setTimeout(upstreamTimeoutMs + 10_000);
  return new Promise((resolve, reject) => {
    server.once('error', (e) => {
      if (e.code === 'EADDRINUSE') reject(new UserError(`Port ${port} for the viewer is already in use. Choose another with ${portOption}.`));
      else if (e.code === 'EACCES') reject(new UserError(`Not allowed to listen on port ${port}. Choose a port above 1024 with ${portOption}.`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new UserError(`Cannot listen on ${host}: not an address of this machine. Choose another with --host HOST.`));
      else reject(e);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.on('error', (e) => console.error(`server: ${e.message}`));
      const actual = server.address().port;
      const shown = anyAddress ? '127.0.0.1' : net.isIPv6(host) ? `[${host}]` : host;
      const url = `http://${shown}:${actual}`;
      origin = publicUrl ? new URL(publicUrl).origin : url;
      allowedHosts = new Set(
        [new URL(origin).host, `${shown}:${actual}`, `127.0.0.1:${actual}`, `localhost:${actual}`, `[::1]:${actual}`].map((x) => x.toLowerCase()),
      );
      resolve({
        port: actual,
        url,
        origin,
        cspViolations,
        closed: new Promise((r) => server.once('close', () => r())),
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections?.();
            agent.destroy();
          }),
      });
    });
  });
}
