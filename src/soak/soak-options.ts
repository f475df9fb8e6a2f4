import { UsageError } from '../errors/soak-error.ts';
import { defaultGrowthOptions, type GrowthOptions } from '../verdict/growth-check.ts';

export interface SoakSettings {
  /** Stop after this long (ms), or after `connections`, whichever comes first. */
  durationMs: number;
  connections: number;
  /** Disconnect kinds and their weights (scenario names of `run`). */
  mix: Record<string, number>;
  /** Connections in flight at once. */
  concurrency: number;
  /**
   * Churn connections at all. Without it (--no-churn) the soak is a capacity run: the held
   * streams are opened in steps and measured, their growth per chunk probed, and the count
   * meters read before and after them; the churn's heap-growth check is skipped.
   */
  churn: boolean;
  /** Long-lived streams held open through the soak, receiving published events. */
  open: number;
  /** Publish one event every this many ms (when the target can). */
  publishEveryMs: number;
  /** Take a sample (after a forced GC) every this many connections. */
  sampleEvery: number;
  growth: GrowthOptions;
}

export const defaultSoakSettings: SoakSettings = {
  durationMs: 60_000,
  connections: Number.MAX_SAFE_INTEGER,
  // pre-aborted used to send one request in eight in-process; aborted-request keeps that share.
  mix: { 'clean-close': 25, 'socket-destroy': 25, 'idle-kill': 25, 'pre-aborted': 20, 'aborted-request': 5 },
  concurrency: 32,
  churn: true,
  open: 10,
  publishEveryMs: 1_000,
  sampleEvery: 100,
  growth: defaultGrowthOptions,
};

/**
 * How often a soak of `connections` samples when the user did not say: every 100, or often
 * enough for about four samples more than the growth check needs after its warm-up, never
 * more often than every 10. Every 100 left a soak of 1,000 connections 7 samples of the 10
 * it needs, and it ended in an error it could have been spared. From 1,750 on, every 100.
 */
export function defaultSampleEvery(connections: number, growth: GrowthOptions = defaultGrowthOptions): number {
  const judged = connections * (1 - growth.warmupFraction);
  return Math.min(defaultSoakSettings.sampleEvery, Math.max(10, Math.floor(judged / (growth.minSamples + 4))));
}

/** `5m`, `30s`, `1500ms`, `2h` or a bare number of seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--duration '${text}' is not a duration like 30s, 5m or 1h`, { code: 'SSE_SOAK_BAD_SETTING' });
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(Number(m[1]) * unit);
  if (ms <= 0) throw new UsageError(`--duration '${text}' must be longer than zero`, { code: 'SSE_SOAK_BAD_SETTING' });
  return ms;
}

/** `clean-close=30,socket-destroy=30,idle-kill=20,pre-aborted=20`: names of `run`'s connection scenarios. */
export function parseMix(text: string, known: readonly string[]): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z-]+)=(\d+)$/.exec(part);
    if (!m) throw new UsageError(`--mix: '${part}' is not name=weight`, { code: 'SSE_SOAK_BAD_SETTING' });
    if (!known.includes(m[1]!)) {
      throw new UsageError(`--mix: unknown disconnect kind '${m[1]}' (known: ${known.join(', ')})`, { code: 'SSE_SOAK_BAD_SETTING' });
    }
    mix[m[1]!] = Number(m[2]);
  }
  if (Object.values(mix).reduce((a, b) => a + b, 0) <= 0) {
    throw new UsageError('--mix needs at least one kind with a weight above 0', { code: 'SSE_SOAK_BAD_SETTING' });
  }
  return mix;
}

/**
 * A deterministic schedule of kinds, interleaved by weight (30/30/20/20 gives a cycle of
 * ten that alternates them), so that every stretch of the soak has the same mix.
 */
export function mixSchedule(mix: Record<string, number>): string[] {
  const entries = Object.entries(mix).filter(([, w]) => w > 0);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = entries.reduce((acc, [, w]) => gcd(acc, w), 0);
  const counts = entries.map(([name, w]) => ({ name, left: w / g, weight: w / g }));
  const total = counts.reduce((a, c) => a + c.left, 0);
  const schedule: string[] = [];
  // Largest remaining share first, so the kinds interleave rather than come in blocks.
  for (let i = 0; i < total; i++) {
    counts.sort((a, b) => b.left / b.weight - a.left / a.weight || b.weight - a.weight);
    schedule.push(counts[0]!.name);
    counts[0]!.left--;
  }
  return schedule;
}
