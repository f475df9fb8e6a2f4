import { readFileSync } from 'node:fs';
import { UsageError } from '../errors/soak-error.ts';
import type { Report } from './report.ts';
import { reportProblems } from './validate-report.ts';

/** Reads a report file given on the command line; a missing or invalid one is a usage error. */
export function readReport(file: string, role: string): Report {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `${role} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `not JSON (${(error as Error).message})`}`,
      {
        code: 'SSE_SOAK_BAD_REPORT',
      },
    );
  }
  const problems = reportProblems(value);
  if (problems.length) {
    throw new UsageError(`${role} ${file} is not an sse-soak report: ${problems.slice(0, 3).join('; ')}`, { code: 'SSE_SOAK_BAD_REPORT' });
  }
  return value as Report;
}
