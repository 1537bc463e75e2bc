// A server process this process starts and owns (Orthanc, Redis, the screening queue's producer
// and worker under `npm start -- --screen`): started under
// `setpriv --pdeathsig TERM` where available, so it gets SIGTERM when its parent dies however it
// dies; killed by pid on this process's exit; with a pid file in CACS_PID_DIR for a supervisor
// (.ci/run) that stops exactly what was started. Nothing is ever stopped by name.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** pid -> kind of every service this process started and has not yet seen exit. */
const running = new Map();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' runs on process.exit() and on a normal end; only synchronous work is possible there.
  process.on('exit', () => {
    for (const [pid] of running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/** pids of the services of this kind this process started that are still running (for tests). */
export function runningPids(kind) {
  return [...running].filter(([, k]) => k === kind).map(([pid]) => pid);
}

/**
 * Start `bin argv` as a service of `kind` ('orthanc', 'redis': also the pid file's prefix).
 * Returns { child, pid, exited (promise of 'exit code N' / 'signal S'), hasExited(), stderr(),
 * stop() (SIGTERM, SIGKILL after 10 s), kill(signal) }. `onExit` runs once it has exited;
 * `onOutput` gets its stdout and stderr as they come (else stdout is dropped); `cwd` its folder.
 */
export function startService(kind, bin, argv, { onExit, onOutput, cwd } = {}) {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  const options = { stdio: ['ignore', onOutput ? 'pipe' : 'ignore', 'pipe'], cwd };
  const child = setpriv ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', bin, ...argv], options) : spawn(bin, argv, options);
  if (onOutput) {
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
  }
  const pid = child.pid;
  const pidDir = process.env.CACS_PID_DIR;
  const pidFile = pidDir && pid ? path.join(pidDir, `${kind}-${pid}.pid`) : null;
  let exitedHow = null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)));
  child.on('exit', (code, signal) => {
    exitedHow = code ?? signal ?? -1;
    running.delete(pid);
    if (pidFile) fs.rmSync(pidFile, { force: true });
    onExit?.();
  });
  child.on('error', () => undefined); // reported through 'exit' / the caller's start-up wait
  if (pid) {
    running.set(pid, kind);
    installExitHook();
    if (pidFile) {
      try {
        fs.writeFileSync(pidFile, `${pid}\n`);
      } catch {
        /* the supervisor's folder is gone: nothing to record */
      }
    }
  }
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const stop = () =>
    new Promise((resolve) => {
      if (exitedHow !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const kill = (signal = 'SIGKILL') => {
    if (exitedHow === null) child.kill(signal);
    return exited;
  };
  return { child, pid, exited, hasExited: () => exitedHow !== null, exitedHow: () => exitedHow, stderr: () => stderr, stop, kill };
}
