/**
 * Part of the build (`npm run build`, and so `prepare`): compiles the report's and the config
 * file's JSON Schemas to ajv standalone code in dist/validators/, so that a process that
 * validates loads code instead of compiling the schema (src/schema-validator.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { _, Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { configSpec } from '../src/config/load-config.ts';
import { reportSpec } from '../src/report/validate-report.ts';
import { precompiledPath, type SchemaSpec, schemaDigest } from '../src/schema-validator.ts';

for (const spec of [reportSpec(), configSpec] satisfies SchemaSpec[]) {
  const ajv = new Ajv({
    ...spec.options,
    code: { source: true, ...(spec.formats ? { formats: _`require("ajv-formats/dist/formats").fullFormats` } : {}) },
  });
  if (spec.formats) addFormats.default(ajv);
  const code = standaloneCode.default(ajv, ajv.compile(spec.schema));
  const file = precompiledPath(spec.name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${code}\nmodule.exports.digest = ${JSON.stringify(schemaDigest(spec))};\n`);
}
