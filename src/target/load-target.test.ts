import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiledToCommonJs } from './load-target.ts';

describe('compiledToCommonJs: how tsx will compile a TypeScript target, as Node decides a module type', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-module-type-'));
  const pkg = (dir: string, manifest: string) => {
    mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, dir, 'package.json'), manifest);
    return path.join(root, dir);
  };
  const esm = pkg('esm', '{ "type": "module" }');
  const cjs = pkg('cjs', '{ "name": "app" }');
  const broken = pkg('broken', '{ not json');
  mkdirSync(path.join(esm, 'src', 'deep'), { recursive: true });

  it.each([
    ['a .ts file in a "type": "module" package, however deep', path.join(esm, 'src', 'deep', 't.ts'), false],
    ['a .ts file in a package with no "type"', path.join(cjs, 't.ts'), true],
    ['a .mts file anywhere', path.join(cjs, 't.mts'), false],
    ['a .js file', path.join(cjs, 't.js'), false],
    ['a .ts file under an unreadable package.json (left to tsx import)', path.join(broken, 't.ts'), false],
  ])('%s: %s', (_what, file, expected) => expect(compiledToCommonJs(file)).toBe(expected));
});
