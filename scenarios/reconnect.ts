import { setTimeout as sleep } from 'node:timers/promises';
import { EventSource } from 'eventsource';
import { createParser } from 'eventsource-parser';
import { type HttpStream, openHttpStream } from '../src/clients/http-stream.ts';
import { fetchInit, type WireRequest } from '../src/clients/wire-request.ts';
import { ScenarioError } from '../src/errors/scenario-error.ts';
import { CLIENT_KEY_HEADER, type FaultProxy, startFaultProxy } from '../src/harness/fault-proxy.ts';
import { inNewTargetChain } from '../src/meters/async-owner.ts';
import type { Check } from '../src/report/report.ts';
import { defineScenario, type ScenarioContext } from '../src/scenario/scenario.ts';

/**
 * The client comes back. Real `eventsource` clients connect through the harness's fault
 * proxy; the proxy drops each client's connection (one at a time in even rounds, every
 * connection at once in odd ones, as a proxy restart does); an event is published while
 * the client is away; the client reconnects by itself with `Last-Event-ID`. After
 * `reconnectRounds` rounds one more event is published, the client takes it and closes.
 *
 * The usual checks judge what the reconnects left behind (replay cursors, backlog copies,
 * expiry timers). For a target that declares `replay: true` (and one request for every
 * connection), delivery is checked too, against a witness: a second stream of the client's
 * own, straight to the server and never dropped. Every event the witness saw from the
 * client's first event to its last must reach the client exactly once and in order.
 *
 * EventSource waits the server's `retry:` before it reconnects, 3 s when the server names
 * none; the clients read a `retry: 50` ahead of what the server sends, and never the
 * server's own `retry:` lines, so that a round takes milliseconds whatever the server asks.
 */
const RETRY_MS = 50;
/** How long the last event may take to reach a client before what it lacks counts as lost. */
const CATCH_UP_MS = 1_000;
/** Examples of lost and duplicated ids kept for the report, per phase. */
const MAX_EXAMPLES = 20;

interface Problem {
  client: number;
  lost: string[];
  duplicated: string[];
  outOfOrder: boolean;
}

/** The scenario's state in this process: one reconnect scenario runs at a time. */
interface Run {
  proxy: FaultProxy;
  /** Whether delivery is checked: the target replays, publishes, and has one request for all. */
  delivery: boolean;
  problems: Problem[];
  clients: number;
}
let run: Run | undefined;

export default defineScenario({
  kind: 'connections',
  name: 'reconnect',
  optIn: true,
  description:
    'EventSource clients through a proxy that drops their connections (one at a time, then all at once) while events are published; each comes back with Last-Event-ID; delivery checked when the target replays; opt-in',
  // The proxy, the EventSource clients, their witnesses and the delivery bookkeeping all live
  // beside the clients (in the client thread when they run there): only publish crosses over.
  setupWith: 'clients',
  concurrency: 20,
  async setup(ctx) {
    const proxy = await startFaultProxy({ upstreamPort: ctx.origin.port });
    const { replay, publish, request } = ctx.target;
    const delivery = replay === true && !!publish && typeof request !== 'function';
    const state: Run = { proxy, delivery, problems: [], clients: 0 };
    run = state;
    return {
      url: proxy.url,
      stats: () => ({ 'proxy.accepted': proxy.stats.accepted, 'proxy.drops': proxy.stats.drops }),
      measuring: () => {
        state.problems = [];
      },
      checks: ({ stats }) => (delivery ? [deliveryCheck(stats, state.problems)] : []),
      notes: () => [
        ...(!publish ? ['the target has no publish: the clients came back, with nothing published while they were away'] : []),
        ...(publish && !replay
          ? [
              'the target does not declare replay: true, so delivery across reconnects was not checked (only what the reconnects left behind)',
            ]
          : []),
        ...(publish && replay && typeof request === 'function'
          ? [
              "delivery was not checked: the target's request is made per connection, and the witness stream that delivery is judged against needs one of its own",
            ]
          : []),
      ],
      close: async () => {
        if (run === state) run = undefined;
        await proxy.close();
      },
    };
  },
  async connect(ctx, i) {
    const state = run;
    if (!state) throw new ScenarioError('connect() ran without its setup', 'measure');
    const request = ctx.request(i);
    // The witness: a stream of the client's own, straight to the server and never dropped,
    // open for the client's whole life. (One stream held for the whole scenario grows on
    // @hono/node-server 1.19.x with every event written to it: measured at 2.4 KiB per
    // connection, which the heap check then blamed on the reconnects.)
    const witness = state.delivery ? await Witness.open(ctx.origin.url, request, ctx.settings.connectionTimeoutMs) : undefined;
    const client = new ReconnectingClient(ctx, request, `${process.pid}-${++state.clients}`);
    try {
      await client.established();
      const from = witness?.length ?? 0;
      const publish = ctx.target.publish;
      for (let round = 0; round < ctx.settings.reconnectRounds; round++) {
        const opens = client.opens;
        // Even rounds: this client alone; odd ones: every stream through the proxy.
        if (round % 2 === 0) {
          if (state.proxy.drop(client.key)) ctx.count('droppedOne');
        } else if (state.proxy.dropAll() > 0) ctx.count('droppedAll');
        // Published while this client is away: it comes back for it.
        if (publish) await inNewTargetChain('publish', () => publish());
        await client.reopened(opens);
      }
      if (publish) await inNewTargetChain('publish', () => publish());
      if (witness) {
        const to = await witness.settled();
        await client.caughtUp(witness, to);
        const problem = witness.judge(client.ids, from, to);
        if (problem) {
          ctx.count('delivery.lost', problem.lost.length);
          ctx.count('delivery.duplicated', problem.duplicated.length);
          if (problem.outOfOrder) ctx.count('delivery.outOfOrder');
          ctx.count('delivery.clientsAffected');
          if (state.problems.length < MAX_EXAMPLES) state.problems.push({ client: i, ...problem });
        }
      }
      ctx.count('reconnects', client.opens - 1);
    } finally {
      client.close();
      witness?.close();
    }
  },
});

