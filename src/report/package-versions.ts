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
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (json.name === name && json.version) return { version: json.version, dir };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
