import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ErrorObject, Options } from 'ajv';
import { packageRoot } from './package-info.ts';

export type Validator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The schemas sse-soak validates against, each compiled with its own ajv options. */
export interface SchemaSpec {
  name: 'report' | 'config';
  schema: object;
  options: Options;
  /** ajv-formats' formats (the report's `date-time`). */
  formats?: boolean;
}

/** Where the build writes a schema's validator as ajv standalone code (scripts/precompile-validators.ts). */
export const precompiledPath = (name: SchemaSpec['name']) => path.join(packageRoot, 'dist', 'validators', `${name}.cjs`);

/** Identifies a schema and its options: a precompiled validator of another schema is not used. */
export const schemaDigest = (spec: SchemaSpec) =>
  createHash('sha256')
    .update(JSON.stringify([spec.schema, spec.options, spec.formats ?? false]))
    .digest('hex')
    .slice(0, 16);

/**
 * A schema's validator: the code the build compiled ahead of time when it was compiled from
 * this very schema, else compiled now. Compiling the report's schema took 200 to 250 ms of
 * every process that validates one (each of the suite's 160 runs of the binary, `compare`,
 * `--baseline`), the config's 70 to 110 ms of every run with a config file; loading the
 * compiled code takes a few ms. Compiled now when the build has not written it, or wrote it
 * from an older schema (a test run from src/ after an edit, before a build).
 */
export function schemaValidator(spec: SchemaSpec): Validator {
  const require = createRequire(import.meta.url);
  const file = precompiledPath(spec.name);
  if (existsSync(file)) {
    const compiled = require(file) as { default: Validator; digest?: string };
    if (compiled.digest === schemaDigest(spec)) return compiled.default;
  }
  const { Ajv } = require('ajv') as typeof import('ajv');
  const ajv = new Ajv(spec.options);
  if (spec.formats) (require('ajv-formats') as (a: InstanceType<typeof Ajv>) => unknown)(ajv);
  return ajv.compile(spec.schema) as Validator;
}
