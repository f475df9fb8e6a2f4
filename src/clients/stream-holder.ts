import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TargetError } from '../errors/soak-error.ts';
import type { FromHolder, HolderCounts, HolderTarget, ToHolder } from './stream-holder-protocol.ts';
import { monotonicMs } from './stream-holder-protocol.ts';
import type { WireRequest } from './wire-request.ts';

type Ask = ToHolder extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

/** One publish's fan-out: how long each held stream took to read the event, and how many never did. */
export interface Fanout {
  latenciesMs: number[];
  missed: number;
}

/**
 * The soak's long-lived streams, held by a child process of the harness (src/clients/
 * stream-holder-main.ts). A server's streams each hold a socket at both ends: 10,000 streams
 * served in-process and read in-process would be 20,000 file descriptors in one process.
 * The holder's clients also stay out of the measured process's heap and RSS, so that what
 * the capacity report reads per stream is the server's. It exits with the harness.
 */
export class StreamHolder {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (message: FromHolder) => void>();
  readonly #ready: Promise<void>;
  #nextId = 0;
  #failure: Error | undefined;
  #stderr = '';

  constructor() {
    const self = import.meta.url;
    const fromSource = self.endsWith('.ts');
    const entry = new URL(`./stream-holder-main.${fromSource ? 'ts' : 'js'}`, self);
    // From sse-soak's TypeScript sources (its own tests), through tsx's loader.
    const execArgv = fromSource ? [`--import=${pathToFileURL(createRequire(self).resolve('tsx')).href}`] : [];
    this.#child = fork(fileURLToPath(entry), [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.#child.stderr!.on('data', (b: Buffer) => {
      this.#stderr = (this.#stderr + b.toString()).slice(-2_000);
    });
    let ready!: () => void;
    this.#ready = new Promise<void>((resolve) => (ready = resolve));
    this.#child.on('message', (message: FromHolder) => {
      if (message.type === 'ready') return ready();
      const waiting = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      waiting?.(message);
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      ready();
      for (const w of this.#pending.values()) w({ type: 'closed', id: -1 });
      this.#pending.clear();
    };
    this.#child.once('error', fail);
    this.#child.once('exit', (code, signal) =>
      fail(
        new TargetError(
          `the stream holder (the process that holds the --open streams) exited (${signal ?? `code ${code}`})${this.#stderr ? `: ${this.#stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
          { code: 'SSE_SOAK_HOLDER' },
        ),
      ),
    );
  }

  async #ask<T extends FromHolder['type']>(message: Ask, want: T): Promise<Extract<FromHolder, { type: T }>> {
    await this.#ready;
    if (this.#failure) throw this.#failure;
    const id = ++this.#nextId;
    const reply = await new Promise<FromHolder>((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ ...message, id } as ToHolder);
    });
    if (this.#failure) throw this.#failure;
    if (reply.type !== want)
      throw new TargetError(`the stream holder answered ${reply.type} to ${message.type}`, { code: 'SSE_SOAK_HOLDER' });
    return reply as Extract<FromHolder, { type: T }>;
  }

  /** Opens streams until `to` are held (one request each, or the same for all); how many are held, and why no more when it stopped short. */
  async open(target: HolderTarget, to: number, requests: WireRequest | WireRequest[]): Promise<{ open: number; error?: string }> {
    const { open, error } = await this.#ask(
      { type: 'open', target, to, ...(Array.isArray(requests) ? { requests } : { request: requests }) },
      'opened',
    );
    return { open, ...(error !== undefined ? { error } : {}) };
  }

  async counts(): Promise<HolderCounts> {
    return (await this.#ask({ type: 'counts' }, 'counts')).counts;
  }

  /** Events and comment lines the held streams have read, all together. */
  async chunks(): Promise<number> {
    const c = await this.counts();
    return c.events + c.comments;
  }

  /**
   * One publish's fan-out: the time from just before `publish` is called until each held
   * stream reads its next event, on the machine's monotonic clock (the same in both
   * processes), waiting up to `timeoutMs` for the last.
   */
  async fanout(publish: () => Promise<void>, timeoutMs: number): Promise<Fanout> {
    await this.#ask({ type: 'arm' }, 'armed');
    const since = monotonicMs();
    await publish();
    const { latenciesMs, missed } = await this.#ask({ type: 'collect', since, timeoutMs }, 'collected');
    return { latenciesMs, missed };
  }

  /** Closes every held stream (FIN) and waits until they are closed. */
  async closeStreams(): Promise<void> {
    if (this.#failure) return;
    await this.#ask({ type: 'close' }, 'closed');
  }

  /** Ends the holder process (its streams close with it). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }
}
