import path from 'node:path';
import type { Report } from './report.ts';
import { writeFileAtomic } from './write-atomic.ts';

/**
 * Writes the report under a name of its own in `dir` (made if missing), through a rename,
 * so that a crash or a second Ctrl-C never leaves a truncated JSON file for a CI step.
 */
export async function writeReport(dir: string, report: Report): Promise<string> {
  const file = path.resolve(dir, `${reportBaseName(report.startedAt)}.json`);
  await writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** `sse-soak-<startedAt>-<pid>`: the report's file name without `.json`, for files that go with it. */
export function reportBaseName(startedAt: string): string {
  return `sse-soak-${startedAt.replace(/[:.]/g, '-')}-${process.pid}`;
}
