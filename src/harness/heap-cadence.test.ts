import { describe, expect, it } from 'vitest';
import { HeapCadence } from './heap-cadence.ts';

describe('HeapCadence', () => {
  it('samples every N/samples connections, never more often than a wave', () => {
    expect(HeapCadence.for(400, 20, 20).every).toBe(20);
    expect(HeapCadence.for(4000, 20, 20).every).toBe(200);
    expect(HeapCadence.for(100, 20, 20).every).toBe(20);
  });

  it.each([
    // [sample cost ms, time since the last sample ended, due?]
    [10, 19, false],
    [10, 20, true],
    [4, 8, true],
    [40, 79, false],
    [40, 80, true],
  ])('a %i ms sample needs %i ms of churn after it: %s', (cost, gap, due) => {
    const c = HeapCadence.for(400, 20, 20);
    c.took(20, 0, cost);
    expect(c.due(40, cost + gap)).toBe(due);
  });

  it('waits for the count before the budget, and always samples the last wave', () => {
    const c = HeapCadence.for(400, 20, 20);
    expect(c.due(10, 1_000)).toBe(false);
    c.took(20, 0, 1_000);
    expect(c.due(400, 1_001)).toBe(true);
  });

  it('yields the budget when the slope would be left with too few samples', () => {
    const c = HeapCadence.for(400, 20, 40); // every 40: ten chances in all
    c.took(40, 0, 30);
    expect(c.due(80, 31)).toBe(true); // 1 taken + 8 left < 10: sample despite the budget
  });

  it('catches up on the count after a skipped sample without bunching', () => {
    const c = HeapCadence.for(400, 20, 20);
    c.took(20, 0, 10);
    expect(c.due(40, 15)).toBe(false); // budget says wait
    expect(c.due(60, 45)).toBe(true);
    c.took(60, 45, 55);
    expect(c.due(79, 200)).toBe(false); // next count is 80
    expect(c.due(80, 200)).toBe(true);
  });
});
