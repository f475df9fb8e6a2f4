import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NotApplicableError, ScenarioError } from '../errors/scenario-error.ts';
import { inNewTargetChain } from '../meters/async-owner.ts';
import type { ScenarioContext } from '../scenario/scenario.ts';
import type { Target } from '../target/target.ts';
import type { Check } from '../report/report.ts';
import type { ConnectionScenario, ScenarioResources } from '../scenario/scenario.ts';
import type { FromThread, ResourceCall, TargetCall, ThreadContext, ToThread } from './client-thread-protocol.ts';
import type { Establish, WireRequest } from './wire-request.ts';

const NOT_APPLICABLE = new NotApplicableError('').code;

/** What the thread needs of a scenario context: plain data, and whether the target can publish. */
export function threadContext(
  ctx: Pick<ScenarioContext, 'url' | 'origin' | 'target' | 'settings'> & { establish: Establish; request: WireRequest | undefined },
): ThreadContext {
  const { name, path, firstEvent, publish, end, replay, request } = ctx.target;
  return {
    url: ctx.url,
    origin: ctx.origin,
    target: {
      name,
      path,
      firstEvent,
      publish: !!publish,
      end: !!end,
      replay: replay === true,
      requestPerConnection: typeof request === 'function',
    },
    settings: ctx.settings,
    establish: ctx.establish,
    ...(ctx.request ? { request: ctx.request } : {}),
  };
}

/**
 * Runs `scenario`'s setup where its `setupWith` asks: beside the clients when they run in
 * `thread` (the scenario's `connect` runs there), else here, by `local`.
 */
export function setUpScenario(
  scenario: Pick<ConnectionScenario, 'name' | 'setup' | 'setupWith' | 'clients'>,
  thread: ClientThread | undefined,
  context: () => ThreadContext,
  local: () => Promise<ScenarioResources | undefined>,
): Promise<ScenarioResources | undefined> {
  const beside = thread && scenario.clients !== 'in-process' && scenario.setup && scenario.setupWith === 'clients';
  return beside ? thread.setup(scenario.name, context()) : local();
}

/**
 * The scenarios' clients in a worker thread of their own. The measured heap is one V8
 * isolate's, and the clients' share of it was most of what moved a heap series: undici's
 * and eventsource's allocations, their garbage and their code being compiled. Measured on
 * `fixed` in clean-close, clients in the same isolate gave a slope of 465 to 615 B per
 * connection and samples scattered by about 20 KB; with the clients in another isolate the
 * server alone shows 1 to 93 B per connection and 2 to 7 KB. The clients also get the
 * machine's other core. Timers and listeners the clients create are in the worker's own
 * event loop and async hooks, so the meters never see them.
 *
 * The target stays in the measured thread: the thread asks it to `publish` or `end` by message.
 */
