import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describeErrors } from '../config/load-config.ts';
import { packageRoot } from '../package-info.ts';
import type { Report } from './report.ts';

/** The shipped JSON Schema of the report (schema/report.schema.json). */
export const reportSchemaPath = path.join(packageRoot, 'schema', 'report.schema.json');

let validator: (((value: unknown) => boolean) & { errors?: unknown }) | undefined;

/** Validates a report against the shipped schema; returns the problems, empty when valid. */
export function reportProblems(report: unknown): string[] {
  if (!validator) {
    // Loaded on first use: a plain run validates nothing (the suite and read-report do).
    const require = createRequire(import.meta.url);
    const { Ajv } = require('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false });
    const addFormats = require('ajv-formats') as (a: InstanceType<typeof Ajv>) => unknown;
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(reportSchemaPath, 'utf8')));
  }
  return validator(report) ? [] : describeErrors((validator.errors ?? []) as never).split('; ');
}

export function isReport(value: unknown): value is Report {
  return reportProblems(value).length === 0;
}

/**
 * The test suite sets SSE_SOAK_VALIDATE_REPORTS=1, so that every report any test produces,
 * in-process or through the binary, is checked against the shipped schema.
 */
export function checkAgainstSchemaUnderTest<T extends Report>(report: T): T {
  if (process.env.SSE_SOAK_VALIDATE_REPORTS === '1') {
    const problems = reportProblems(report);
    if (problems.length) throw new Error(`the report does not match schema/report.schema.json: ${problems.join('; ')}`);
  }
  return report;
}
