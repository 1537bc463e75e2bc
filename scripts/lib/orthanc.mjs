// Start and stop an embedded Orthanc (Debian packages orthanc + orthanc-dicomweb + orthanc-gdcm)
// as a plain process with the project's own config and storage folder.
// Used by `npm start`, the integration tests and the end-to-end tests.
//
// What it guarantees:
// - Orthanc only answers loopback clients. Debian's Orthanc 1.10 has no bind-address setting
//   (it listens on every interface), so RemoteAccessAllowed stays false: Orthanc answers
//   403 to any client whose address is not loopback.
// - Browsers cannot reach it directly: a Lua filter refuses every request that carries an
//   Origin or Sec-Fetch-Site header (every browser sends one or the other), so a web page
//   cannot post a patient or read studies from the archive's own port. The viewer reaches
//   it through scripts/server.mjs, which removes those headers after its own checks.
// - The product's config is written as cacs-orthanc.json: an orthanc.json already in the
//   folder is never touched.
// - One instance per folder: cacs-orthanc.lock holds the owner's pid and Orthanc's pid; a
//   second start on the same folder is refused while either runs.
// - No orphan: Orthanc gets SIGTERM when the process that started it dies, however it dies
//   (setpriv --pdeathsig), and every Orthanc started here is stopped by pid on process exit.
//   Nothing is ever stopped by name.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensurePackages, ORTHANC_PACKAGES } from './debian.mjs';
import { runningPids, startService } from './service.mjs';

const PLUGIN_DIR = '/usr/share/orthanc/plugins';
const PLUGINS = ['libOrthancDicomWeb.so', 'libOrthancGdcm.so'];
/** The product's Orthanc config, beside (never instead of) a user's orthanc.json. */
export const CONFIG_NAME = 'cacs-orthanc.json';
export const LOCK_NAME = 'cacs-orthanc.lock';
const FILTER_NAME = 'cacs-orthanc-filter.lua';
const MARK = 'Written by ohif-calcium-scoring';

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

