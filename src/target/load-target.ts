import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TargetError, UsageError } from '../errors/soak-error.ts';
import { inTarget } from '../meters/async-owner.ts';
import { manifestsAbove } from '../report/package-versions.ts';
import type { ReferenceOptions } from '../reference/app.ts';
import { createReferenceTarget } from '../reference/reference-target.ts';
import { describeSyntaxError } from './syntax-error.ts';
import { validateTarget } from './validate-target.ts';
import type { RequestFactory, StreamRequest, Target } from './target.ts';

export interface LoadedTarget {
  target: Target;
  /** Shown in reports: the target's own name, else the spec. */
  name: string;
  /** The spec as the user gave it (`reference:fixed`, `./soak.target.ts`). */
  source: string;
  /** Absolute path of a target module; undefined for the reference server. */
  modulePath?: string;
}

const moduleExtensions = ['.ts', '.mts', '.js', '.mjs'];

/** Normalises `reference` to `reference:fixed`; leaves paths as given. */
export function normaliseSpec(spec: string): string {
  return spec === 'reference' ? 'reference:fixed' : spec;
}

/**
 * Turns a --target spec into a live target: `reference[:variant]`, or a module path
 * resolved from `cwd` whose default export is a target or a (sync or async) factory.
 * TypeScript modules load through tsx, resolving their imports from their own folder.
 */
export async function loadTarget(spec: string, options: { cwd?: string; reference?: ReferenceOptions } = {}): Promise<LoadedTarget> {
  const source = normaliseSpec(spec);
  if (source.startsWith('reference:')) {
    const target = inTarget('module', () => createReferenceTarget({ ...options.reference, variant: source.slice('reference:'.length) }));
    return { target, name: target.name!, source };
  }
  const modulePath = path.resolve(options.cwd ?? process.cwd(), source);
  if (!moduleExtensions.includes(path.extname(modulePath))) {
    throw new UsageError(
      `--target '${spec}' is neither 'reference[:<variant>]' nor a module path ending in ${moduleExtensions.join(', ')}`,
      { code: 'SSE_SOAK_BAD_TARGET_SPEC' },
    );
  }
  if (!existsSync(modulePath) || !statSync(modulePath).isFile()) {
    throw new UsageError(`target module not found: ${modulePath}`, { code: 'SSE_SOAK_TARGET_NOT_FOUND' });
  }
  // The module's top level and its factory are the target's, as are the timers they start.
  const exported = await inTarget('module', () => importModule(modulePath, spec));
  let value: unknown = exported;
  if (typeof exported === 'function') {
    try {
      value = await inTarget('module', () => (exported as () => unknown)());
    } catch (error) {
      throw new TargetError(`target ${spec}: load: its factory threw: ${messageOf(error)}`, {
        code: 'SSE_SOAK_FACTORY_THREW',
        cause: error,
      });
    }
  }
  const target = validateTarget(value, spec);
  return { target, name: target.name ?? spec, source, modulePath };
}

