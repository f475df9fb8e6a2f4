import { Console } from 'node:console';
import { Writable } from 'node:stream';

const methods = ['log', 'info', 'debug', 'warn', 'error', 'trace', 'dir'] as const;

/** Lines in a chunk of output: its newlines (chunks may split a line; a line ends once). */
export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The target's console while sse-soak measures it. Every `console.*` call in the process
 * (the target's logging, hono's default error handler, node-server 1.19's "The user aborted
 * a request.") goes to `sink` when one is given, instead of the terminal; the Errors it
 * logs are kept, so that a failure can name what the handler threw and where.
 */
export class TargetConsole {
  readonly #errors: Error[] = [];

  /** The Errors logged since install(), oldest first (the last 20). */
  get errors(): readonly Error[] {
    return this.#errors;
  }

  /**
   * Installs it as `globalThis.console`. With a sink, output goes there; without one, to the
   * console it replaces (only the Errors are noted). Returns the restore function.
   */
  install(sink?: (text: string) => void): () => void {
    const original = globalThis.console;
    const record = (args: unknown[]) => {
      for (const a of args) if (a instanceof Error) this.#errors.push(a);
      if (this.#errors.length > 20) this.#errors.splice(0, this.#errors.length - 20);
    };
    const target = sink
      ? new Console({
          stdout: new Writable({
            write: (chunk: Buffer | string, _enc, done) => {
              sink(chunk.toString());
              done();
            },
          }),
        })
      : original;
    const replacement = Object.create(target) as Console;
    for (const m of methods) {
      const fn = (target[m] as (...a: unknown[]) => void).bind(target);
      (replacement as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
        record(args);
        fn(...args);
      };
    }
    globalThis.console = replacement;
    return () => {
      if (globalThis.console === replacement) globalThis.console = original;
    };
  }
}
