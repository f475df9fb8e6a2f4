import { createHook } from 'node:async_hooks';
import { type AsyncOwner, currentOwner } from './async-owner.ts';
import { type CallSite, CreationSite, type OwnerRules } from './call-site.ts';
import { defaultOwnerRules } from './owner-rules.ts';

/** Node's Timeout object, with the fields we read (lib/internal/timers.js, Node 20). */
interface TimeoutResource {
  _destroyed?: boolean;
  _repeat?: number | null;
  _idleTimeout?: number;
  hasRef?: () => boolean;
}

interface Tracked {
  resource: WeakRef<TimeoutResource>;
  origin: CreationSite;
  createdAt: number;
  /** The async owner when it was created (async-owner.ts). */
  context: AsyncOwner | undefined;
}

export interface ActiveTimer {
  asyncId: number;
  owner: CallSite['owner'];
  site?: string;
  via?: string[];
  /**
   * The unit it was created in (one served connection, the module's top level): a timer
   * that re-arms itself stays in its chain (src/verdict/timer-chains.ts).
   */
  chain?: string;
  repeat: boolean;
  refed: boolean;
  /** Milliseconds until a one-shot timer fires; undefined for intervals. */
  dueInMs?: number;
}

export interface PendingTimer {
  asyncId: number;
  chain: string;
  dueInMs: number;
}

export interface TimerSample {
  /** Active timers the target created. */
  target: ActiveTimer[];
  /** Active timers by owner; those armed in a harness context are not tracked (harness: only its own code outside one). */
  byOwner: Record<CallSite['owner'], number>;
}

/**
 * Counts live timers by where they were created (DOMAIN.md: getActiveResourcesInfo() cannot
 * tell undici's shared timer or eventsource's reconnect timer from a leaked keepalive).
 * An async_hooks init hook keeps each Timeout with an Error holding its creation stack; the
 * stack is formatted only when a sample needs to attribute a timer that is still alive.
 */
export class TimerMeter {
  readonly #tracked = new Map<number, Tracked>();
  readonly #rules: OwnerRules;
  readonly #hook;
  #enabled = false;

  constructor(rules: OwnerRules = defaultOwnerRules) {
    this.#rules = rules;
    const tracked = this.#tracked;
    const init = (asyncId: number, type: string, _trigger: number, resource: object) => {
      if (type !== 'Timeout') return;
      // A timer armed in a harness context is the harness's whatever its stack holds
      // (attribute()): not tracked at all, so no stack is captured for the clients' timers.
      const context = currentOwner();
      if (context?.owner === 'harness') return;
      // The structured stack is captured now and read only if the timer is still alive.
      tracked.set(asyncId, {
        resource: new WeakRef(resource as TimeoutResource),
        origin: new CreationSite(init),
        createdAt: performance.now(),
        context,
      });
    };
    // No destroy hook: with one, Node tracks every promise's collection through a weak
    // callback, which costs more than the whole meter. `_destroyed` tells the same, on demand.
    this.#hook = createHook({ init });
  }

  enable(): this {
    if (!this.#enabled) {
      this.#hook.enable();
      this.#enabled = true;
    }
    return this;
  }

  /** Stops the hook until the returned function is called, keeping what it tracked (timers armed meanwhile are not seen). */
  pause(): () => void {
    if (!this.#enabled) return () => {};
    this.#hook.disable();
    return () => this.#hook.enable();
  }

  disable(): void {
    if (this.#enabled) {
      this.#hook.disable();
      this.#enabled = false;
      this.#tracked.clear();
    }
  }

  /**
   * Clears the given timers of the target, or every live one it created, and returns how
   * many: what a run does with the timers it counted as leaked, so that the next scenario is
   * measured on its own and a leaky target's intervals do not keep the caller's process alive.
   */
  clearTargetTimers(only?: Iterable<number>): number {
    let cleared = 0;
    for (const asyncId of only ?? this.sample().target.map((t) => t.asyncId)) {
      const resource = this.#tracked.get(asyncId)?.resource.deref();
      if (!resource || resource._destroyed) continue;
      clearTimeout(resource as unknown as NodeJS.Timeout);
      cleared++;
    }
    return cleared;
  }

  /**
   * Forgets timers that were cleared or have fired, and attributes the live ones. The runner
   * calls it before every heap sample. A creation stack holds the functions and receivers
   * that were on it until it is read (creation-stacks.test.ts): a forgotten entry lets them
   * go, and a live one lets them go once its stack is read into its site. Without the second,
   * Node's Date-header cache timer (one second, armed from ServerResponse._storeHeader) held a
   * whole connection, with the hidden classes it keeps, at whichever samples it was alive: a
   * step of 25 to 30 KB in a clean series. A live timer's stack is read once, as sample()
   * reads it anyway.
   */
  prune(): void {
    for (const [asyncId, entry] of this.#tracked) {
      const r = entry.resource.deref();
      if (!r || r._destroyed) this.#tracked.delete(asyncId);
      else this.#siteOf(entry);
    }
  }

  #siteOf(entry: Tracked): CallSite {
    return entry.origin.site(this.#rules, entry.context);
  }

  /**
   * One-shot timers still scheduled in served connections' chains, with when they fire:
   * what a connection's handler is still awaiting. Read from the async context alone, with
   * no creation stack formatted, so that it costs nothing and keeps nothing alive.
   */
  pendingInConnections(now = performance.now()): PendingTimer[] {
    const pending: PendingTimer[] = [];
    for (const [asyncId, entry] of this.#tracked) {
      const chain = entry.context?.chain;
      if (entry.context?.owner !== 'target' || !chain?.startsWith('connection:')) continue;
      const r = entry.resource.deref();
      if (!r || r._destroyed || r._repeat != null || r._idleTimeout === undefined) continue;
      pending.push({ asyncId, chain, dueInMs: Math.max(0, entry.createdAt + r._idleTimeout - now) });
    }
    return pending;
  }

  /** Timers that are still scheduled, attributed to their creators. */
  sample(now = performance.now()): TimerSample {
    const target: ActiveTimer[] = [];
    const byOwner = { target: 0, harness: 0, node: 0 };
    for (const [asyncId, entry] of this.#tracked) {
      const r = entry.resource.deref();
      // clearTimeout and a fired one-shot set `_destroyed` synchronously.
      if (!r || r._destroyed) {
        this.#tracked.delete(asyncId);
        continue;
      }
      const site = this.#siteOf(entry);
      byOwner[site.owner]++;
      if (site.owner !== 'target') continue;
      const repeat = r._repeat != null;
      target.push({
        asyncId,
        owner: site.owner,
        site: site.site,
        via: site.via,
        ...(entry.context?.chain ? { chain: entry.context.chain } : {}),
        repeat,
        refed: r.hasRef?.() ?? true,
        dueInMs: repeat || r._idleTimeout === undefined ? undefined : Math.max(0, entry.createdAt + r._idleTimeout - now),
      });
    }
    return { target, byOwner };
  }
}

export interface TimerGroup {
  site: string;
  via?: string[];
  count: number;
  repeat: boolean;
}

/** Groups timers by creation site and callers, largest group first. */
export function groupBySite(timers: readonly ActiveTimer[]): TimerGroup[] {
  const groups = new Map<string, TimerGroup>();
  for (const t of timers) {
    const site = t.site ?? '<unknown>';
    const key = `${site}|${t.via?.join('<') ?? ''}|${t.repeat}`;
    const g = groups.get(key) ?? { site, ...(t.via ? { via: t.via } : {}), count: 0, repeat: t.repeat };
    g.count++;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.site.localeCompare(b.site));
}
