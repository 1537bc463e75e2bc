export const REPO_ROOT: string;
export const CLI_DIR: string;
export function cliBuildStale(root?: string): string | null;
export function ensureCliBuilt(opts?: { root?: string; force?: boolean; log?: (message: string) => void }): boolean;