export class ClientThread {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (done: { counts: Record<string, number>; result?: unknown }) => void; reject: (error: Error) => void }
  >();
  readonly #ready: Promise<void>;
  #nextId = 0;
  #failure: Error | undefined;
  #stderr = '';
  #calls: Partial<Record<TargetCall, () => Promise<void>>> = {};

  constructor() {
    const self = import.meta.url;
    const fromSource = self.endsWith('.ts');
    const entry = new URL(`./client-thread-main.${fromSource ? 'ts' : 'js'}`, self);
    // From its TypeScript sources (sse-soak's own tests), through tsx's scoped loader: Node
    // 20 does not apply `--import` loaders to a worker's entry.
    const tsx = fromSource && import.meta.resolve('tsx/esm/api');
    const options = { stdout: true, stderr: true } as const;
    this.#worker = tsx
      ? new Worker(`import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(self)}))`, {
          ...options,
          eval: true,
        })
      : new Worker(fileURLToPath(entry), options);
    this.#worker.stdout.resume();
    this.#worker.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-2_000);
    });
    let ready!: () => void;
    this.#ready = new Promise<void>((resolve) => (ready = resolve));
    this.#worker.on('message', (message: FromThread) => {
      if (message.type === 'ready') ready();
      else if (message.type === 'call') void this.#runCall(message.id, message.method);
      else {
        const waiting = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (!waiting) return;
        if (message.error) {
          const { message: text, phase, code } = message.error;
          // A scenario that found it cannot apply says so from the thread as it does here.
          waiting.reject(code === NOT_APPLICABLE ? new NotApplicableError(text) : new ScenarioError(text, phase, { code }));
        } else waiting.resolve(message);
      }
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      ready();
      for (const waiting of this.#pending.values()) waiting.reject(this.#failure);
      this.#pending.clear();
    };
    this.#worker.on('error', (error) => fail(new ScenarioError(`the client thread failed: ${error.message}`, 'measure', { cause: error })));
    this.#worker.on('exit', (code) => {
      const detail = this.#stderr.trim().split('\n').at(-1);
      fail(new ScenarioError(`the client thread exited (code ${code})${detail ? `: ${detail}` : ''}`, 'measure'));
    });
  }

  /**
   * Serves the clients' requests to publish or end with the target's own `publish` and
   * `end`, run in the measured thread, each call in a target chain of its own (as the
   * in-process clients do).
   */
  callsFor(target: Pick<Target, 'publish' | 'end'>): void {
    this.#calls = {};
    for (const method of ['publish', 'end'] as const) {
      const fn = target[method];
      if (fn) this.#calls[method] = async () => void (await inNewTargetChain(method, () => fn()));
    }
  }

  /**
   * One wave of `scenario`'s connections in the thread; resolves with what they counted.
   * `requests` are the wave's own, one per connection, when the context has no fixed one.
   */
  async wave(
    scenario: string,
    context: ThreadContext,
    first: number,
    size: number,
    requests?: WireRequest[],
  ): Promise<Record<string, number>> {
    const done = await this.#request((id) => ({ type: 'wave', id, scenario, context, first, size, ...(requests ? { requests } : {}) }));
    return done.counts;
  }

  /**
   * Runs `scenario`'s setup in the thread (`setupWith: 'clients'`) and returns its resources,
   * each call made there by message: what it opened lives beside the clients.
   */
  async setup(scenario: string, context: ThreadContext): Promise<ScenarioResources> {
    const call = async <T>(c: ResourceCall) =>
      (await this.#request((id) => ({ type: 'resources', id, scenario, context, call: c }))).result as T;
    const opened = await call<{ url?: string }>({ op: 'setup' });
    return {
      ...(opened.url !== undefined ? { url: opened.url } : {}),
      stats: () => call<Record<string, number>>({ op: 'stats' }),
      measuring: () => call<void>({ op: 'measuring' }),
      checks: (measured) => call<Check[]>({ op: 'checks', measured }),
      notes: (measured) => call<string[]>({ op: 'notes', measured }),
      // A thread that failed has nothing left open to close.
      close: () => call<void>({ op: 'close' }).catch(() => undefined),
    };
  }

  /** Closes the thread's undici pool and starts a new one (between warm-up and measurement). */
  async resetPool(): Promise<void> {
    await this.#request((id) => ({ type: 'reset-pool', id }));
  }

  async stop(): Promise<void> {
    this.#failure ??= new ScenarioError('the client thread was stopped', 'measure');
    await this.#worker.terminate();
  }

  async #request(message: (id: number) => ToThread): Promise<{ counts: Record<string, number>; result?: unknown }> {
    await this.#ready;
    if (this.#failure) throw this.#failure;
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(message(id));
    });
  }

  async #runCall(id: number, method: TargetCall): Promise<void> {
    let error: string | undefined;
    try {
      const fn = this.#calls[method];
      if (!fn) throw new Error(`the target has no ${method}`);
      await fn();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    this.#worker.postMessage({ type: 'called', id, ...(error !== undefined ? { error } : {}) } satisfies ToThread);
  }
}
