import { describe, expect, it } from 'vitest';
import type { PendingTimer } from '../meters/timer-meter.ts';
import { drainInFlight } from './settle.ts';

/** A schedule of one-shot timers in real time: a timer is gone once its time has come. */
function schedule(entries: { chain: string; inMs: number; next?: number; forever?: boolean }[]) {
  const start = performance.now();
  let id = 0;
  const live = entries.map((e) => ({ ...e, asyncId: ++id, at: start + e.inMs }));
  return () => {
    const now = performance.now();
    for (const t of [...live]) {
      if (t.at > now) continue;
      live.splice(live.indexOf(t), 1);
      // What its firing arms next (an await after the first one).
      if (t.next !== undefined) live.push({ ...t, next: t.forever ? t.next : undefined, asyncId: ++id, at: now + t.next });
    }
    return live
      .filter((t) => t.chain.startsWith('connection:'))
      .map((t): PendingTimer => ({ asyncId: t.asyncId, chain: t.chain, dueInMs: t.at - now }));
  };
}

describe('drainInFlight', () => {
  it("waits for a gone connection's setup awaits, and for what their firing arms next", async () => {
    const sample = schedule([{ chain: 'connection:1', inMs: 15, next: 15 }]);
    const waited = await drainInFlight(sample, { horizonMs: 60, maxMs: 120 });
    expect(sample()).toEqual([]);
    expect(waited).toBeGreaterThanOrEqual(28);
  });

  it('does not wait for a sleep beyond the horizon', async () => {
    const sample = schedule([{ chain: 'connection:2', inMs: 500 }]);
    expect(await drainInFlight(sample, { horizonMs: 60, maxMs: 120 })).toBeLessThan(5);
  });

  it('a chain that keeps re-arming costs at most the maximum', async () => {
    const sample = schedule([{ chain: 'connection:3', inMs: 5, next: 5, forever: true }]);
    const waited = await drainInFlight(sample, { horizonMs: 60, maxMs: 40, rounds: 100 });
    expect(sample()).toHaveLength(1);
    expect(waited).toBeGreaterThanOrEqual(35);
    expect(waited).toBeLessThan(80);
  });
});
