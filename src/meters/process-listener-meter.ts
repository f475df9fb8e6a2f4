import { CreationSite, type OwnerRules } from './call-site.ts';
import { defaultOwnerRules } from './owner-rules.ts';

type Listener = (...args: unknown[]) => void;

export interface ListenerSample {
  /** process.listenerCount(event) for every event with listeners. */
  counts: Record<string, number>;
  total: number;
}

export interface ListenerGrowth {
  event: string;
  baseline: number;
  final: number;
  sites: { site: string; count: number }[];
}

const registering = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const;

/**
 * Counts process listeners (signals, 'exit', 'warning', ...) and remembers where each was
 * added, by wrapping process.on and its siblings while enabled: Node keeps no creation
 * stack for listeners. Also collects MaxListenersExceededWarning, the symptom users see.
 */
export class ProcessListenerMeter {
  readonly #origins = new WeakMap<Listener, CreationSite>();
  readonly #rules: OwnerRules;
  readonly #originals = new Map<string, unknown>();
  readonly warnings: string[] = [];
  readonly #onWarning = (warning: Error) => {
    if (warning.name === 'MaxListenersExceededWarning' && this.warnings.length < 20) this.warnings.push(warning.message);
  };

  constructor(rules: OwnerRules = defaultOwnerRules) {
    this.#rules = rules;
  }

  enable(): this {
    if (this.#originals.size > 0) return this;
    const origins = this.#origins;
    const proc = process as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of registering) {
      const original = proc[name]!;
      this.#originals.set(name, original);
      const wrapped = function (this: unknown, event: unknown, listener: unknown) {
        if (typeof listener === 'function') {
          origins.set(listener as Listener, new CreationSite(wrapped));
        }
        return original.call(this, event, listener);
      };
      proc[name] = wrapped;
    }
    process.on('warning', this.#onWarning);
    return this;
  }

  disable(): void {
    process.off('warning', this.#onWarning);
    const proc = process as unknown as Record<string, unknown>;
    for (const [name, original] of this.#originals) proc[name] = original;
    this.#originals.clear();
  }

  sample(): ListenerSample {
    const counts: Record<string, number> = {};
    let total = 0;
    for (const event of process.eventNames()) {
      if (typeof event !== 'string') continue;
      // Our own warning collector is not the target's.
      const n = process.listenerCount(event) - (event === 'warning' && this.#originals.size > 0 ? 1 : 0);
      if (n > 0) {
        counts[event] = n;
        total += n;
      }
    }
    return { counts, total };
  }

  /**
   * Removes the listeners added since `baseline` (the newest of each event), so that a
   * leaky target does not leave them in the caller's process. Returns how many.
   */
  removeAddedSince(baseline: ListenerSample): number {
    let removed = 0;
    for (const event of process.eventNames()) {
      if (typeof event !== 'string') continue;
      const extra = process.rawListeners(event).slice(baseline.counts[event] ?? 0);
      for (const raw of extra) {
        if (event === 'warning' && raw === this.#onWarning) continue;
        process.removeListener(event, raw as Listener);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Reads the creation stack of every listener now on the process into its site and drops
   * it: a stack holds the functions and receivers that were on it until it is read
   * (creation-stacks.test.ts), and a listener added while a request was handled would hold
   * that request. Called before every heap sample; a stack is read once.
   */
  prune(): void {
    for (const event of process.eventNames()) for (const raw of process.rawListeners(event)) this.#siteOf(raw as Listener);
  }

  #siteOf(raw: Listener): string {
    const fn = ((raw as { listener?: Listener }).listener ?? raw) as Listener;
    return (this.#origins.get(fn) ?? this.#origins.get(raw))?.site(this.#rules).site ?? '<unknown>';
  }

  /** Events whose listener count grew since `baseline`, with where the new ones were added. */
  growth(baseline: ListenerSample, final: ListenerSample = this.sample()): ListenerGrowth[] {
    const out: ListenerGrowth[] = [];
    for (const [event, n] of Object.entries(final.counts)) {
      const before = baseline.counts[event] ?? 0;
      if (n <= before) continue;
      const sites = new Map<string, number>();
      // The newest listeners are the ones added after the baseline.
      for (const raw of process.rawListeners(event).slice(before)) {
        const site = this.#siteOf(raw as Listener);
        sites.set(site, (sites.get(site) ?? 0) + 1);
      }
      out.push({
        event,
        baseline: before,
        final: n,
        sites: [...sites].map(([site, count]) => ({ site, count })).sort((a, b) => b.count - a.count),
      });
    }
    return out;
  }
}
