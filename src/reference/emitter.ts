export interface InvalidationEvent {
  keys: string[];
}

/** `id`: the event's sequence number in its organisation, sent as the SSE `id:` field. */
export type InvalidationListener = (event: InvalidationEvent, id: number) => void;

/** How many of an organisation's latest events are kept for a reconnecting client's Last-Event-ID. */
export const BACKLOG_EVENTS = 100;

/**
 * The per-organisation invalidation emitter of the production server (DOMAIN.md): a Map of
 * organisation id to a Set of listeners. `subscribe` returns the unsubscribe closure. Every
 * event gets the next id of its organisation, and the last BACKLOG_EVENTS of them are kept
 * (bounded: the process's, not a connection's) for clients that come back with Last-Event-ID.
 */
export class InvalidationEmitter {
  readonly #listeners = new Map<string, Set<InvalidationListener>>();
  readonly #backlog = new Map<string, { id: number; event: InvalidationEvent }[]>();
  #seq = 0;

  subscribe(orgId: string, listener: InvalidationListener): () => void {
    let set = this.#listeners.get(orgId);
    if (!set) {
      set = new Set();
      this.#listeners.set(orgId, set);
    }
    set.add(listener);
    return () => {
      const current = this.#listeners.get(orgId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.#listeners.delete(orgId);
    };
  }

  emit(orgId: string, event: InvalidationEvent): void {
    const id = ++this.#seq;
    const backlog = this.#backlog.get(orgId) ?? [];
    this.#backlog.set(orgId, backlog);
    backlog.push({ id, event });
    if (backlog.length > BACKLOG_EVENTS) backlog.shift();
    const set = this.#listeners.get(orgId);
    if (!set) return;
    // Copy: a listener may unsubscribe (or close its stream) while we iterate.
    for (const listener of [...set]) listener(event, id);
  }

  /** The id of the latest event of any organisation (0 before the first). */
  get lastId(): number {
    return this.#seq;
  }

  /**
   * The organisation's kept events after `lastId` (a Last-Event-ID), oldest first. An id
   * that is not a number, or older than the backlog, gets what the backlog still has.
   */
  since(orgId: string, lastId: string): { id: number; event: InvalidationEvent }[] {
    const after = Number(lastId);
    const backlog = this.#backlog.get(orgId) ?? [];
    return Number.isFinite(after) ? backlog.filter((e) => e.id > after) : [...backlog];
  }

  /** Listeners of one organisation, or of all of them. */
  listenerCount(orgId?: string): number {
    if (orgId !== undefined) return this.#listeners.get(orgId)?.size ?? 0;
    let total = 0;
    for (const set of this.#listeners.values()) total += set.size;
    return total;
  }
}
