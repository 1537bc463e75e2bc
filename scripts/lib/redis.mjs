// Start and stop a local Redis (Debian package redis-server) for the screening queue, as a plain
// process with its own data folder: `npm start -- --screen`, the queue tests and bench:screen.
//
// - Loopback only (bind 127.0.0.1, protected mode on), on the port given; no password, since
//   nothing but this machine can reach it.
// - Durable: the append-only file is on (appendfsync everysec), so a restarted Redis has every
//   job it had acknowledged up to a second before it stopped; RDB snapshots are off.
// - Its own folder: data and a redis.conf written on each start (a user's redis.conf elsewhere is
//   never read or touched); the system's Redis, if any, is not involved.
// - No orphan (service.mjs): Redis gets SIGTERM when the process that started it dies, however
//   it dies, and every Redis started here is stopped by pid on exit. Nothing is ever stopped by
//   name. CACS_PID_DIR: a pid file per Redis for a supervisor (.ci/run).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensurePackages, REDIS_PACKAGES } from './debian.mjs';
import { startService } from './service.mjs';

export function redisBinary() {
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (fs.existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

export function ensureRedisInstalled({ log = console.error } = {}) {
  ensurePackages(REDIS_PACKAGES, { log, why: 'the screening queue (or give your own with --redis URL)' });
}

/** Answers PING within the time limit? */
function ping(port, ms = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(ms, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(String(d).startsWith('+PONG')));
  });
}

/**
 * Start redis-server on 127.0.0.1:port with its data in `dir`. Resolves once it answers PING.
 * Returns { port, url, pid, dir, stop(), kill(signal), exited }.
 */
export async function startRedis({ port, dir, log = () => {} }) {
  const bin = redisBinary();
  if (!bin) throw new Error('redis-server is not installed (Debian package redis-server). Run `npm start -- --screen` as root once, or install it with apt-get.');
  dir = path.resolve(dir);
  fs.mkdirSync(dir, { recursive: true });
  const conf = [
    '# Written by ohif-calcium-scoring (scripts/lib/redis.mjs) on each start; changes are overwritten.',
    'bind 127.0.0.1',
    'protected-mode yes',
    `port ${port}`,
    `dir ${dir}`,
    'daemonize no',
    'appendonly yes',
    'appendfsync everysec',
    'save ""',
    'logfile redis.log',
    // BullMQ needs keys never evicted.
    'maxmemory-policy noeviction',
  ].join('\n');
  const confPath = path.join(dir, 'cacs-redis.conf');
  fs.writeFileSync(confPath, `${conf}\n`);
  const service = startService('redis', bin, [confPath]);
  const { pid, stop, kill } = service;
  const deadline = Date.now() + 15000;
  while (!(await ping(port))) {
    if (service.hasExited()) {
      let tail = '';
      try {
        tail = fs.readFileSync(path.join(dir, 'redis.log'), 'utf8').slice(-2000);
      } catch {
        /* no log yet */
      }
      throw new Error(`Redis exited during start-up (${service.exitedHow()}). ${service.stderr()}${tail}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Redis did not answer on 127.0.0.1:${port} within 15 s. Log: ${path.join(dir, 'redis.log')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log(`Redis redis://127.0.0.1:${port} (data ${dir}; append-only file on; loopback only)`);
  return { port, url: `redis://127.0.0.1:${port}`, pid, dir, stop, kill, exited: service.exited };
}
