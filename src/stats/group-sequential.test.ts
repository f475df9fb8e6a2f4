import { describe, expect, it } from 'vitest';
import { GroupSequentialBoundary, normalCdf, normalQuantile } from './group-sequential.ts';

describe('GroupSequentialBoundary', () => {
  it("gives gsDesign's default design: Hwang-Shih-DeCani spending, gamma -4, 3 equal looks at one-sided 2.5 %", () => {
    // gsDesign::gsDesign()$upper$bound (k = 3, alpha = 0.025, sfu = sfHSD, sfupar = -4)
    const b = new GroupSequentialBoundary(1);
    const z = [1, 2, 3].map((k) => b.next(k / 3, k === 3).z);
    expect(z.map((v) => Number(v.toFixed(4)))).toEqual([3.0107, 2.5465, 1.9992]);
  });

  it("gives gsDesign's Lan-DeMets O'Brien-Fleming boundaries for 4 equal looks at one-sided 2.5 %", () => {
    // gsDesign::gsDesign(k = 4, test.type = 2, alpha = 0.025, sfu = sfLDOF)$upper$bound
    const b = new GroupSequentialBoundary(1, 0.025, 24, { kind: 'obf' });
    const z = [1, 2, 3, 4].map((k) => b.next(k / 4, k === 4).z);
    expect(z.map((v) => Number(v.toFixed(3)))).toEqual([4.333, 2.963, 2.359, 2.014]);
  });

  it('one look is the fixed-sample 1.96; the last of many looks stays above it and below the continuous 2.24', () => {
    expect(new GroupSequentialBoundary(1).next(1, true).z).toBeCloseTo(1.96, 3);
    const b = new GroupSequentialBoundary(1, 0.025, 24, { kind: 'obf' });
    let last = 0;
    for (let k = 1; k <= 20; k++) last = b.next(k / 20, k === 20).z;
    expect(last).toBeGreaterThan(1.96);
    expect(last).toBeLessThan(2.2414);
  });

  it('unplanned looks: the final one spends what is left, however little information came', () => {
    const b = new GroupSequentialBoundary(100);
    const first = b.next(30);
    const last = b.next(60, true);
    expect(first.t).toBeCloseTo(0.3, 6);
    expect(last.t).toBe(1);
    expect(last.z).toBeLessThan(first.z);
  });

  it('normal distribution helpers agree with the tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.9875)).toBeCloseTo(2.241403, 5);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 6);
  });
});
