import { describe, expect, it } from 'vitest';
import { lineChart, niceTicks } from './svg-chart.ts';

describe('chart axes', () => {
  it.each([
    [1000, [0, 200, 400, 600, 800, 1000]],
    [2950, [0, 1000, 2000, 3000]],
    [7.3, [0, 2, 4, 6, 8]],
    [0.34, [0, 0.1, 0.2, 0.3, 0.4]],
    [12, [0, 5, 10, 15]],
    [1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, [0, 1]],
  ])('ticks for a maximum of %s: from zero, in steps of 1, 2 or 5 × 10^n', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });

  it('every tick step is 1, 2 or 5 × 10^n, and the axis covers the maximum', () => {
    for (let max = 0.013; max < 5e9; max *= 1.37) {
      const ticks = niceTicks(max);
      const step = ticks[1]! - ticks[0]!;
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
      expect([1, 2, 5], `max ${max}`).toContain(mantissa);
      expect(ticks[0]).toBe(0);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
      expect(ticks.length, `max ${max}`).toBeLessThanOrEqual(11);
    }
  });

  it('bytes are ticked in MB from zero, with units on both axes, and each sample has a tooltip with its values', () => {
    const svg = lineChart({
      title: 'Heap',
      xLabel: 'connections',
      yLabel: 'heap used',
      yUnit: 'bytes',
      series: [
        {
          name: 'heap used',
          colour: '#000',
          points: [
            [100, 20 * 1_048_576],
            [1200, 23.5 * 1_048_576],
          ],
        },
      ],
    });
    const yTicks = [...svg.matchAll(/class="y-tick"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(yTicks).toEqual(['0', '5', '10', '15', '20', '25']);
    const xTicks = [...svg.matchAll(/class="x-tick"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(xTicks).toEqual(['0', '500', '1,000', '1,500']);
    expect(svg).toContain('heap used (MB)');
    expect(svg).toContain('<title>heap used: 23.5 MB at 1,200 connections</title>');
  });
});
