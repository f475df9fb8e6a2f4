import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scenarios/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Two files at a time, one per core, each in its own process (forks): every measured
    // target shares a process only with its own file's harness. Most of a leak test's time is
    // waiting (settles, idle timeouts, sweeps, SIGTERM grace), so two at once take 5.7 min
    // where one at a time took 9.4, and the ten-run false-positive test stayed at zero.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    testTimeout: 60_000,
    // Every report a test produces is validated against schema/report.schema.json (run-soak.ts).
    env: { SSE_SOAK_VALIDATE_REPORTS: '1' },
    hookTimeout: 60_000,
  },
});
