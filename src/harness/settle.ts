import { setTimeout as sleep } from 'node:timers/promises';
import { backToBaseline } from '../verdict/compare-snapshots.ts';
import { chainKey, leakedTimers } from '../verdict/timer-chains.ts';
import type { PendingTimer } from '../meters/timer-meter.ts';
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
  read: () => MeterSnapshot | Promise<MeterSnapshot>,
  baseline: MeterSnapshot,
  options: { settleMs: number; settleMaxMs: number },
): Promise<SettleResult> {
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  let snapshot = await read();
  let rearmed = new Set<string>();
  while (!backToBaseline(baseline, snapshot) && elapsed() < options.settleMs) {
    await sleep(POLL_MS);
    snapshot = await read();
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
    snapshot = await read();
    // What fired may finish its cleanup a few ticks later.
    const until = elapsed() + Math.min(options.settleMs, 250);
    while (!backToBaseline(baseline, snapshot) && elapsed() < until) {
      await sleep(POLL_MS);
      snapshot = await read();
    }
  }
  return { snapshot, waitedMs: Math.round(elapsed()), settled: backToBaseline(baseline, snapshot) };
}

/**
 * Waits for work the target still has in flight for connections that have gone: one-shot
 * timers of served connections that fire within `horizonMs` (an awaited setup step, a
 * retry delay, an adapter's deferred cleanup), and what their firing arms next, for a few
 * rounds. A baseline taken while a warm-up connection still awaits its setup counts what
 * that connection does after the await (a heartbeat, a listener) against the measured
 * phase: +1 in about one run of six, measured on `heartbeat-after-setup`. Each timer is waited for once, and `maxMs` bounds it
 * all, so a chain that keeps re-arming costs no more than that.
 */
export async function drainInFlight(
  pending: () => readonly PendingTimer[] | Promise<readonly PendingTimer[]>,
  options: { horizonMs: number; maxMs: number; rounds?: number },
): Promise<number> {
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  const waited = new Set<number>();
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    // A timer waited for once is waited for again while it is still ahead: a sleep that
    // ended before it (timers run on libuv's millisecond clock, the due times are read on
    // the performance clock) must not end the drain with it pending. The full suite once
    // saw that: 4 ms for a chain that should have cost the 40 ms maximum. One already due
    // but not yet run is not waited for twice.
    const due = (await pending()).filter((t) => t.dueInMs <= options.horizonMs && (!waited.has(t.asyncId) || t.dueInMs > 0));
    if (due.length === 0) break;
    const wait = Math.min(Math.max(...due.map((t) => t.dueInMs)) + 1, options.maxMs - elapsed());
    if (wait <= 0) break;
    for (const t of due) waited.add(t.asyncId);
    await sleep(wait);
    // A fired timer's callback and the microtasks it starts run before this resumes.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return Math.round(elapsed());
}
