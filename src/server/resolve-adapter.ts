import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { UsageError } from '../errors/soak-error.ts';
import { packageRoot } from '../package-info.ts';
import { resolvePackage } from '../report/package-versions.ts';
import type { CreateAdaptorServer } from './serve-target.ts';

/** Which copy of @hono/node-server serves the target. */
export type AdapterChoice = 'auto' | 'project' | 'bundled';
export const adapterChoices: readonly AdapterChoice[] = ['auto', 'project', 'bundled'];

export interface ResolvedAdapter {
  create: CreateAdaptorServer;
  version: string;
  /** `project`: the target's own install; `bundled`: sse-soak's. */
  origin: 'project' | 'bundled';
  dir: string;
}

/**
 * DOMAIN.md: whether a late disconnect leaks depends on the adapter's version (1.19.x leaks
 * forever what 2.x rescues), so a verdict is only worth the adapter it was measured on.
 * `auto` serves a target module with the @hono/node-server its own project resolves, and
 * falls back to the copy sse-soak ships; `project` and `bundled` force one or the other.
 */
export async function resolveAdapter(choice: AdapterChoice, modulePath: string | undefined): Promise<ResolvedAdapter> {
  const bundled = resolvePackage('@hono/node-server', packageRoot)!;
  const own: ResolvedAdapter = { create: createAdaptorServer, version: bundled.version, origin: 'bundled', dir: bundled.dir };
  if (choice === 'bundled') return own;
  const from = modulePath ? path.dirname(modulePath) : undefined;
  const found = from ? resolvePackage('@hono/node-server', from) : undefined;
  if (!found || found.dir === bundled.dir) {
    if (choice === 'project') {
      throw new UsageError(
        modulePath
          ? `--adapter project: no @hono/node-server is installed for ${modulePath} (install it there, or use --adapter bundled)`
          : '--adapter project needs a target module; the reference server runs on the bundled adapter',
        { code: 'SSE_SOAK_NO_PROJECT_ADAPTER' },
      );
    }
    return own;
  }
  const entry = createRequire(path.join(from!, 'noop.js')).resolve('@hono/node-server');
  const mod = (await import(pathToFileURL(entry).href)) as {
    createAdaptorServer?: CreateAdaptorServer;
    default?: { createAdaptorServer?: CreateAdaptorServer };
  };
  const create = mod.createAdaptorServer ?? mod.default?.createAdaptorServer;
  if (typeof create !== 'function') {
    throw new UsageError(`the project's @hono/node-server ${found.version} at ${found.dir} has no createAdaptorServer`, {
      code: 'SSE_SOAK_BAD_PROJECT_ADAPTER',
    });
  }
  return { create, version: found.version, origin: 'project', dir: found.dir };
}
