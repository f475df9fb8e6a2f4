import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files of more than about ten seconds start first, longest first, so that the workers
 * end together. Vitest orders by the durations it cached on an earlier run, and a fresh clone
 * has none: it then started the ten-run false-positive test (a small file) last, and the
 * suite waited 50 s for it alone. Everything else keeps vitest's own order after them.
 *
 * One exception to longest first: the false-positive runs start beside the detection matrix,
 * before the longer soak file. Both mostly wait (settles, idle timeouts, sigterm's grace), so
 * side by side they leave each other the cores: with two workers and the matrix beside the
 * soak, the shapes and the listener targets instead, it took 173 s instead of 149 and the ten
 * runs 86 s instead of 64, one suite each in the same hour (README, The test suite). With
 * three workers the three start together.
 */
const longestFirst = [
  'test/detection-matrix.test.ts',
  'test/false-positives.test.ts',
  'test/soak.test.ts',
  'test/stream-shapes.test.ts',
  'test/listener-targets.test.ts',
  'test/command-targets.test.ts',
  'test/clean-targets.test.ts',
  'test/target-modules.test.ts',
  'test/stream-ends.test.ts',
  'test/ci-gate.test.ts',
  'test/cli.test.ts',
  'src/reference/truth-table.test.ts',
  'test/config.test.ts',
  'examples/hono-app/soak.test.ts',
  'test/hoisted-install.test.ts',
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = longestFirst.findIndex((p) => f.moduleId.replaceAll('\\', '/').endsWith(p));
      return i < 0 ? longestFirst.length : i;
    };
    const sorted = await super.sort(files);
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scenarios/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Three files at a time on two cores, each in its own process (forks): every measured
    // target shares a process only with its own file's harness. Most of a leak test's time is
    // waiting (settles, idle timeouts, sweeps, SIGTERM grace): with two at a time the cores were
    // 1.64 busy (the suite's CPU table, test/cpu-accounting.ts), and vitest took 355 to 377 s;
    // with three, 1.88 busy and 298 to 317 s, in three suites of 524 tests passing each, on no
    // more CPU (562 to 599 s against 581 to 623). Three at once failed the detection matrix
    // twice when it was first tried (a count off by one, a 2 KiB retention left undecided),
    // before the baseline waited for handlers in flight and the heap readings left code out.
    // One at a time took 9.4 min where two took 5.7, back then.
    fileParallelism: true,
    maxWorkers: 3,
    pool: 'forks',
    sequence: { sequencer: LongestFirstSequencer },
    testTimeout: 60_000,
    // Every report a test produces is validated against schema/report.schema.json (execute-run.ts).
    // SSE_SOAK_TEST_RUN names this run for what workers make once and share (test/report-checks.ts, sharedOnce).
    env: { SSE_SOAK_VALIDATE_REPORTS: '1', SSE_SOAK_TEST_RUN: `${process.pid}-${Date.now()}` },
    // A temporary folder of the run's own, removed at its end (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // Each file's CPU, its processes' included, printed at the end (test/cpu-accounting.ts).
    setupFiles: ['test/cpu-accounting.setup.ts'],
    hookTimeout: 60_000,
  },
});
