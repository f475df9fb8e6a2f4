import { spawnSync } from 'node:child_process';
import path from 'node:path';

const esbuildLine = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m;

/**
 * `file:line:col: message` for a target module (or config) that does not parse, or
 * undefined when `error` is not a syntax error. tsx reports esbuild's "Transform failed"
 * with the location in its message; Node's own ESM SyntaxError carries no location a
 * program can read, so the file is checked again with `node --check`, the same parser.
 */
export function describeSyntaxError(error: unknown, file: string, cwd = process.cwd()): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const shown = (f: string) => {
    const rel = path.relative(cwd, f);
    return rel && !rel.startsWith('..') ? rel : f;
  };
  const transform = /^Transform failed/.test(error.message) ? esbuildLine.exec(error.message) : null;
  if (transform) return `${shown(transform[1]!)}:${transform[2]}:${transform[3]}: ${transform[4]}`;
  if (error.name !== 'SyntaxError') return undefined;
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  const lines = (check.stderr ?? '').split('\n');
  const at = /^(.+):(\d+)$/.exec(lines[0] ?? '');
  const caret = lines.findIndex((l) => /^\s*\^+\s*$/.test(l));
  const message = lines.find((l) => /^SyntaxError: /.test(l))?.replace(/^SyntaxError: /, '') ?? error.message;
  if (!at) return `${shown(file)}: ${message}`;
  const column = caret >= 0 ? lines[caret]!.indexOf('^') + 1 : 1;
  return `${shown(at[1]!)}:${at[2]}:${column}: ${message}`;
}
