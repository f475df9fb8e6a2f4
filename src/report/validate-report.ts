import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeErrors } from '../config/load-config.ts';
import { packageRoot } from '../package-info.ts';
import { type SchemaSpec, schemaValidator, type Validator } from '../schema-validator.ts';
import type { Report } from './report.ts';

/** The shipped JSON Schema of the report (schema/report.schema.json). */
export const reportSchemaPath = path.join(packageRoot, 'schema', 'report.schema.json');

let validator: Validator | undefined;

/** The report's schema as ajv compiles it (here, or ahead of time by the build). */
export const reportSpec = (): SchemaSpec => ({
  name: 'report',
  schema: JSON.parse(readFileSync(reportSchemaPath, 'utf8')) as object,
  options: { allErrors: true, strict: false },
  formats: true,
});

/** Validates a report against the shipped schema; returns the problems, empty when valid. */
export function reportProblems(report: unknown): string[] {
  // On first use: a plain run validates nothing (the suite, compare and --baseline do).
  validator ??= schemaValidator(reportSpec());
  return validator(report) ? [] : describeErrors(validator.errors ?? []).split('; ');
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
