import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The version of `name` as `fromDir` would resolve it, read from its package.json (which
 * packages do not always export). Undefined when it is not installed there.
 */
export function resolvePackage(name: string, fromDir: string): { version: string; dir: string } | undefined {
  let entry: string;
  try {
    entry = createRequire(path.join(fromDir, 'noop.js')).resolve(name);
  } catch {
    return undefined;
  }
  for (const { dir, json } of manifestsAbove(path.dirname(entry))) {
    if (!json) return undefined;
    const { name: found, version } = json as { name?: string; version?: string };
    if (found === name && version) return { version, dir };
  }
  return undefined;
}

/**
 * Every package.json from `fromDir` up to the filesystem's root, nearest first, as Node
 * looks for a module's package: its folder and its parsed content (undefined when it does
 * not parse).
 */
export function* manifestsAbove(fromDir: string): Generator<{ dir: string; json: Record<string, unknown> | undefined }> {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      yield { dir, json };
    }
    if (path.dirname(dir) === dir) return;
  }
}