/** A module's namespace: TypeScript through tsx, JavaScript through Node's own import. */
async function importNamespace(modulePath: string): Promise<Record<string, unknown>> {
  if (/\.m?ts$/.test(modulePath)) {
    // Leak sites are file:line of the user's TypeScript: tsx emits source maps, and Node
    // applies them to stacks only when asked (the bin asks; a library caller may not have).
    process.setSourceMapsEnabled(true);
    if (compiledToCommonJs(modulePath)) {
      // Through tsx's ESM import, a module tsx compiles to CommonJS runs from a data: URL
      // that no source map covers: its frames named no file, and a leak was told at the
      // library line that armed it (hono's) instead of the user's. tsx's require keeps the
      // file's path and maps its lines. In a namespace of its own, as tsImport's, each load
      // evaluates the module afresh (tsx's shared require would hand back the first
      // instance); it stays registered for what the module requires later.
      const { register } = await import('tsx/cjs/api');
      return { default: register({ namespace: `sse-soak-${randomUUID()}` }).require(modulePath, import.meta.url) };
    }
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(modulePath).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
}

/**
 * Whether tsx compiles a TypeScript file to CommonJS, as Node would treat it: `.ts` in a
 * package whose nearest package.json has no `"type": "module"` (what `npm init` makes), or
 * none at all. `.mts` is always ESM. An unreadable package.json leaves it to tsx's import.
 */
export function compiledToCommonJs(modulePath: string): boolean {
  if (path.extname(modulePath) !== '.ts') return false;
  const nearest = manifestsAbove(path.dirname(modulePath)).next().value;
  if (!nearest) return true;
  return nearest.json !== undefined && nearest.json.type !== 'module';
}

/**
 * `--request <module>` (a server command's stream request): its default export is the
 * request (`{ method, headers, body }`) or a function that makes one per connection, as a
 * target module's `request` is (an MCP handshake, a token per connection). Every way it is
 * wrong is a usage error naming the file.
 */
export async function loadRequestModule(file: string, cwd: string): Promise<StreamRequest | RequestFactory> {
  const modulePath = path.resolve(cwd, file);
  const named = `--request ${file}`;
  if (!existsSync(modulePath) || !statSync(modulePath).isFile())
    throw new UsageError(`${named}: no such file (resolved to ${modulePath})`, { code: 'SSE_SOAK_BAD_REQUEST_MODULE' });
  let namespace: Record<string, unknown>;
  try {
    namespace = await importNamespace(modulePath);
  } catch (error) {
    const syntax = describeSyntaxError(error, modulePath);
    throw new UsageError(`${named}: ${syntax ? `syntax error at ${syntax}` : `importing the module failed: ${messageOf(error)}`}`, {
      code: 'SSE_SOAK_BAD_REQUEST_MODULE',
      cause: error,
    });
  }
  let exported = namespace.default;
  if (exported && typeof exported === 'object' && 'default' in exported) exported = (exported as { default: unknown }).default;
  if (typeof exported === 'function') return exported as RequestFactory;
  if (exported && typeof exported === 'object') return exported as StreamRequest;
  throw new UsageError(
    `${named}: its default export must be the request ({ method, headers, body }) or a function that makes one per connection (({ origin, index, fetch }) => ...), not ${exported === undefined ? 'missing' : typeof exported}`,
    { code: 'SSE_SOAK_BAD_REQUEST_MODULE' },
  );
}

async function importModule(modulePath: string, spec: string): Promise<unknown> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await importNamespace(modulePath);
  } catch (error) {
    // A module that does not parse is an invalid module (exit 2), named at file:line:col.
    const syntax = describeSyntaxError(error, modulePath);
    if (syntax) {
      // esbuild cannot compile what only ESM has (top-level await) to CommonJS: say why it did.
      const why =
        compiledToCommonJs(modulePath) && /"cjs" output format/.test(syntax)
          ? ' (its nearest package.json has no "type": "module", so it is compiled to CommonJS: add that, or name the file .mts)'
          : '';
      throw new UsageError(`target ${spec}: load: syntax error at ${syntax}${why}`, { code: 'SSE_SOAK_TARGET_SYNTAX', cause: error });
    }
    // Loading runs the module's top level: a throw there is the target's.
    throw new TargetError(`target ${spec}: load: importing the module failed: ${messageOf(error)}`, {
      code: 'SSE_SOAK_TARGET_LOAD',
      cause: error,
    });
  }
  // tsx may wrap a CommonJS-compiled module's exports one level deeper.
  let exported = namespace.default;
  if (exported && typeof exported === 'object' && 'default' in exported && !('fetch' in exported)) {
    exported = (exported as { default: unknown }).default;
  }
  if (exported === undefined) {
    throw new UsageError(`target ${spec}: load: the module has no default export (export default defineTarget(...))`, {
      code: 'SSE_SOAK_NO_DEFAULT_EXPORT',
    });
  }
  return exported;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
