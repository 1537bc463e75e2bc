// The server of `npm start` as an attacker sees it (issue 9, deliverable 4), probed against
// the real server and a real Orthanc: malformed URLs, traversal into Orthanc's REST API,
// the DICOMweb plugin's admin routes, methods, another origin's no-cors POST (in a real
// Chromium), forged Host / Forwarded, security headers, slow bodies, aborted clients, the
// Orthanc folder (config never overwritten, one instance per folder), and process cleanup
// (start.ts never leaves Orthanc behind; nothing is stopped by name).
// One stand-in: the "archive that never answers" in the abort and timeout tests is a small
// node:http server, because a real Orthanc cannot be made to hold a request open on demand.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stowInstances } from '../../scripts/demo-study';
import { ensureViewer } from '../../scripts/fetch-viewer.mjs';
import { DIST_DIR, ensureBuilt } from '../../scripts/lib/build.mjs';
import { CONFIG_NAME, freePort, LOCK_NAME, pidAlive, startOrthanc, type RunningOrthanc } from '../../scripts/lib/orthanc.mjs';
import { startServer, type RunningServer } from '../../scripts/server.mjs';
import { CHROMIUM, CHROMIUM_ARGS, REPO_ROOT } from './harness';

const QRM = path.resolve(REPO_ROOT, '../shared/data/qrm-phantom');
const SR = path.resolve(REPO_ROOT, '../shared/data/reference-objects/dcmqi-tid1500-sr.dcm');
// A small complete DICOM file (4.7 KB) that no other test here stores.
const SMALL = path.resolve(REPO_ROOT, '../shared/data/reference-objects/highdicom-seg-ct-binary.dcm');

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP/1.1 request written byte for byte (no client-side URL normalisation). */
function raw(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const h = { Host: `127.0.0.1:${port}`, Connection: 'close', ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) };
    sock.on('connect', () => {
      sock.write(`${method} ${target} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      if (body) sock.write(body);
    });
    sock.on('data', (c) => chunks.push(c));
    sock.setTimeout(20_000, () => sock.destroy(new Error(`no answer to ${method} ${target}`)));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head, ...rest] = text.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = Number(lines[0]?.split(' ')[1]);
      if (!status) return reject(new Error(`no HTTP answer to ${method} ${target}: ${JSON.stringify(text.slice(0, 200))}`));
      const hs: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        hs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status, headers: hs, body: rest.join('\r\n\r\n') });
    });
  });
}

const instanceCount = async (orthanc: RunningOrthanc) => ((await (await fetch(`${orthanc.url}/instances`)).json()) as string[]).length;
const tmpDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `cacs-${name}-`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('the server in front of a real Orthanc', () => {
  let orthanc: RunningOrthanc;
  let server: RunningServer;
  let viewerDir: string;
  let dir: string;
  let slice: Buffer;
  let studyUid: string;
  let seriesUid: string;

  beforeAll(async () => {
    viewerDir = ensureViewer({ log: () => undefined });
    ensureBuilt({ log: () => undefined });
    dir = tmpDir('server-security');
    orthanc = await startOrthanc({ port: await freePort(), dir });
    server = await startServer({ port: await freePort(), viewerDir, pluginDir: DIST_DIR, dicomWebUrl: orthanc.dicomWebUrl });
    slice = fs.readFileSync(path.join(QRM, fs.readdirSync(QRM).find((f) => f.endsWith('.dcm'))!));
    await stowInstances(orthanc.dicomWebUrl, [new Uint8Array(slice)]);
    const studies = (await (await fetch(`${orthanc.dicomWebUrl}/studies`)).json()) as Record<string, { Value: string[] }>[];
    studyUid = studies[0]['0020000D'].Value[0];
    const series = (await (await fetch(`${orthanc.dicomWebUrl}/studies/${studyUid}/series`)).json()) as Record<string, { Value: string[] }>[];
    seriesUid = series[0]['0020000E'].Value[0];
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await orthanc?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers malformed URLs with 400 and keeps serving', async () => {
    for (const target of ['/a%00.js', '/%E0%A4%A', '/plugins/%ff%fe.js', '/dicom-web/studies%00', '/dicom-web/studies?x=%zz', '/app%2fconfig.js', '/a\\b.js']) {
      const res = await raw(server.port, 'GET', target);
      expect(res.status, target).toBe(400);
    }
    const ok = await raw(server.port, 'GET', '/healthz');
    expect(ok.status).toBe(200);
  });

  it("never lets a path reach Orthanc's REST API (traversal, encoded dots and slashes, double encoding)", async () => {
    const patients = ((await (await fetch(`${orthanc.url}/patients`)).json()) as string[])[0];
    const probes = [
      '/dicom-web/../patients',
      '/dicom-web/..%2fpatients',
      '/dicom-web/..%2Fpatients',
      '/dicom-web/%2e%2e/patients',
      '/dicom-web/%2E%2E%2Fpatients',
      '/dicom-web/studies/..%2f..%2fpatients',
      '/dicom-web/%252e%252e/patients',
      '/dicom-web/%252e%252e%252fpatients',
      '/dicom-web/studies/%2e%2e/%2e%2e/system',
      '/dicom-web/patients',
      `/dicom-web/..%2fpatients/${patients}`,
      '/dicom-web/..%5cpatients',
      '/dicom-web/servers',
      '/dicom-web/info',
      '/dicom-web/studies/1.2/series/3.4/bogus',
    ];
    for (const p of probes) {
      const res = await raw(server.port, 'GET', p);
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.body, p).not.toContain(patients);
      expect(res.body, p).not.toMatch(/"(ApiVersion|DicomAet|Version)"/);
    }
  });

  it('refuses an upload through the REST API, DELETE, /tools/shutdown and the plugin admin route', async () => {
    const before = await instanceCount(orthanc);
    const study = ((await (await fetch(`${orthanc.url}/studies`)).json()) as string[])[0];
    const attempts: [string, string, Buffer?][] = [
      ['POST', '/dicom-web/..%2finstances', slice],
      ['POST', '/dicom-web/%2e%2e/instances', slice],
      ['POST', '/dicom-web/instances', slice],
      ['DELETE', `/dicom-web/..%2fstudies/${study}`],
      ['DELETE', `/dicom-web/studies/${studyUid}`],
      ['PUT', '/dicom-web/servers/evil', Buffer.from(JSON.stringify({ Url: 'http://127.0.0.1:9/dicom-web/' }))],
      ['POST', '/dicom-web/servers/evil/stow', Buffer.from('{"Resources":[]}')],
      ['POST', '/dicom-web/..%2ftools/shutdown', Buffer.from('')],
      ['POST', '/dicom-web/%2e%2e/tools/shutdown', Buffer.from('')],
    ];
    for (const [method, target, body] of attempts) {
      const res = await raw(server.port, method, target, { 'Content-Type': 'application/dicom' }, body);
      expect(res.status, `${method} ${target}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${target}`).toBeLessThan(500);
    }
    expect((await fetch(`${orthanc.url}/system`)).status).toBe(200);
    expect(await instanceCount(orthanc)).toBe(before);
    expect(((await (await fetch(`${orthanc.url}/studies`)).json()) as string[])).toContain(study);
    expect(await (await fetch(`${orthanc.dicomWebUrl}/servers`)).json()).toEqual([]);
  });

  it('forwards what OHIF uses: QIDO, metadata, frames, bulk data, and STOW from its own origin', async () => {
    const base = `${server.url}/dicom-web/studies/${studyUid}/series/${seriesUid}`;
    const instances = (await (await fetch(`${base}/instances`)).json()) as Record<string, { Value: string[] }>[];
    const sop = instances[0]['00080018'].Value[0];
    for (const u of [
      `${server.url}/dicom-web/studies?includefield=00081030%2C00080060&limit=5`,
      `${server.url}/dicom-web/studies/${studyUid}/series`,
      `${base}/metadata`,
      `${base}/instances/${sop}/metadata`,
      `${base}/instances/${sop}/frames/1`,
    ]) {
      const res = await fetch(u, { headers: { Accept: u.endsWith('/frames/1') ? 'multipart/related; type="application/octet-stream"; transfer-syntax=*' : 'application/dicom+json' } });
      expect(res.status, u).toBe(200);
      await res.arrayBuffer();
    }
    const meta = await (await fetch(`${base}/metadata`)).text();
    const bulk = /"BulkDataURI"\s*:\s*"([^"]+)"/.exec(meta)![1];
    expect((await fetch(bulk)).status).toBe(200);
    expect((await fetch(`${server.url}/dicom-web/studies`, { method: 'OPTIONS' })).status).toBe(204);

    // STOW-RS from the viewer's own origin (what the browser sends on a same-origin fetch).
    const boundary = 'cacs-test-boundary';
    const sr = fs.readFileSync(SR);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      sr,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await raw(
      server.port,
      'POST',
      '/dicom-web/studies',
      { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`, Accept: 'application/dicom+json', Origin: server.url, 'Sec-Fetch-Site': 'same-origin' },
      body,
    );
    expect(res.status).toBe(200);
  });

  it('refuses a state-changing request from another origin (Origin / Sec-Fetch-Site)', async () => {
    const before = await instanceCount(orthanc);
    const boundary = 'x';
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), slice, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const ct = { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}` };
    const other = `http://127.0.0.1:${server.port + 1}`;
    const probes: Record<string, string>[] = [{ Origin: other }, { 'Sec-Fetch-Site': 'same-site' }, { 'Sec-Fetch-Site': 'cross-site', Origin: 'http://evil.example' }];
    for (const h of probes) {
      const res = await raw(server.port, 'POST', '/dicom-web/studies', { ...ct, ...h }, body);
      expect(res.status, JSON.stringify(h)).toBe(403);
    }
    expect(await instanceCount(orthanc)).toBe(before);
  });

  it('a page on another loopback origin cannot post a patient, through the proxy or to Orthanc (real Chromium, no-cors)', async () => {
    const before = await instanceCount(orthanc);
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>other origin</title>');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    const evilPort = (evil.address() as net.AddressInfo).port;
    const profile = tmpDir('chromium-evil');
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      const targets = [
        `${server.url}/dicom-web/..%2finstances`,
        `${server.url}/dicom-web/..%2f..%2finstances`,
        `${server.url}/dicom-web/studies`,
        `${orthanc.url}/instances`,
        `${orthanc.url}/dicom-web/studies`,
      ];
      await page.evaluate(
        async ({ targets, bytes }) => {
          const body = new Uint8Array(bytes);
          for (const t of targets) {
            await fetch(t, { method: 'POST', mode: 'no-cors', body, headers: { 'Content-Type': 'text/plain' } }).catch(() => undefined);
            await fetch(t, { method: 'POST', mode: 'no-cors', body: new Blob([body], { type: 'multipart/form-data; boundary=x' }) }).catch(() => undefined);
          }
        },
        { targets, bytes: [...fs.readFileSync(SMALL)] },
      );
    } finally {
      await context.close();
      evil.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
    expect(await instanceCount(orthanc)).toBe(before);
  });

  it('the browser enforces the CSP on the viewer (an unknown inline script is refused and reported) while the viewer\'s own inline scripts run', async () => {
    const profile = tmpDir('chromium-csp');
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${server.url}/`, { waitUntil: 'load' });
      // index.html's inline script sets window.PUBLIC_URL: allowed by its hash.
      expect(await page.evaluate(() => (window as unknown as { PUBLIC_URL?: string }).PUBLIC_URL)).toBe('/');
      await page.waitForTimeout(1000);
      // Loading the viewer's page reported nothing (its inline scripts are allowed by hash).
      expect(server.cspViolations).toEqual([]);
      // An inline script it does not know is refused, and the refusal reaches the server.
      const ran = await page.evaluate(async () => {
        const el = document.createElement('script');
        el.textContent = 'window.__injected = 1;';
        document.head.appendChild(el);
        await new Promise((r) => setTimeout(r, 100));
        return (window as unknown as { __injected?: number }).__injected === 1;
      });
      expect(ran).toBe(false);
      await waitFor('the violation report', () => server.cspViolations.some((v) => /inline/.test(v) && /script-src/.test(v)), 15_000);
    } finally {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });

  it('Orthanc itself refuses browser requests (Origin or Sec-Fetch-Site) and answers programs', async () => {
    expect((await fetch(`${orthanc.url}/system`)).status).toBe(200);
    expect((await fetch(`${orthanc.url}/system`, { headers: { Origin: 'http://127.0.0.1:1' } })).status).toBe(403);
    expect((await fetch(`${orthanc.dicomWebUrl}/studies`, { headers: { 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(403);
  });

  it('Orthanc refuses clients that are not on loopback (RemoteAccessAllowed false; Orthanc 1.10 cannot bind one address)', async (ctx) => {
    const config = fs.readFileSync(orthanc.configPath, 'utf8');
    expect(config).toMatch(/"RemoteAccessAllowed": false/);
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!address) return ctx.skip(); // no non-loopback interface on this machine
    const res = await fetch(`http://${address}:${orthanc.port}/system`);
    expect([401, 403]).toContain(res.status); // Orthanc 1.10 answers 401 to a remote client
    expect(await res.text()).not.toMatch(/ApiVersion/);
  });

  it('does not trust the client: forged Host is refused, Forwarded / X-Forwarded-* never reach the archive', async () => {
    const target = `/dicom-web/studies/${studyUid}/series/${seriesUid}/metadata`;
    const forged = await raw(server.port, 'GET', target, { Host: 'evil.example:8080' });
    expect(forged.status).toBe(421);
    expect(forged.body).not.toContain('evil.example');
    const headers = { Forwarded: 'host=evil.example;proto=https', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https', Accept: 'application/dicom+json' };
    const meta = await raw(server.port, 'GET', target, headers);
    expect(meta.status).toBe(200);
    const uris = [...meta.body.matchAll(/"BulkDataURI"\s*:\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(uris.length).toBeGreaterThan(0);
    for (const u of uris) expect(u.startsWith(`${server.url}/dicom-web/`), u).toBe(true);
    const qido = await raw(server.port, 'GET', `/dicom-web/studies?StudyInstanceUID=${studyUid}`, headers);
    expect(qido.body).not.toContain('evil.example');
    expect(qido.body).toContain(`${server.url}/dicom-web/studies/${studyUid}`);
  });

  it('sends nosniff, frame protection and a CSP on every response, with the isolation headers', async () => {
    for (const [method, target] of [
      ['GET', '/'],
      ['GET', '/app-config.js'],
      ['GET', '/plugins/ohif-calcium-scoring-extension/index.js'],
      ['GET', '/dicom-web/studies'],
      ['GET', '/no-such-file.js'],
      ['GET', '/a%00.js'],
      ['GET', '/dicom-web/servers'],
      ['DELETE', '/dicom-web/studies'],
    ]) {
      const res = await raw(server.port, method, target);
      const what = `${method} ${target} (${res.status})`;
      expect(res.headers['x-content-type-options'], what).toBe('nosniff');
      expect(res.headers['x-frame-options'], what).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy'], what).toMatch(/frame-ancestors 'self'/);
      expect(res.headers['content-security-policy'], what).toMatch(/default-src 'self'/);
      expect(res.headers['cross-origin-embedder-policy'], what).toBe('require-corp');
    }
    // The viewer's inline scripts are allowed by hash, nothing else inline.
    const csp = (await raw(server.port, 'GET', '/')).headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+')+;/);
    expect(csp).not.toMatch(/unsafe-inline'[^;]*;.*script|script-src[^;]*unsafe-inline/);
  });

  it('many slow request bodies do not make the archive unreachable', async () => {
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 80; i++) {
        const s = net.connect(server.port, '127.0.0.1');
        s.on('error', () => undefined);
        s.write(
          `POST /dicom-web/studies HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: multipart/related; type="application/dicom"; boundary=x\r\nContent-Length: 10000000\r\n\r\n--x\r\n`,
        );
        sockets.push(s);
      }
      await sleep(1000);
      const t = Date.now();
      const res = await fetch(`${server.url}/dicom-web/studies`, { signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(Date.now() - t).toBeLessThan(10_000);
      expect((await fetch(`${orthanc.url}/system`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});

describe('an archive that holds requests open (node:http stand-in)', () => {
  let hung: http.Server;
  let hungPort: number;
  const open = new Set<http.IncomingMessage>();
  const closed: string[] = [];

  beforeAll(async () => {
    hung = http.createServer((req) => {
      open.add(req);
      // Never answers; records when the proxy gives the request up.
      req.socket.on('close', () => {
        open.delete(req);
        closed.push(req.url ?? '');
      });
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    hungPort = (hung.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    hung.closeAllConnections();
    await new Promise((r) => hung.close(r));
  });

  it('aborts the upstream request when the client goes away', async () => {
    const viewerDir = ensureViewer({ log: () => undefined });
    const server = await startServer({ port: await freePort(), viewerDir, pluginDir: DIST_DIR, dicomWebUrl: `http://127.0.0.1:${hungPort}/dicom-web` });
    try {
      const client = new AbortController();
      const pending = fetch(`${server.url}/dicom-web/studies?marker=abort`, { signal: client.signal }).catch(() => 'aborted');
      await waitFor('the request to reach the archive', () => [...open].some((r) => r.url?.includes('marker=abort')));
      client.abort();
      expect(await pending).toBe('aborted');
      await waitFor('the upstream request to be aborted', () => closed.some((u) => u.includes('marker=abort')), 5000);
    } finally {
      await server.close();
    }
  });

  it('answers 504 when the archive does not answer in time', async () => {
    const viewerDir = ensureViewer({ log: () => undefined });
    const server = await startServer({
      port: await freePort(),
      viewerDir,
      pluginDir: DIST_DIR,
      dicomWebUrl: `http://127.0.0.1:${hungPort}/dicom-web`,
      upstreamTimeoutMs: 500,
    });
    try {
      const res = await fetch(`${server.url}/dicom-web/studies?marker=timeout`, { signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: string }).error).toMatch(/did not answer within/);
    } finally {
      await server.close();
    }
  });
});

describe('the Orthanc folder', () => {
  it('never overwrites an existing orthanc.json; writes its own config beside it', async () => {
    const dir = tmpDir('orthanc-dir');
    const mine = '{\n  // my own archive\n  "AuthenticationEnabled": true,\n  "RegisteredUsers": { "alice": "secret" }\n}\n';
    fs.writeFileSync(path.join(dir, 'orthanc.json'), mine);
    const notes: string[] = [];
    const o = await startOrthanc({ port: await freePort(), dir, log: (m) => notes.push(m) });
    try {
      expect(fs.readFileSync(path.join(dir, 'orthanc.json'), 'utf8')).toBe(mine);
      expect(fs.existsSync(path.join(dir, CONFIG_NAME))).toBe(true);
      expect(notes.join('\n')).toMatch(/orthanc\.json is left untouched/);
    } finally {
      await o.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second instance on a folder in use, and takes over a lock whose processes are gone', async () => {
    const dir = tmpDir('orthanc-lock');
    const first = await startOrthanc({ port: await freePort(), dir });
    const config = fs.readFileSync(first.configPath, 'utf8');
    try {
      const lock = JSON.parse(fs.readFileSync(path.join(dir, LOCK_NAME), 'utf8')) as { pid: number; orthancPid: number };
      expect(lock.orthancPid).toBe(first.pid);
      await expect(startOrthanc({ port: await freePort(), dir })).rejects.toThrow(/already in use by .*--orthanc-dir/);
      expect(fs.readFileSync(first.configPath, 'utf8')).toBe(config); // the running one's config is untouched
      expect((await fetch(`${first.url}/system`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    try {
      // A lock left by a process that is gone (a pid that does not run) is taken over.
      fs.writeFileSync(path.join(dir, LOCK_NAME), JSON.stringify({ pid: 2 ** 22 + 12345, orthancPid: 2 ** 22 + 12346 }));
      const again = await startOrthanc({ port: await freePort(), dir });
      await again.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start (scripts/start.ts) as a process', () => {
  const children: ChildProcess[] = [];
  beforeAll(() => {
    // Build here (as npm test does before vitest), so start.ts finds the bundles current.
    ensureViewer({ log: () => undefined });
    ensureBuilt({ log: () => undefined });
  }, 300_000);
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  /** Start `npm start`'s script on free ports; resolves once it prints the viewer's URL. */
  async function start(dir: string) {
    const port = await freePort();
    const orthancPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--port', String(port), '--orthanc-port', String(orthancPort), '--orthanc-dir', dir, '--no-demo'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await waitFor('npm start to be ready', () => out.includes('Calcium scoring viewer:') || child.exitCode !== null, 120_000).catch((e) => {
      throw new Error(`${(e as Error).message}; its output:\n${out}`);
    });
    if (child.exitCode !== null) throw new Error(`start.ts exited ${child.exitCode}:\n${out}`);
    const lock = JSON.parse(fs.readFileSync(path.join(dir, LOCK_NAME), 'utf8')) as { orthancPid: number };
    return { child, port, orthancPort, orthancPid: lock.orthancPid, output: () => out };
  }

  it('survives malformed URLs, and a killed start leaves no Orthanc behind (the next start works)', async () => {
    const dir = tmpDir('start');
    try {
      const s = await start(dir);
      expect(pidAlive(s.orthancPid)).toBe(true);
      for (const target of ['/a%00.js', '/%c0%af', '/dicom-web/..%2fpatients', '/dicom-web/studies%00']) {
        expect((await raw(s.port, 'GET', target)).status, target).toBeGreaterThanOrEqual(400);
      }
      expect((await raw(s.port, 'GET', '/healthz')).status).toBe(200);
      expect(s.child.exitCode).toBe(null);

      s.child.kill('SIGKILL'); // no handler runs: Orthanc must still go (parent-death signal)
      await waitFor('Orthanc to stop after its parent was killed', () => !pidAlive(s.orthancPid), 10_000);

      const again = await start(dir); // same folder: the stale lock is taken over
      again.child.kill('SIGTERM');
      await waitFor('start.ts to stop on SIGTERM', () => again.child.exitCode !== null, 15_000);
      expect(again.child.exitCode).toBe(0);
      expect(pidAlive(again.orthancPid)).toBe(false);
      expect(fs.existsSync(path.join(dir, LOCK_NAME))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);

  it('stops when its Orthanc dies, instead of serving a dead archive', async () => {
    const dir = tmpDir('start-orthanc-dies');
    try {
      const s = await start(dir);
      process.kill(s.orthancPid, 'SIGKILL');
      await waitFor('start.ts to stop', () => s.child.exitCode !== null, 15_000);
      expect(s.child.exitCode).toBe(1);
      expect(s.output()).toMatch(/embedded Orthanc stopped/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);
});

describe('stopping only what was started', () => {
  it('no script, CI step or test stops processes by name', () => {
    const byName = new RegExp(`\\b(${['pk' + 'ill', 'kill' + 'all'].join('|')})\\b`);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(path.join(REPO_ROOT, d), { withFileTypes: true })) {
        const rel = path.join(d, e.name);
        if (e.isDirectory()) walk(rel);
        else if (/\.(m?[jt]s|sh)$/.test(e.name) || d === '.ci') files.push(rel);
      }
    };
    for (const d of ['.ci', 'scripts', 'tests', 'bin', 'cli']) if (fs.existsSync(path.join(REPO_ROOT, d))) walk(d);
    const offenders = files.filter((f) => byName.test(fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
