export class UserError extends Error {}
export const EXTENSION_ID: string;
export const MODE_ID: string;
export const EXTENSION_PATH: string;
export const MODE_PATH: string;
export function appConfigSource(opts?: { extensionUrl?: string; modeUrl?: string; dicomWebPath?: string }): string;
export function contentSecurityPolicy(inlineScriptHashes?: string[]): string;
export function inlineScriptHashes(html: string): string[];
export function parseTarget(rawUrl: string): { segments: string[]; trailingSlash: boolean; query: string };
export function dicomWebResource(segments: string[]): 'read' | 'store' | null;
export interface RunningServer {
  port: number;
  url: string;
  /** The public origin the server answers as (publicUrl's origin, or url). */
  origin: string;
  /** Content-Security-Policy violations browsers reported, one line per kind (also printed). */
  cspViolations: string[];
  /** Resolves when the server stops listening, for whatever reason. */
  closed: Promise<void>;
  close(): Promise<void>;
}
export function startServer(opts: {
  port: number;
  host?: string;
  viewerDir: string;
  pluginDir: string;
  dicomWebUrl: string;
  publicUrl?: string;
  portOption?: string;
  maxUpstream?: number;
  maxBodyBytes?: number;
  maxBufferedBytes?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  upstreamTimeoutMs?: number;
  queueTimeoutMs?: number;
}): Promise<RunningServer>;
