import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds, printCpu } from './cpu-accounting.ts';

/**
 * One temporary folder per test run, for everything the tests and the processes they start
 * write there: reports, heap snapshots, config files, target logs, agents' sockets. It is
 * TMPDIR for the workers (vitest gives them this process's environment) and, through them,
 * for every binary run. Removed when the run ends: before, every suite run left about 80
 * folders and 280 MB in the OS temp folder, most of it heap snapshots, and nothing removed
 * them. `SSE_SOAK_KEEP_TEST_FILES=1` keeps it, and the run says where.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-test-run-'));
  process.env.TMPDIR = dir;
  const started = { cpu: cpuSeconds(), wall: performance.now() };
  return () => {
    printCpu(dir, started);
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.SSE_SOAK_KEEP_TEST_FILES) {
      process.stdout.write(`sse-soak tests: kept what this run wrote in ${dir}\n`);
      return;
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
