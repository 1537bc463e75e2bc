// Types for service.mjs, so TypeScript scripts and tests can import it.
import type { ChildProcess } from 'node:child_process';
export function runningPids(kind: string): number[];
export interface Service {
  child: ChildProcess;
  pid: number | undefined;
  /** Resolves with how it ended ('exit code N' or 'signal S'). */
  exited: Promise<string>;
  hasExited(): boolean;
  exitedHow(): number | string | null;
  stderr(): string;
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<string>;
}
export function startService(
  kind: string,
  bin: string,
  argv: string[],
  opts?: { onExit?: () => void; onOutput?: (chunk: Buffer) => void; cwd?: string },
): Service;
