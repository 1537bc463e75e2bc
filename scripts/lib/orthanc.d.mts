// Types for orthanc.mjs, so TypeScript scripts and tests can import it.
export class UserError extends Error {}
export const CONFIG_NAME: string;
export const LOCK_NAME: string;
export function isPortFree(port: number): Promise<boolean>;
export function freePort(): Promise<number>;
export function orthancBinary(): string | null;
export function ensureOrthancInstalled(opts?: { log?: (m: string) => void }): void;
export function runningOrthancPids(): number[];
export function pidAlive(pid: number): boolean;
export interface RunningOrthanc {
  port: number;
  url: string;
  dicomWebUrl: string;
  pid: number | undefined;
  dir: string;
  configPath: string;
  stop(): Promise<void>;
  /** Resolves with how Orthanc ended ('exit code N' or 'signal S'). */
  exited: Promise<string>;
}
export function startOrthanc(opts: { port: number; dir: string; log?: (m: string) => void; dirOption?: string }): Promise<RunningOrthanc>;
