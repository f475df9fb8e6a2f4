import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ScenarioError } from '../../errors/scenario-error.ts';
import { type ChildMessage, EXIT_RECORD_FD, type ExitRecord } from './child-protocol.ts';

/** The child's exit record (child-protocol.ts), or undefined when it left none (SIGKILL). */
export function readExitRecord(child: ChildProcess): Promise<ExitRecord | undefined> {
  const pipe = child.stdio[EXIT_RECORD_FD] as Readable | null | undefined;
  if (!pipe) return Promise.resolve(undefined);
  let text = '';
  pipe.on('data', (b: Buffer) => (text += b.toString()));
  return new Promise((resolve) =>
    pipe.once('close', () => {
      try {
        resolve(text.trim() ? (JSON.parse(text.trim().split('\n').pop()!) as ExitRecord) : undefined);
      } catch {
        resolve(undefined);
      }
    }),
  );
}

export const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).slice(-1)[0];

/** The child's IPC messages, awaited one at a time with a deadline. */
export class MessageQueue {
  readonly #queue: ChildMessage[] = [];
  #waiter: ((m: ChildMessage | Error) => void) | undefined;

  constructor(child: ChildProcess) {
    child.on('message', (m: ChildMessage) => {
      if (this.#waiter) this.#waiter(m);
      else this.#queue.push(m);
    });
    child.once('exit', (code, signal) => {
      this.#waiter?.(new Error(`the child exited (${code !== null ? `code ${code}` : `signal ${signal}`})`));
    });
  }

  /** Removes and returns the first queued message of `type`, if one came. */
  take<T extends ChildMessage['type']>(type: T): Extract<ChildMessage, { type: T }> | undefined {
    const i = this.#queue.findIndex((m) => m.type === type);
    return i < 0 ? undefined : (this.#queue.splice(i, 1)[0] as Extract<ChildMessage, { type: T }>);
  }

  next(timeoutMs: number, stderr: () => string): Promise<ChildMessage> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new ScenarioError(`the child sent nothing within ${timeoutMs} ms${tail(stderr())}`, 'child', { code: 'SSE_SOAK_HUNG' }));
      }, timeoutMs);
      this.#waiter = (m) => {
        clearTimeout(timer);
        this.#waiter = undefined;
        if (m instanceof Error) reject(new ScenarioError(`${m.message}${tail(stderr())}`, 'child', { code: 'SSE_SOAK_CHILD_EXITED' }));
        else resolve(m);
      };
    });
  }
}

function tail(stderr: string): string {
  const last = lastLine(stderr);
  return last ? `: ${last}` : '';
}
