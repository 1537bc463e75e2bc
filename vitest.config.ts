import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; integration tests start a real Orthanc and run the
// Debian DICOM validators; end-to-end tests drive a real headless Chromium on the real
// OHIF viewer. All run under `npm test` (scripts/test.mjs).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
