// Install missing Debian packages (the project's system dependencies) with apt-get.
// Used by `npm start` (Orthanc) and `npm test` (Orthanc, Chromium, DICOM validators).
import { spawnSync } from 'node:child_process';

export function missingPackages(pkgs) {
  return pkgs.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

/** Installs what is missing; throws a message that says what to do when it cannot. */
export function ensurePackages(pkgs, { log = console.error, why = 'the project' } = {}) {
  const missing = missingPackages(pkgs);
  if (missing.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`Missing Debian packages for ${why}: ${missing.join(' ')}. Install them with: sudo apt-get install ${missing.join(' ')}`);
  }
  log(`Installing Debian packages for ${why}: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  const still = missingPackages(pkgs);
  if (r.status !== 0 || still.length) {
    throw new Error(`Could not install Debian packages ${still.join(' ')} (apt-get exit ${r.status}). Install them as root and retry.`);
  }
}

export const ORTHANC_PACKAGES = ['orthanc', 'orthanc-dicomweb', 'orthanc-gdcm'];
/** The screening queue's store (BullMQ on Redis): `npm start -- --screen` and the queue tests. */
export const REDIS_PACKAGES = ['redis-server'];
export const TEST_PACKAGES = [...ORTHANC_PACKAGES, ...REDIS_PACKAGES, 'chromium', 'dicom3tools', 'dcmtk', 'pixelmed-apps', 'poppler-utils'];
