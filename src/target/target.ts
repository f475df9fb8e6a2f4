import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the scenarios run against: the embedded reference server or a user's app
 * (../shared/CONTRACTS.md, "The target module").
 */
export interface Target {
  /** Shown in reports. */
  name?: string;
  /** The app's fetch handler, served by @hono/node-server on 127.0.0.1. A target has this or `listener`. */
  fetch?: (request: Request) => Response | Promise<Response>;
  /**
   * A node:http request listener, served by node:http on 127.0.0.1: an Express app,
   * `fastify.routing` after `await fastify.ready()`, a Nest adapter's instance, a plain
   * `(req, res) => {}`. There is no fetch handler to give an already-aborted `Request`, so
   * `aborted-request` is left out (`pre-aborted` covers the wire).
   */
  listener?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The SSE endpoint the scenarios open (with GET, unless `request` says otherwise). */
  path: string;
  /**
   * What every client sends to open a stream: a fixed `{ method, headers, body }`, or a
   * function (sync or async) called once per connection, never shared between two. A
   * function can do a handshake against `origin` first (an MCP `initialize`, a login) and
   * return the stream's request. Default: GET with no body.
   */
  request?: StreamRequest | RequestFactory;
  /**
   * The event a new stream sends first (`connected` for the reference server). When absent,
   * a stream counts as established at its first event of any name.
   */
  firstEvent?: string;
  /** Cheap resource counts that must read the same after a scenario as before it. */
  gauges?: Record<string, () => number>;
  /** Sends one event to every open stream. */
  publish?: () => void | Promise<void>;
  /**
   * Ends every open stream from the server side, as an eviction, a sweep of stale streams
   * or a maximum lifetime does, while the server goes on serving. `server-close` calls it.
   */
  end?: () => void | Promise<void>;
  /**
   * The stream gives its events ids and replays what a client missed from its
   * `Last-Event-ID`. `reconnect` then also checks delivery: every client got every published
   * event exactly once and in order, across every reconnect.
   */
  replay?: boolean;
  /** Releases what the target made; also how a server ends its streams on shutdown. */
  close?: () => void | Promise<void>;
}

/** One stream's request. `accept: text/event-stream` is added unless `headers` has an `accept`. */
export interface StreamRequest {
  /** GET by default. */
  method?: string;
  headers?: Record<string, string>;
  /** Sent with a `content-length` of its bytes. */
  body?: string | Uint8Array;
}

/** What a request function gets for each connection. */
export interface RequestContext {
  /** The served target, `http://127.0.0.1:<port>` (no path): where a handshake goes. */
  origin: string;
  /** Counts the run's connections from 0: unique for every call. */
  index: number;
  /**
   * A fetch on the harness's own short-lived connection pool: a handshake made with it
   * leaves no keep-alive socket on the server after the scenario (the global fetch keeps one
   * for 4 s, which the sockets check would see).
   */
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
}

export type RequestFactory = (context: RequestContext) => StreamRequest | Promise<StreamRequest>;

export type TargetFactory = () => Target | Promise<Target>;

/** Identity helper that gives a target module its types. */
export function defineTarget<T extends Target | TargetFactory>(target: T): T {
  return target;
}
