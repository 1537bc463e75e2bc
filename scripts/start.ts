// `npm start`: set up and run the product. Fetches the OHIF viewer once, builds the plugin
// when its sources changed, starts the embedded Orthanc (or uses --dicomweb URL), stores the
// demo study into an empty archive, serves everything on one origin and prints the URL.
// With --screen also the screening queue: a local Redis (scripts/lib/redis.mjs), one producer
// (`cacs screen`) and one worker (`cacs worker`), stopped with the rest.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureViewer } from './fetch-viewer.mjs';
import { DIST_DIR, ensureBuilt, REPO_ROOT } from './lib/build.mjs';
import { ensureOrthancInstalled, isPortFree, startOrthanc, UserError as OrthancUserError } from './lib/orthanc.mjs';
import { startServer, UserError as ServerUserError } from './server.mjs';
import { archiveIsEmpty, storeDemoStudy } from './demo-study';
import { ensureRedisInstalled, startRedis } from './lib/redis.mjs';
import { startService } from './lib/service.mjs';

const USAGE = `Usage: npm start -- [options]

  --port PORT          viewer port (env PORT; default 3000)
  --host HOST          address to listen on (env HOST; default 127.0.0.1)
  --orthanc-port PORT  embedded Orthanc HTTP port (env ORTHANC_PORT; default 8042)
  --orthanc-dir DIR    embedded Orthanc storage (env ORTHANC_DIR; default .orthanc/);
                       its config is written there as cacs-orthanc.json (an orthanc.json
                       of yours is left untouched); one running instance per folder
  --public-url URL     the address browsers use, when it is not http://HOST:PORT
                       (a host name, or a reverse proxy; env PUBLIC_URL)
  --dicomweb URL       use an existing DICOMweb archive instead (env DICOMWEB_URL);
                       nothing is started, e.g. http://127.0.0.1:8042/dicom-web
  --no-demo            do not store the demo study into an empty archive
  --screen             also score every new CT series as it arrives: starts a local Redis,
                       one \`cacs screen\` producer and one \`cacs worker\` (README: screening)
  --redis-port PORT    the local Redis's port with --screen (env REDIS_PORT; default 6380)
  --screen-dir DIR     the local Redis's data and the worker's outbox (env SCREEN_DIR;
                       default .screening/)
  --rebuild            rebuild the plugin bundles even if they look current
  -h, --help           this text`;

class UsageError extends Error {}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${name} must be a port number 1-65535, not "${value}".`);
  return n;
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'orthanc-port': { type: 'string' },
        'orthanc-dir': { type: 'string' },
        'public-url': { type: 'string' },
        dicomweb: { type: 'string' },
        'no-demo': { type: 'boolean' },
        screen: { type: 'boolean' },
        'redis-port': { type: 'string' },
        'screen-dir': { type: 'string' },
        rebuild: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${USAGE}`);
  }
  const dicomweb = parsed.dicomweb ?? process.env.DICOMWEB_URL ?? null;
  if (dicomweb) {
    let u: URL;
    try {
      u = new URL(dicomweb);
    } catch {
      throw new UsageError(`--dicomweb must be an http(s) URL of a DICOMweb root, not "${dicomweb}".`);
    }
    if (!/^https?:$/.test(u.protocol)) throw new UsageError(`--dicomweb must be an http(s) URL, not "${dicomweb}".`);
  }
  const publicUrl = parsed['public-url'] ?? process.env.PUBLIC_URL ?? null;
  if (publicUrl) {
    let u: URL | null = null;
    try {
      u = new URL(publicUrl);
    } catch {
      /* reported below */
    }
    if (!u || !/^https?:$/.test(u.protocol) || (u.pathname !== '/' && u.pathname !== '')) {
      throw new UsageError(`--public-url must be the http(s) origin browsers use, e.g. http://viewer.example.org:3000, not "${publicUrl}".`);
    }
  }
  return {
    help: !!parsed.help,
    publicUrl,
    port: port(parsed.port ?? process.env.PORT, '--port', 3000),
    host: parsed.host ?? process.env.HOST ?? '127.0.0.1',
    orthancPort: port(parsed['orthanc-port'] ?? process.env.ORTHANC_PORT, '--orthanc-port', 8042),
    orthancDir: path.resolve(parsed['orthanc-dir'] ?? process.env.ORTHANC_DIR ?? path.join(REPO_ROOT, '.orthanc')),
    dicomweb: dicomweb ? dicomweb.replace(/\/$/, '') : null,
    demo: !parsed['no-demo'],
    screen: !!parsed.screen,
    redisPort: port(parsed['redis-port'] ?? process.env.REDIS_PORT, '--redis-port', 6380),
    screenDir: path.resolve(parsed['screen-dir'] ?? process.env.SCREEN_DIR ?? path.join(REPO_ROOT, '.screening')),
    rebuild: !!parsed.rebuild,
  };
}

