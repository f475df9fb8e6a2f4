import type { ActiveTimer } from '../meters/timer-meter.ts';

/** One chain: the timers of one unit (a connection, the module) created at one line. */
export const chainKey = (t: ActiveTimer) => `${t.chain ?? '-'}|${t.site ?? '<unknown>'}|${t.repeat ? 'interval' : 'timeout'}`;

export interface LeakedTimers {
  /** The timers in excess of the baseline, newest of each chain first: what leaked. */
  timers: ActiveTimer[];
  /** How many resources leaked: a chain that re-arms itself counts once. */
  count: number;
}

/**
 * Timers the target holds now beyond what it held at the baseline, counted per chain (the
 * unit that created them and the line), not per timer object:
 * - a loop that re-arms its `setTimeout` (a sweeper, hono's `stream.sleep` in a
 *   `while (true)`) gets a new timer object every round; in its chain there is still one;
 * - a chain that existed at the baseline (a module-level sweeper, a loop a warm-up
 *   connection leaked) is never a new leak, however often it re-armed since;
 * - chains are per unit, so a one-shot timer of an old connection that fired does not hide
 *   a new connection's leak at the same line;
 * - a connection that already held a timer at the baseline (one the warm-up left running) is
 *   netted as one unit, whatever line its timers are at now: a loop that moves on from one
 *   await to another (a completion's "thinking" sleep, then its per-token sleep) is still
 *   the one chain it was, and no measured connection's.
 * Pure: the snapshots are plain data (they cross IPC from the sigterm child).
 */
export function leakedTimers(baseline: readonly ActiveTimer[], now: readonly ActiveTimer[]): LeakedTimers {
  const oldConnections = new Set(baseline.map((t) => t.chain).filter((c) => c?.startsWith('connection:')));
  const keyOf = (t: ActiveTimer) => (t.chain && oldConnections.has(t.chain) ? t.chain : chainKey(t));
  const before = new Map<string, number>();
  for (const t of baseline) before.set(keyOf(t), (before.get(keyOf(t)) ?? 0) + 1);
  const byChain = new Map<string, ActiveTimer[]>();
  for (const t of now) {
    const list = byChain.get(keyOf(t)) ?? [];
    list.push(t);
    byChain.set(keyOf(t), list);
  }
  const timers: ActiveTimer[] = [];
  for (const [key, list] of byChain) {
    const excess = list.length - (before.get(key) ?? 0);
    if (excess <= 0) continue;
    timers.push(...[...list].sort((a, b) => b.asyncId - a.asyncId).slice(0, excess));
  }
  return { timers, count: timers.length };
}
