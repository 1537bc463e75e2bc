export class UserError extends Error {}
export const EXTENSION_ID: string;
export const MODE_ID: string;
export const EXTENSION_PATH: string;
export const MODE_PATH: string;
export function appConfigSource(opts?: { extensionUrl?: string; modeUrl?: string; dicomWebPath?: string }): string;
export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}
export function startServer(opts: {
  port: number;
  host?: string;
  viewerDir: string;
  pluginDir: string;
  dicomWebUrl: string;
  portOption?: string;
}): Promise<RunningServer>;
