import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SoakError } from '../errors/soak-error.ts';
import type { Report } from './report.ts';

/**
 * Writes the report next to its final name and renames it into place, so that a crash or a
 * second Ctrl-C never leaves a truncated JSON file for a CI step to choke on.
 */
export async function writeReport(dir: string, report: Report): Promise<string> {
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = path.resolve(dir, `sse-soak-${stamp}-${process.pid}.json`);
  const temp = `${file}.partial`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`);
    await rename(temp, file);
  } catch (error) {
    throw new SoakError(`cannot write the report into ${dir}: ${(error as Error).message}`, {
      code: 'SSE_SOAK_REPORT_WRITE',
      exitCode: 3,
      cause: error,
    });
  }
  return file;
}