/** pids of the Orthanc processes this process started that are still running (for tests). */
export function runningOrthancPids() {
  return runningPids('orthanc');
}

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** The command line of a pid (Linux /proc), or '' when unknown. */
function commandLine(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Take the folder's lock: a file with the owner's pid (and later Orthanc's). A lock whose
 * processes are all gone is stale and taken over. Returns { update(orthancPid), release() }.
 */
function takeLock(dir, dirOption) {
  const file = path.join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let held = {};
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        /* unreadable or half-written: treated as stale below unless its pids run */
      }
      const owner = pidAlive(held.pid) && held.pid !== process.pid ? held.pid : null;
      const orthanc = pidAlive(held.orthancPid) && /orthanc/i.test(commandLine(held.orthancPid)) ? held.orthancPid : null;
      if (owner || orthanc) {
        const who = owner ? `process ${owner}${orthanc ? ` with Orthanc pid ${orthanc}` : ''}` : `an Orthanc (pid ${orthanc}) left running by an earlier start; stop it with \`kill ${orthanc}\``;
        throw new UserError(
          `The Orthanc folder ${dir} is already in use by ${who}. Stop that instance, or choose another folder with ${dirOption}.`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its processes are gone
      continue;
    }
    const write = (orthancPid) => {
      const body = JSON.stringify({ pid: process.pid, orthancPid: orthancPid ?? null, started: new Date().toISOString() });
      fs.writeFileSync(file, body);
    };
    fs.writeSync(fd, JSON.stringify({ pid: process.pid, orthancPid: null, started: new Date().toISOString() }));
    fs.closeSync(fd);
    return {
      update: write,
      release: () => {
        try {
          const held = JSON.parse(fs.readFileSync(file, 'utf8'));
          if (held.pid === process.pid) fs.rmSync(file, { force: true });
        } catch {
          /* gone already */
        }
      },
    };
  }
  throw new UserError(`Could not take the lock ${file}; remove it if no instance uses ${dir}.`);
}

/** Write a file atomically (temp + rename) so a crash never leaves half a config. */
function writeAtomic(file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Refuse to replace a file of the same name that this project did not write. */
function ensureOurs(file) {
  if (!fs.existsSync(file)) return;
  const head = fs.readFileSync(file, 'utf8').slice(0, 400);
  if (!head.includes(MARK)) {
    throw new UserError(`${file} exists and was not written by this project; it is left as it is. Move it away or choose another folder with --orthanc-dir DIR.`);
  }
}

/** The Lua filter that refuses browser requests (they carry Origin or Sec-Fetch-Site). */
const FILTER_LUA = `-- ${MARK} (scripts/lib/orthanc.mjs) on each start; changes are overwritten.
-- Refuse requests from web browsers: every browser request carries an Origin or a
-- Sec-Fetch-Site header, and the viewer reaches this archive through the project's proxy,
-- which removes both after its own checks. Programs (the CLI, curl) send neither.
function IncomingHttpRequestFilter(method, uri, ip, username, httpHeaders)
  if httpHeaders['origin'] ~= nil or httpHeaders['sec-fetch-site'] ~= nil then
    return false
  end
  return true
end
`;

/**
 * Start Orthanc on port `port` with storage under `dir`. Resolves once its REST API answers.
 * Returns { port, url, dicomWebUrl, pid, dir, configPath, stop() }.
 */
export async function startOrthanc({ port, dir, log = () => {}, dirOption = '--orthanc-dir DIR (or ORTHANC_DIR=DIR)' }) {
  const bin = orthancBinary();
  if (!bin) throw new UserError('Orthanc is not installed (Debian package orthanc). Run `npm start` as root once, or install it with apt-get.');
  if (!(await isPortFree(port))) {
    throw new UserError(`Port ${port} for the embedded Orthanc is already in use. Choose another with --orthanc-port PORT (or ORTHANC_PORT=PORT).`);
  }
  dir = path.resolve(dir);
  fs.mkdirSync(dir, { recursive: true });
  const lock = takeLock(dir, dirOption);
  try {
    return await launch({ bin, port, dir, log, lock });
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function launch({ bin, port, dir, log, lock }) {
  fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const configPath = path.join(dir, CONFIG_NAME);
  const filterPath = path.join(dir, FILTER_NAME);
  ensureOurs(configPath);
  ensureOurs(filterPath);
  const config = {
    Name: 'CalciumScoringDemo',
    HttpPort: port,
    // Orthanc 1.10 cannot bind one address: this keeps every non-loopback client out (403).
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    WebDavEnabled: false,
    ExecuteLuaEnabled: false,
    RestApiWriteToFileSystemEnabled: false,
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'storage'),
    Plugins: PLUGINS.map((p) => path.join(PLUGIN_DIR, p)).filter((p) => fs.existsSync(p)),
    LuaScripts: [filterPath],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true, Ssl: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full', Servers: {} },
    HttpTimeout: 120,
    StableAge: 2,
    MaximumStorageSize: 0,
  };
  if (fs.existsSync(path.join(dir, 'orthanc.json'))) log(`Note: ${path.join(dir, 'orthanc.json')} is left untouched; this start uses its own ${CONFIG_NAME} beside it.`);
  writeAtomic(filterPath, FILTER_LUA);
  writeAtomic(configPath, `// ${MARK} (scripts/lib/orthanc.mjs) on each start; changes are overwritten.\n${JSON.stringify(config, null, 2)}\n`);

  // Orthanc gets SIGTERM when this process dies, even by SIGKILL; a pid file for .ci/run (service.mjs).
  const argv = [`--logdir=${path.join(dir, 'logs')}`, configPath];
  const service = startService('orthanc', bin, argv, { onExit: () => lock.release() });
  const { pid, stop } = service;
  if (pid) lock.update(pid);
  /** Resolves with how Orthanc ended ('exit code N' or 'signal S'), whoever ended it. */
  const exitedPromise = service.exited;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (service.hasExited()) throw new Error(`Orthanc exited during start-up (${service.exitedHow()}). Its output:\n${service.stderr()}`);
    try {
      const res = await fetch(`${url}/system`);
      if (res.ok) break;
    } catch {
      /* not yet listening */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc did not answer on ${url} within 20 s. Logs: ${path.join(dir, 'logs')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`Orthanc ${url} (storage ${dir}; loopback clients only)`);
  return { port, url, dicomWebUrl: `${url}/dicom-web`, pid, dir, configPath, stop, exited: exitedPromise };
}
