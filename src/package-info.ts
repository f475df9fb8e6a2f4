import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, whether this runs from src/ (tests, tsx) or dist/src/ (the bin). */
export const packageRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`sse-soak: package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
})();

export const packageInfo = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
