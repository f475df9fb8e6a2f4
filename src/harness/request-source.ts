import { ClientPool } from '../clients/client-pool.ts';
import { describeRequestShape, toWireRequest, type WireRequest } from '../clients/wire-request.ts';
import { TargetError } from '../errors/soak-error.ts';
import { inHarness } from '../meters/async-owner.ts';
import type { RequestShape } from '../report/report.ts';
import type { RequestFactory, Target } from '../target/target.ts';
import { describeThrown } from '../verdict/crash-summary.ts';

/**
 * The requests a run's clients send (CONTRACTS.md, `request`): the target's fixed request,
 * or its request function called once per connection, in the harness's process and in the
 * harness's async context, so that what it creates (a handshake's sockets and timers) is
 * never counted as the target's. Its `fetch` is a short-lived pool of the harness's,
 * closed with `reset()` before anything is measured.
 */
export class RequestSource {
  readonly #given: Target['request'];
  readonly #origin: string;
  readonly #fixed: WireRequest | undefined;
  #index = 0;
  #pool: ClientPool | undefined;
  #first: WireRequest | undefined;

  /** `origin` is the served target, `http://127.0.0.1:<port>`. A bad fixed request throws a TypeError naming the field. */
  constructor(given: Target['request'], origin: string) {
    this.#given = given;
    this.#origin = origin;
    this.#fixed = typeof given === 'function' ? undefined : toWireRequest(given, "the target's 'request'");
  }

  /** The request every connection sends, when it is the same for all (no request function). */
  get fixed(): WireRequest | undefined {
    return this.#fixed;
  }

  /** One connection's request. A function that throws or returns something unusable is a TargetError that says where. */
  async next(): Promise<WireRequest> {
    if (this.#fixed) return this.#fixed;
    const index = this.#index++;
    const make = this.#given as RequestFactory;
    let made: unknown;
    try {
      this.#pool ??= new ClientPool();
      const pool = this.#pool;
      made = await inHarness(() => make({ origin: this.#origin, index, fetch: pool.fetch }));
    } catch (error) {
      throw new TargetError(
        `the target's request function threw for connection ${index}: ${error instanceof Error ? describeThrown(error).line : String(error)}`,
        { code: 'SSE_SOAK_REQUEST_THREW', cause: error },
      );
    }
    try {
      const wire = toWireRequest(made as never, `the target's request function's result for connection ${index}`);
      this.#first ??= wire;
      return wire;
    } catch (error) {
      throw new TargetError((error as Error).message, { code: 'SSE_SOAK_BAD_REQUEST' });
    }
  }

  /** Requests for `size` connections, made together; undefined when every connection sends the fixed one. */
  async batch(size: number): Promise<WireRequest[] | undefined> {
    if (this.#fixed) return undefined;
    return Promise.all(Array.from({ length: size }, () => this.next()));
  }

  /** Closes the pool the request function's `fetch` used: none of its sockets stays open on the server. */
  async reset(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }

  /** For the report: method, header names (never values), body size; and whether it is made per connection. */
  shape(): RequestShape | undefined {
    const seen = this.#fixed ?? this.#first;
    return seen && { ...describeRequestShape(seen), perConnection: !this.#fixed };
  }
}
