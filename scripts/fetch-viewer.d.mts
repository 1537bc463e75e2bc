export const OHIF_VERSION: string;
export const REPO_ROOT: string;
export function viewerDir(root?: string): string;
export function ensureViewer(opts?: { root?: string; log?: (m: string) => void }): string;
