// The project's server in front of a real Orthanc: same origin, isolation headers, proxy, ports.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stowInstances } from '../../scripts/demo-study';
import { ensureViewer } from '../../scripts/fetch-viewer.mjs';
import { DIST_DIR, ensureBuilt } from '../../scripts/lib/build.mjs';
import { freePort, startOrthanc, type RunningOrthanc } from '../../scripts/lib/orthanc.mjs';
import { EXTENSION_PATH, MODE_PATH, startServer, type RunningServer } from '../../scripts/server.mjs';
import { REPO_ROOT } from './harness';

const QRM = path.resolve(REPO_ROOT, '../shared/data/qrm-phantom');
// A study with a StudyDescription (the QRM scan has none).
const SR = path.resolve(REPO_ROOT, '../shared/data/reference-objects/dcmqi-tid1500-sr.dcm');

describe('the viewer server', () => {
  let orthanc: RunningOrthanc;
  let server: RunningServer;
  let viewerDir: string;
  let dir: string;

  beforeAll(async () => {
    viewerDir = ensureViewer({ log: () => undefined });
    ensureBuilt({ log: () => undefined });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cacs-server-test-'));
    orthanc = await startOrthanc({ port: await freePort(), dir });
    server = await startServer({ port: await freePort(), viewerDir, pluginDir: DIST_DIR, dicomWebUrl: orthanc.dicomWebUrl });
    const slice = fs.readdirSync(QRM).find((f) => f.endsWith('.dcm'))!;
    await stowInstances(orthanc.dicomWebUrl, [new Uint8Array(fs.readFileSync(path.join(QRM, slice))), new Uint8Array(fs.readFileSync(SR))]);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await orthanc?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends cross-origin isolation headers on the viewer, the plugin, the config and proxied DICOMweb', async () => {
    for (const p of ['/', '/calcium-scoring?StudyInstanceUIDs=1', '/app-config.js', EXTENSION_PATH, MODE_PATH, '/dicom-web/studies']) {
      const res = await fetch(server.url + p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('cross-origin-opener-policy'), p).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), p).toBe('require-corp');
      expect(res.headers.get('cross-origin-resource-policy'), p).toBe('same-origin');
      await res.arrayBuffer();
    }
  });

  it('serves the plugin bundles as JavaScript modules and a config with no external URL', async () => {
    const ext = await fetch(server.url + EXTENSION_PATH);
    expect(ext.headers.get('content-type')).toMatch(/javascript/);
    const config = await (await fetch(server.url + '/app-config.js')).text();
    expect(config).toContain(EXTENSION_PATH);
    expect(config).toContain(MODE_PATH);
    expect(config).not.toMatch(/https?:\/\//);
  });

  it("points Orthanc's bulk data URIs back at the viewer's origin (told by Forwarded, not the client's Host)", async () => {
    const studies = (await (await fetch(`${server.url}/dicom-web/studies?ModalitiesInStudy=CT`)).json()) as Record<string, { Value: string[] }>[];
    const studyUid = studies[0]['0020000D'].Value[0];
    const series = (await (await fetch(`${server.url}/dicom-web/studies/${studyUid}/series`)).json()) as Record<string, { Value: string[] }>[];
    const seriesUid = series[0]['0020000E'].Value[0];
    const meta = await (await fetch(`${server.url}/dicom-web/studies/${studyUid}/series/${seriesUid}/metadata`)).text();
    const uris = [...meta.matchAll(/"BulkDataURI"\s*:\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(uris.length).toBeGreaterThan(0);
    for (const u of uris) expect(u.startsWith(`${server.url}/dicom-web/`), u).toBe(true);
  });

  it('keeps study descriptions in the study list (includefield with encoded commas)', async () => {
    const res = await fetch(`${server.url}/dicom-web/studies?includefield=00081030%2C00080060`);
    const studies = (await res.json()) as Record<string, { Value?: string[] }>[];
    const descriptions = studies.map((st) => st['00081030']?.Value?.[0]);
    expect(descriptions).toContain('Thorax^1HEAD_NECK_PETCT');
  });

  it('refuses a taken port with a message naming the port and the option to change it', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      await expect(startServer({ port, viewerDir, pluginDir: DIST_DIR, dicomWebUrl: orthanc.dicomWebUrl })).rejects.toThrow(
        new RegExp(`Port ${port} .*already in use.*--port`),
      );
    } finally {
      blocker.close();
    }
  });

  it('answers a DICOMweb request with a clear 502 when the archive is down', async () => {
    const down = await startServer({ port: await freePort(), viewerDir, pluginDir: DIST_DIR, dicomWebUrl: `http://127.0.0.1:${await freePort()}/dicom-web` });
    try {
      const res = await fetch(`${down.url}/dicom-web/studies`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: string }).error).toMatch(/archive .* is unreachable/);
    } finally {
      await down.close();
    }
  });
});
