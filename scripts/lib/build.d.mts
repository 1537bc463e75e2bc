export const REPO_ROOT: string;
export const DIST_DIR: string;
export function bundlesAreStale(root?: string): boolean;
export function ensureBuilt(opts?: { root?: string; force?: boolean; log?: (m: string) => void }): boolean;