/**
 * One EventSource through the proxy. Its fetch adds the key the proxy drops it by, the
 * target's request headers and, ahead of the body, a `retry:` line; and it records every
 * event id the stream carries, whatever the event's name.
 */
class ReconnectingClient {
  readonly ids: string[] = [];
  opens = 0;
  readonly #source: EventSource;
  readonly #timeoutMs: number;
  #changed: (() => void) | undefined;
  #error: Error | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    request: WireRequest,
    readonly key: string,
  ) {
    this.#timeoutMs = ctx.settings.connectionTimeoutMs;
    const init = fetchInit(request);
    const encoder = new TextEncoder();
    const fetch = async (input: string | URL, given: RequestInit = {}) => {
      const response = await ctx.pool.fetch(input, {
        ...given,
        method: 'GET',
        headers: { ...(given.headers as Record<string, string>), ...init.headers, [CLIENT_KEY_HEADER]: key },
      });
      if (!response.body) return response;
      const decoder = new TextDecoder();
      const parser = createParser({
        onEvent: (message) => {
          if (message.id !== undefined) this.ids.push(message.id);
          this.#poke();
        },
      });
      const retries = new RetryFilter();
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          start: (controller) => controller.enqueue(encoder.encode(`retry: ${RETRY_MS}\n\n`)),
          transform: (chunk, controller) => {
            const text = decoder.decode(chunk, { stream: true });
            parser.feed(text);
            const passed = retries.feed(text);
            if (passed) controller.enqueue(encoder.encode(passed));
          },
          flush: (controller) => {
            const rest = retries.flush();
            if (rest) controller.enqueue(encoder.encode(rest));
          },
        }),
      );
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    this.#source = new EventSource(ctx.url, { fetch: fetch as never });
    this.#source.onopen = () => {
      this.opens++;
      this.#poke();
    };
    this.#source.onerror = (event) => {
      // A drop is an error the source reconnects from; a refused reconnect closes it.
      if (this.#source.readyState === EventSource.CLOSED) {
        const why = (event as { message?: string }).message ?? 'the server refused it';
        this.#error = new Error(
          this.opens > 0
            ? `the server refused a client's reconnect (${why}): EventSource comes back with the same request${typeof ctx.target.request === 'function' ? ", and this target's request is made once per connection (a one-time token, a session that ended with its stream)" : ''}`
            : `EventSource could not connect (${why})`,
        );
        this.#poke();
      }
    };
    const first = ctx.establish.atResponse ? undefined : ctx.establish.firstEvent;
    if (first) this.#source.addEventListener(first, () => this.#poke());
  }

  /** Open, and with its first event when the target sends one. */
  async established(): Promise<void> {
    const first = this.ctx.establish.atResponse ? undefined : this.ctx.establish.firstEvent;
    let seen = false;
    if (first) this.#source.addEventListener(first, () => (seen = true), { once: true });
    await this.#until(() => this.opens > 0 && (!first || seen), 'establish');
  }

  /** Came back after a drop: a new open since `opens`. */
  reopened(opens: number): Promise<void> {
    return this.#until(() => this.opens > opens, 'reconnect');
  }

  /** Has the witness's events up to `to`, or CATCH_UP_MS passed (what it lacks is lost). */
  async caughtUp(witness: Witness, to: number): Promise<void> {
    const last = witness.idAt(to - 1);
    if (last === undefined) return;
    const until = performance.now() + CATCH_UP_MS;
    while (!this.ids.includes(last) && performance.now() < until) await sleep(5);
  }

  close(): void {
    this.#source.close();
  }

  #poke(): void {
    this.#changed?.();
  }

  async #until(done: () => boolean, what: string): Promise<void> {
    const deadline = performance.now() + this.#timeoutMs;
    while (!done()) {
      if (this.#error) throw new ScenarioError(this.#error.message, 'measure', { code: 'SSE_SOAK_RECONNECT' });
      const left = deadline - performance.now();
      if (left <= 0)
        throw new ScenarioError(`the client did not ${what} within ${this.#timeoutMs} ms`, 'measure', {
          code: 'SSE_SOAK_RECONNECT',
        });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.#changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

/**
 * Takes the `retry:` field lines out of an SSE text stream, passing every other line as it
 * came, terminators included. A line is passed once it is complete; a CR at the end of a
 * piece waits for the next, in case it is half of a CRLF.
 */
export class RetryFilter {
  #carry = '';

  feed(text: string): string {
    const all = this.#carry + text;
    const upTo = all.endsWith('\r') ? all.length - 1 : all.length;
    const head = all.slice(0, upTo);
    const cut = Math.max(head.lastIndexOf('\n'), head.lastIndexOf('\r')) + 1;
    this.#carry = all.slice(cut);
    return (all.slice(0, cut).match(/[^\r\n]*(?:\r\n|\r|\n)/g) ?? []).filter((line) => !/^retry(?::|\r|\n)/.test(line)).join('');
  }

  /** What is left at the end of the stream: a last line with no terminator. */
  flush(): string {
    const rest = this.#carry;
    this.#carry = '';
    return /^retry(?::|$)/.test(rest) ? '' : rest;
  }
}

/**
 * The order of events as the server published them, for one client: a stream straight to
 * the server, never dropped, opened before the client and closed with it.
 */
class Witness {
  readonly #ids: string[] = [];
  readonly #at = new Map<string, number>();

  private constructor(private readonly stream: HttpStream) {}

  static async open(url: string, request: WireRequest, timeoutMs: number): Promise<Witness> {
    const stream = await openHttpStream(url, { timeoutMs, request });
    const witness = new Witness(stream);
    void witness.#read();
    return witness;
  }

  /** How many events it has seen. */
  get length(): number {
    return this.#ids.length;
  }

  idAt(index: number): string | undefined {
    return this.#ids[index];
  }

  /**
   * Its length a moment after the client's last publish, which has arrived by then over
   * loopback. (Waiting for a quiet moment instead took up to its cap with twenty clients
   * publishing.) An event that has not arrived yet only narrows the window judged.
   */
  async settled(ms = 20): Promise<number> {
    await sleep(ms);
    return this.#ids.length;
  }

  /**
   * What a client that was there from the witness's `from`-th event to its `to`-th lacks:
   * those ids exactly once each, in the witness's order. Ids from before `from` (published
   * while the client was being established) are its own business.
   */
  judge(ids: readonly string[], from: number, to: number): Omit<Problem, 'client'> | undefined {
    const inWindow = ids.filter((id) => {
      const at = this.#at.get(id);
      return at !== undefined && at >= from && at < to;
    });
    const seen = new Map<string, number>();
    for (const id of inWindow) seen.set(id, (seen.get(id) ?? 0) + 1);
    const lost = this.#ids.slice(from, to).filter((id) => !seen.has(id));
    const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    const order = [...new Set(inWindow)].map((id) => this.#at.get(id)!);
    const outOfOrder = order.some((at, k) => k > 0 && at < order[k - 1]!);
    return lost.length || duplicated.length || outOfOrder ? { lost, duplicated, outOfOrder } : undefined;
  }

  close(): void {
    this.stream.disconnect('fin');
  }

  async #read(): Promise<void> {
    for (;;) {
      let event: Awaited<ReturnType<HttpStream['events']['next']>>;
      try {
        event = await this.stream.events.next(undefined, 3_600_000);
      } catch {
        return;
      }
      if (event.id !== undefined && !this.#at.has(event.id)) {
        this.#at.set(event.id, this.#ids.length);
        this.#ids.push(event.id);
      }
    }
  }
}

/** Delivery across reconnects: nothing lost, nothing twice, nothing out of order. */
function deliveryCheck(stats: Record<string, number>, problems: readonly Problem[]): Check {
  const lost = stats['delivery.lost'] ?? 0;
  const duplicated = stats['delivery.duplicated'] ?? 0;
  const outOfOrder = stats['delivery.outOfOrder'] ?? 0;
  const details = { lost, duplicated, outOfOrder, clientsAffected: stats['delivery.clientsAffected'] ?? 0, examples: problems.slice(0, 5) };
  if (!stats.reconnects)
    return { meter: 'delivery', verdict: 'error', final: 0, details, reason: 'could not measure: no client came back after a drop' };
  if (lost + duplicated + outOfOrder === 0) return { meter: 'delivery', verdict: 'pass', final: 0, details };
  const first = problems[0];
  const example = first
    ? `; client ${first.client} lacked ${first.lost.slice(0, 5).join(', ') || 'nothing'}${first.duplicated.length ? ` and got ${first.duplicated.slice(0, 5).join(', ')} twice` : ''}`
    : '';
  return {
    meter: 'delivery',
    verdict: 'fail',
    final: lost + duplicated,
    details,
    reason: `${lost} events lost, ${duplicated} delivered twice, ${outOfOrder} clients out of order across reconnects${example}`,
  };
}
