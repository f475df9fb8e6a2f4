export interface InvalidationEvent {
  keys: string[];
}

export type InvalidationListener = (event: InvalidationEvent) => void;

/**
 * The per-organisation invalidation emitter of the production server (DOMAIN.md): a Map of
 * organisation id to a Set of listeners. `subscribe` returns the unsubscribe closure.
 */
export class InvalidationEmitter {
  readonly #listeners = new Map<string, Set<InvalidationListener>>();

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
    const set = this.#listeners.get(orgId);
    if (!set) return;
    // Copy: a listener may unsubscribe (or close its stream) while we iterate.
    for (const listener of [...set]) listener(event);
  }

  /** Listeners of one organisation, or of all of them. */
  listenerCount(orgId?: string): number {
    if (orgId !== undefined) return this.#listeners.get(orgId)?.size ?? 0;
    let total = 0;
    for (const set of this.#listeners.values()) total += set.size;
    return total;
  }
}
