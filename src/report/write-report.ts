import path from 'node:path';
import type { Report } from './report.ts';
import { writeFileAtomic } from './write-atomic.ts';

/**
 * Writes the report under a name of its own in `dir` (made if missing), through a rename,
 * so that a crash or a second Ctrl-C never leaves a truncated JSON file for a CI step.
 */
export async function writeReport(dir: string, report: Report): Promise<string> {
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = path.resolve(dir, `sse-soak-${stamp}-${process.pid}.json`);
  await writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
