import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OwnerRules } from './call-site.ts';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Compiled code lives in dist/src/...; sources in src/... Both are ours.
const root = path.basename(packageRoot) === 'dist' ? path.dirname(packageRoot) : packageRoot;
const nm = (name: string) => path.join(root, 'node_modules', name) + path.sep;
const sep = path.sep;

/**
 * sse-soak's own code, its clients (undici, eventsource) and the test runner are the
 * harness; the embedded reference server is a target although it ships inside the package.
 * Module loaders (tsx) are transparent.
 */
export const defaultOwnerRules: OwnerRules = {
  harness: [
    path.join(root, 'bin') + sep,
    path.join(root, 'src') + sep,
    path.join(root, 'dist') + sep,
    path.join(root, 'scenarios') + sep,
    path.join(root, 'test') + sep,
    nm('undici'),
    nm('eventsource'),
    nm('eventsource-parser'),
    nm('vitest'),
    nm('@vitest'),
    nm('tinypool'),
  ],
  targetInsideHarness: [
    path.join(root, 'src', 'reference') + sep,
    path.join(root, 'dist', 'src', 'reference') + sep,
    path.join(root, 'test', 'fixtures') + sep,
  ],
  transparent: [nm('tsx'), nm('esbuild')],
};

export const sseSoakRoot = root;
