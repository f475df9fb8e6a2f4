import { describe, expect, it } from 'vitest';
import { theilSen } from './theil-sen.ts';

const line = (n: number, slope: number, intercept = 0, noise: (i: number) => number = () => 0) =>
  Array.from({ length: n }, (_, i) => ({ x: i * 25, y: intercept + slope * i * 25 + noise(i) }));

describe('theilSen', () => {
  it.each([
    ['exact line', line(10, 2048, 1e7), 2048],
    ['flat', line(20, 0, 5e6), 0],
    ['negative', line(12, -300), -300],
  ])('%s: slope and a zero-width interval', (_name, points, slope) => {
    const est = theilSen(points)!;
    expect(est.slope).toBeCloseTo(slope, 6);
    expect(est.lower).toBeCloseTo(slope, 6);
    expect(est.upper).toBeCloseTo(slope, 6);
  });

  it('ignores one wild outlier (a GC that freed code caches) where least squares would not', () => {
    const points = line(16, 100, 1e7);
    points[3] = { x: points[3]!.x, y: points[3]!.y - 800_000 };
    const est = theilSen(points)!;
    expect(est.slope).toBeCloseTo(100, 0);
  });

  it('the interval contains the true slope and narrows with more points', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647 - 0.5) * 20_000;
    };
    const small = theilSen(line(10, 500, 0, rand))!;
    const large = theilSen(line(40, 500, 0, rand))!;
    for (const est of [small, large]) {
      expect(est.lower).toBeLessThanOrEqual(500);
      expect(est.upper).toBeGreaterThanOrEqual(500);
    }
    expect(large.upper - large.lower).toBeLessThan(small.upper - small.lower);
  });

  it('refuses fewer than three points or a single x', () => {
    expect(theilSen([])).toBeUndefined();
    expect(
      theilSen([
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ]),
    ).toBeUndefined();
    expect(
      theilSen([
        { x: 1, y: 0 },
        { x: 1, y: 5 },
        { x: 1, y: 9 },
      ]),
    ).toBeUndefined();
  });
});
