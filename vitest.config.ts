import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The second reporter prints the `Tests: N passed, N failed` closing line CI looks for.
    reporters: ['default', './test/reporters/summaryLine.ts'],
  },
});
