import type { InvalidationEmitter, InvalidationEvent } from './emitter.ts';

export interface Organisation {
  id: string;
  slug: string;
}

/** What a variant's stream needs from the route that opened it. */
export interface RouteContext {
  org: Organisation;
  emitter: InvalidationEmitter;
  /** What this route forwards of an event; null drops it (the public route's allowlist). */
  filter: (event: InvalidationEvent) => InvalidationEvent | null;
  keepaliveMs: number;
  /** The awaited step some routes take after the response has started (presence, DB write). */
  settleMs: number;
  /** Every open stream's server-side end, so that close() can end them all. */
  streams: OpenStreams;
  /** The Last-Event-ID of a client that came back: the stream replays what it missed first. */
  lastEventId?: string;
}

/** Server-side ends of the open streams, keyed by nothing but identity. */
export class OpenStreams {
  readonly #ends = new Set<() => void>();

  add(end: () => void): void {
    this.#ends.add(end);
  }

  delete(end: () => void): void {
    this.#ends.delete(end);
  }

  get size(): number {
    return this.#ends.size;
  }

  /** Ends every open stream the way a server does on shutdown. */
  endAll(): void {
    for (const end of [...this.#ends]) end();
  }
}
