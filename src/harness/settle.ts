import { setTimeout as sleep } from 'node:timers/promises';
import { backToBaseline } from '../verdict/compare-snapshots.ts';
import { chainKey, leakedTimers } from '../verdict/timer-chains.ts';
import type { MeterSnapshot } from './meter-snapshot.ts';

export interface SettleResult {
  snapshot: MeterSnapshot;
  /** How long it took to settle, or to give up. */
  waitedMs: number;
  settled: boolean;
}

const POLL_MS = 20;

/**
 * Waits for the meters to come back to the baseline, for up to `settleMs`. Then, when the
 * only thing left is one-shot timers of the target (hono's `stream.sleep`, a retry delay),
 * waits for them to fire, up to `settleMaxMs` in all (DOMAIN.md: a settle window shorter
 * than the target's longest sleep reports false timer leaks). A loop that re-arms its
 * sleep is given one more round, then reported: it is never going to stop.
 */
export async function settle(
  read: () => MeterSnapshot,
  baseline: MeterSnapshot,
  options: { settleMs: number; settleMaxMs: number },
): Promise<SettleResult> {
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  let snapshot = read();
  let rearmed = new Set<string>();
  while (!backToBaseline(baseline, snapshot) && elapsed() < options.settleMs) {
    await sleep(POLL_MS);
    snapshot = read();
  }
  for (let round = 0; round < 2 && !backToBaseline(baseline, snapshot); round++) {
    const pending = leakedTimers(baseline.timers, snapshot.timers).timers.filter((t) => !t.repeat && t.dueInMs !== undefined);
    if (pending.length === 0) break;
    // Every pending timer re-armed in its own chain after firing: loops, and they will not stop.
    if (round > 0 && rearmed.size > 0 && pending.every((t) => rearmed.has(chainKey(t)))) break;
    rearmed = new Set(pending.map(chainKey));
    const wait = Math.max(...pending.map((t) => t.dueInMs!)) + POLL_MS;
    if (elapsed() + wait > options.settleMaxMs) break;
    await sleep(wait);
    snapshot = read();
    // What fired may finish its cleanup a few ticks later.
    const until = elapsed() + Math.min(options.settleMs, 250);
    while (!backToBaseline(baseline, snapshot) && elapsed() < until) {
      await sleep(POLL_MS);
      snapshot = read();
    }
  }
  return { snapshot, waitedMs: Math.round(elapsed()), settled: backToBaseline(baseline, snapshot) };
}
