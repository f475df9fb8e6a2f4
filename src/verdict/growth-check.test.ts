import { describe, expect, it } from 'vitest';
import { growthCheck } from './growth-check.ts';

let seed = 11;
const noise = (amp: number) => {
  seed = (seed * 16807) % 2147483647;
  return (seed / 2147483647 - 0.5) * 2 * amp;
};
const series = (n: number, every: number, heap: (x: number) => number, amp = 20_000) =>
  Array.from({ length: n }, (_, i) => ({ x: i * every, y: 8e6 + heap(i * every) + noise(amp) }));

describe('growthCheck', () => {
  it.each([
    ['flat', series(100, 200, () => 0), 'pass'],
    ['clean drift after a JIT warm-up', series(100, 200, (x) => Math.min(x, 2_000) * 300 + x * 5), 'pass'],
    ['256 B per connection', series(100, 200, (x) => x * 256), 'fail'],
    ['2 KiB per connection over 2,000', series(20, 100, (x) => x * 2048), 'fail'],
    ['a bounded cache that fills and plateaus', series(100, 200, (x) => Math.min(x, 14_000) * 2048), 'pass'],
  ] as const)('%s: %s', (_name, points, verdict) => {
    expect(growthCheck(points).verdict).toBe(verdict);
  });

  it('says why a plateau passes', () => {
    const c = growthCheck(series(100, 200, (x) => Math.min(x, 14_000) * 2048));
    expect(c.reason).toMatch(/levelled off .* a bounded cache, not a leak/);
  });

  it('is an error (could not measure), never a pass, when too short', () => {
    const c = growthCheck(series(8, 100, (x) => x * 5000));
    expect(c.verdict).toBe('error');
    expect(c.reason).toMatch(/^could not measure: .* a trend needs 10/);
  });
});