async function main() {
  const t0 = performance.now();
  const opts = options();
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const log = (m: string) => console.log(m);
  // Fail on a taken viewer port before starting anything.
  if (!(await isPortFree(opts.port))) {
    throw new ServerUserError(`Port ${opts.port} for the viewer is already in use. Choose another with --port PORT (or PORT=PORT).`);
  }
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = false;
  const cleanUp = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await cleanUp();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGHUP', () => void stop(0));
  // Whatever ends this process also ends the embedded Orthanc: an error nobody caught stops it
  // here; a hard kill is covered by Orthanc's parent-death signal and the exit hook of
  // scripts/lib/orthanc.mjs. Never an orphaned Orthanc holding the port and the folder.
  process.on('uncaughtException', (e) => {
    console.error('Internal error:', e);
    void stop(1);
  });
  process.on('unhandledRejection', (e) => {
    console.error('Internal error:', e);
    void stop(1);
  });

  const viewerDir = ensureViewer({ log });
  ensureBuilt({ force: opts.rebuild, log });

  try {
    let dicomWebUrl: string;
    if (opts.dicomweb) {
      dicomWebUrl = opts.dicomweb;
      log(`Using the DICOMweb archive at ${dicomWebUrl} (nothing started).`);
    } else {
      ensureOrthancInstalled({ log });
      const orthanc = await startOrthanc({ port: opts.orthancPort, dir: opts.orthancDir, log });
      orthanc.exited.then((how) => {
        if (!stopping) {
          console.error(`Error: the embedded Orthanc stopped (${how}); see its logs in ${path.join(opts.orthancDir, 'logs')}. Stopping.`);
          void stop(1);
        }
      });
      cleanups.push(orthanc.stop);
      dicomWebUrl = orthanc.dicomWebUrl;
    }

    let reachable = true;
    try {
      await archiveIsEmpty(dicomWebUrl);
    } catch (e) {
      reachable = false;
      const c = (e as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
      const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message;
      console.warn(
        `Warning: the archive at ${dicomWebUrl} does not answer as DICOMweb (${cause ?? (e as Error).message.split('\n')[0]}). ` +
          'The viewer starts anyway and says so; check the URL given to --dicomweb.',
      );
    }

    if (opts.demo && reachable) {
      try {
        if (await archiveIsEmpty(dicomWebUrl)) {
          const t = performance.now();
          const stored = await storeDemoStudy(dicomWebUrl);
          log(`Stored the demo study (gated calcium phantom, ${stored.instances} CT images) in ${((performance.now() - t) / 1000).toFixed(1)} s.`);
        }
      } catch (e) {
        console.warn(`Warning: could not store the demo study: ${(e as Error).message.split('\n')[0]}`);
      }
    }

    if (opts.screen) await startScreening(dicomWebUrl, opts, cleanups, log, () => stopping);

    const server = await startServer({
      port: opts.port,
      host: opts.host,
      viewerDir,
      pluginDir: DIST_DIR,
      dicomWebUrl,
      publicUrl: opts.publicUrl ?? undefined,
    });
    server.closed.then(() => {
      if (!stopping) {
        console.error('Error: the viewer server stopped. Stopping.');
        void stop(1);
      }
    });
    cleanups.push(server.close);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    log(`\nCalcium scoring viewer: ${server.origin}/  (ready in ${seconds} s)`);
    log(`Archive (DICOMweb): ${dicomWebUrl}, proxied at ${server.url}/dicom-web`);
    if (opts.screen) log(`Screening: every new CT series is scored as it arrives; \`node bin/cacs.mjs queue --redis redis://127.0.0.1:${opts.redisPort}\` shows the queue.`);
    log('Open a CT study and choose "Calcium Scoring". Ctrl-C stops.');
  } catch (e) {
    stopping = true; // what stops during this clean-up is expected, not a second error
    await cleanUp();
    throw e;
  }
}

/**
 * The screening queue beside the archive: a local Redis (own folder, loopback, append-only file),
 * one producer and one worker as child processes (their lines prefixed), each ended with
 * SIGTERM on stop (the worker finishes its job first) and by the parent-death signal if this
 * process is killed (scripts/lib/service.mjs).
 */
async function startScreening(
  dicomWebUrl: string,
  opts: { redisPort: number; screenDir: string },
  cleanups: (() => Promise<void>)[],
  log: (m: string) => void,
  stopping: () => boolean,
): Promise<void> {
  ensureRedisInstalled({ log });
  if (!(await isPortFree(opts.redisPort))) {
    throw new OrthancUserError(`Port ${opts.redisPort} for the screening queue's Redis is already in use. Choose another with --redis-port PORT (or REDIS_PORT=PORT).`);
  }
  const redis = await startRedis({ port: opts.redisPort, dir: path.join(opts.screenDir, 'redis'), log });
  cleanups.push(redis.stop);
  const outbox = path.join(opts.screenDir, 'outbox');
  fs.mkdirSync(outbox, { recursive: true });
  const cacs = path.join(REPO_ROOT, 'bin', 'cacs.mjs');
  const run = (name: string, args: string[]) => {
    const prefix = (chunk: Buffer) => String(chunk).split('\n').filter(Boolean).forEach((line) => console.log(`[${name}] ${line}`));
    const service = startService(`screening-${name}`, process.execPath, [cacs, ...args], { onOutput: prefix, cwd: opts.screenDir });
    const ended = service.exited.then((how) => {
      if (!stopping()) console.error(`Warning: the screening ${name} stopped (${how}); the viewer goes on without it.`);
    });
    cleanups.push(async () => {
      // SIGTERM lets the worker finish the job in hand; it gets up to 30 s for that.
      if (!service.hasExited()) service.kill('SIGTERM');
      await Promise.race([ended, new Promise((r) => setTimeout(r, 30_000))]);
    });
  };
  run('screen', ['screen', '--dicomweb', dicomWebUrl, '--redis', redis.url, '--interval', '10']);
  run('worker', ['worker', '--dicomweb', dicomWebUrl, '--redis', redis.url, '--outbox', outbox]);
}

main().catch((e: unknown) => {
  const userMistake = e instanceof UsageError || e instanceof OrthancUserError || e instanceof ServerUserError;
  console.error(userMistake ? `Error: ${(e as Error).message}` : e);
  process.exit(1);
});
