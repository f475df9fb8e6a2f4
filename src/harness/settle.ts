import { setTimeout as sleep } from 'node:timers/promises';
import { MeterSet, type MeterSnapshot, newTimers } from './meter-set.ts';

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
  while (!MeterSet.settled(baseline, snapshot) && elapsed() < options.settleMs) {
    await sleep(POLL_MS);
    snapshot = read();
  }
  for (let round = 0; round < 2 && !MeterSet.settled(baseline, snapshot); round++) {
    const pending = newTimers(baseline, snapshot).filter((t) => !t.repeat && t.dueInMs !== undefined);
    if (pending.length === 0) break;
    const wait = Math.max(...pending.map((t) => t.dueInMs!)) + POLL_MS;
    if (elapsed() + wait > options.settleMaxMs) break;
    await sleep(wait);
    snapshot = read();
    // What fired may finish its cleanup a few ticks later.
    const until = elapsed() + Math.min(options.settleMs, 250);
    while (!MeterSet.settled(baseline, snapshot) && elapsed() < until) {
      await sleep(POLL_MS);
      snapshot = read();
    }
  }
  return { snapshot, waitedMs: Math.round(elapsed()), settled: MeterSet.settled(baseline, snapshot) };
}
