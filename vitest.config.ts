import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scenarios/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Leak tests open real sockets and child processes and compare meters: keep one file
    // per worker and no file-level parallelism so two suites never share a CPU-starved loop.
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 60_000,
    // Every report a test produces is validated against schema/report.schema.json (run-soak.ts).
    env: { SSE_SOAK_VALIDATE_REPORTS: '1' },
    hookTimeout: 60_000,
  },
});
