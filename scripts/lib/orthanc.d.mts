// Types for orthanc.mjs, so TypeScript scripts and tests can import it.
export class UserError extends Error {}
export function isPortFree(port: number): Promise<boolean>;
export function freePort(): Promise<number>;
export function orthancBinary(): string | null;
export function ensureOrthancInstalled(opts?: { log?: (m: string) => void }): void;
export interface RunningOrthanc {
  port: number;
  url: string;
  dicomWebUrl: string;
  pid: number | undefined;
  stop(): Promise<void>;
}
export function startOrthanc(opts: { port: number; dir: string; log?: (m: string) => void }): Promise<RunningOrthanc>;
