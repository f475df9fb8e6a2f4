import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ErrorObject } from 'ajv';
import { TargetError, UsageError } from '../errors/soak-error.ts';
import { messageOf } from '../target/load-target.ts';
import { configSchema } from './config-schema.ts';
import { type SchemaSpec, schemaValidator } from '../schema-validator.ts';
import type { SseSoakConfig } from './sse-soak-config.ts';

export const configNames = [
  'sse-soak.config.ts',
  'sse-soak.config.mts',
  'sse-soak.config.js',
  'sse-soak.config.mjs',
  'sse-soak.config.json',
];

export interface LoadedConfig {
  config: SseSoakConfig;
  file: string;
}

/**
 * The config named by --config, else the first sse-soak.config.* in `cwd`, else none.
 * Its default export is validated against a JSON Schema with ajv; an unknown key or a bad
 * value is a usage error naming the key. Paths in it are made absolute from its folder.
 */
export async function loadConfig(explicit: string | undefined, cwd: string): Promise<LoadedConfig | undefined> {
  const file = explicit ? path.resolve(cwd, explicit) : configNames.map((n) => path.join(cwd, n)).find((f) => existsSync(f));
  if (!file) return undefined;
  if (!existsSync(file)) throw new UsageError(`config file not found: ${file}`, { code: 'SSE_SOAK_CONFIG_NOT_FOUND' });
  let exported: unknown;
  try {
    const url = pathToFileURL(file).href;
    // JSON is the config itself (a module would need an import attribute to load it).
    const ns = file.endsWith('.json')
      ? { default: JSON.parse(readFileSync(file, 'utf8')) as unknown }
      : /\.m?ts$/.test(file)
        ? ((await (await import('tsx/esm/api')).tsImport(url, import.meta.url)) as { default?: unknown })
        : ((await import(url)) as { default?: unknown });
    exported = ns.default;
    if (exported && typeof exported === 'object' && 'default' in exported && Object.keys(exported).length === 1) {
      exported = (exported as { default: unknown }).default;
    }
  } catch (error) {
    throw new TargetError(`config ${file}: loading it failed: ${messageOf(error)}`, { code: 'SSE_SOAK_CONFIG_LOAD', cause: error });
  }
  if (exported === undefined) {
    throw new UsageError(`config ${file} has no default export (export default defineConfig({...}))`, { code: 'SSE_SOAK_BAD_CONFIG' });
  }
  // Loaded here, not at the top: a run with no config file does not pay for it.
  const validate = schemaValidator(configSpec);
  if (!validate(exported)) {
    throw new UsageError(`config ${file}: ${describeErrors(validate.errors ?? [])}`, { code: 'SSE_SOAK_BAD_CONFIG' });
  }
  const dir = path.dirname(file);
  const config: SseSoakConfig = { ...exported };
  if (config.target && !config.target.startsWith('reference')) config.target = path.resolve(dir, config.target);
  if (config.reportDir) config.reportDir = path.resolve(dir, config.reportDir);
  return { config, file };
}

/** The config file's schema as ajv compiles it (here, or ahead of time by the build). */
export const configSpec: SchemaSpec = { name: 'config', schema: configSchema, options: { allErrors: true } };

/** ajv's errors as one line, each naming its key. */
export function describeErrors(errors: readonly ErrorObject[]): string {
  return errors
    .map((e) => {
      const key = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
      if (e.keyword === 'additionalProperties') {
        const unknown = (e.params as { additionalProperty: string }).additionalProperty;
        return `unknown key '${key ? `${key}.` : ''}${unknown}'`;
      }
      if (e.keyword === 'enum') return `'${key}' must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
      return `'${key || '(config)'}' ${e.message}`;
    })
    .join('; ');
}
