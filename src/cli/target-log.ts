import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { countLines } from '../harness/target-console.ts';
import type { CliIo } from './io.ts';

/**
 * The target's own output during a run: into `<report>.target.log` next to the report (made
 * on the first line, so a quiet target leaves no file), and live on stderr with --verbose.
 * Appended synchronously: the lines of a crashing target are on disk when it crashes.
 */
export class TargetLog {
  lines = 0;
  #made = false;

  constructor(
    readonly file: string,
    readonly live?: CliIo['stderr'],
  ) {}

  readonly write = (text: string): void => {
    if (!this.#made) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.#made = true;
    }
    appendFileSync(this.file, text);
    this.lines += countLines(text);
    this.live?.write(text);
  };

  /** One line for the terminal, or undefined when the target wrote nothing. */
  summary(cwd: string): string | undefined {
    if (this.lines === 0) return undefined;
    return `sse-soak: the target wrote ${this.lines} line${this.lines === 1 ? '' : 's'} of output: ${path.relative(cwd, this.file) || this.file}`;
  }
}
