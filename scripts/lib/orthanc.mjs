// Start and stop an embedded Orthanc (Debian packages orthanc + orthanc-dicomweb + orthanc-gdcm)
// as a plain process on loopback with the project's own config and storage folder.
// Used by `npm start`, the integration tests and the end-to-end tests.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensurePackages, ORTHANC_PACKAGES } from './debian.mjs';

const PLUGIN_DIR = '/usr/share/orthanc/plugins';
const PLUGINS = ['libOrthancDicomWeb.so', 'libOrthancGdcm.so'];

export class UserError extends Error {}

/** Whether a TCP port on 127.0.0.1 is free. */
export function isPortFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port chosen by the kernel. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function orthancBinary() {
  for (const p of ['/usr/sbin/Orthanc', '/usr/bin/Orthanc']) if (fs.existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v Orthanc'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

/** Install the Debian packages when Orthanc or its DICOMweb plugin is missing (needs root). */
export function ensureOrthancInstalled({ log = console.error } = {}) {
  ensurePackages(ORTHANC_PACKAGES, { log, why: 'the embedded archive (or use an existing one with --dicomweb URL)' });
}

/**
 * Start Orthanc on 127.0.0.1:port with storage under `dir`. Resolves once its REST API answers.
 * Returns { port, url, dicomWebUrl, stop() }.
 */
export async function startOrthanc({ port, dir, log = () => {} }) {
  const bin = orthancBinary();
  if (!bin) throw new UserError('Orthanc is not installed (Debian package orthanc). Run `npm start` as root once, or install it with apt-get.');
  if (!(await isPortFree(port))) {
    throw new UserError(`Port ${port} for the embedded Orthanc is already in use. Choose another with --orthanc-port PORT (or ORTHANC_PORT=PORT).`);
  }
  fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const config = {
    Name: 'CalciumScoringDemo',
    HttpPort: port,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'storage'),
    Plugins: PLUGINS.map((p) => path.join(PLUGIN_DIR, p)).filter((p) => fs.existsSync(p)),
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true, Ssl: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
    HttpTimeout: 120,
    StableAge: 2,
    MaximumStorageSize: 0,
  };
  const configPath = path.join(dir, 'orthanc.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(bin, [`--logdir=${path.join(dir, 'logs')}`, configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  let exited = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (exited !== null) throw new Error(`Orthanc exited during start-up (code ${exited}). Its output:\n${stderr}`);
    try {
      const res = await fetch(`${url}/system`);
      if (res.ok) break;
    } catch {
      /* not yet listening */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Orthanc did not answer on ${url} within 20 s. Logs: ${path.join(dir, 'logs')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`Orthanc ${url} (storage ${dir})`);
  const stop = () =>
    new Promise((resolve) => {
      if (exited !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { port, url, dicomWebUrl: `${url}/dicom-web`, pid: child.pid, stop };
}
