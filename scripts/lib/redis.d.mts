// Types for redis.mjs, so TypeScript scripts and tests can import it.
export function redisBinary(): string | null;
export function ensureRedisInstalled(opts?: { log?: (m: string) => void }): void;
export interface RunningRedis {
  port: number;
  url: string;
  pid: number | undefined;
  dir: string;
  stop(): Promise<void>;
  /** Send a signal (default SIGKILL); resolves with how Redis ended. */
  kill(signal?: NodeJS.Signals): Promise<string>;
  exited: Promise<string>;
}
export function startRedis(opts: { port: number; dir: string; log?: (m: string) => void }): Promise<RunningRedis>;
