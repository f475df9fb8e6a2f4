import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/package-info.ts';

/**
 * Makes `dir` a user's project whose @hono/node-server is 2.1.9 (this package's dev alias
 * `node-server-2`), with hono and sse-soak linked in: a target module written there is
 * served by its project's adapter, not the one sse-soak bundles (1.19.19). Returns `dir`.
 */
export function nodeServer2Project(dir: string): string {
  mkdirSync(path.join(dir, 'node_modules', '@hono'), { recursive: true });
  symlinkSync(path.join(packageRoot, 'node_modules', 'node-server-2'), path.join(dir, 'node_modules', '@hono', 'node-server'));
  symlinkSync(path.join(packageRoot, 'node_modules', 'hono'), path.join(dir, 'node_modules', 'hono'));
  symlinkSync(packageRoot, path.join(dir, 'node_modules', 'sse-soak'));
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}
