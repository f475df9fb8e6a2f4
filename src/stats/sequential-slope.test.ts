import { describe, expect, it } from 'vitest';
import { GroupSequentialBoundary } from './group-sequential.ts';
import { plannedInformation, sequentialLook, serialCorrelationFactor, slopeInformation } from './sequential-slope.ts';
import type { Point } from './theil-sen.ts';

/**
 * The sequential heap test's error rates, by simulation: heap series with a known slope,
 * Gaussian noise of the size our forced-GC samples show (40 KB), serially correlated as
 * AR(1), looked at after every sample from the eighth on, the way a scenario does. Each
 * direction's error must stay at its 2.5 % however often it is looked at; serially
 * correlated samples must not buy a narrower interval.
 */
const CAP = 400;
const EVERY = 20;
const LIMIT = 1024;
const SIGMA = 40_000;

function rng(seed: number) {
  let s = seed;
  const uniform = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function simulate(slope: number, phi: number, trials: number, seed = 1) {
  const gauss = rng(seed);
  // Every trial looks at the same connection counts: the boundaries are computed once.
  const boundary = new GroupSequentialBoundary(plannedInformation(CAP, EVERY));
  const boundaries = new Map<number, { z: number; t: number }>();
  const xs: number[] = [];
  for (let x = 0; x <= CAP; x += EVERY) {
    xs.push(x);
    if (xs.length >= 8) boundaries.set(x, boundary.next(slopeInformation(xs), x === CAP));
  }
  let above = 0;
  let below = 0;
  let stoppedAt = 0;
  for (let t = 0; t < trials; t++) {
    const points: Point[] = [];
    let e = 0;
    let stop = CAP;
    for (let x = 0; x <= CAP; x += EVERY) {
      e = phi * e + Math.sqrt(1 - phi * phi) * SIGMA * gauss();
      points.push({ x, y: 1e7 + slope * x + e });
      if (points.length < 8) continue;
      const look = sequentialLook(points, LIMIT, boundaries.get(x)!);
      if (look?.decision === 'above') above++;
      if (look?.decision === 'below') below++;
      if (look && look.decision !== 'undecided') {
        stop = x;
        break;
      }
    }
    stoppedAt += stop;
  }
  return { above: above / trials, below: below / trials, meanStop: stoppedAt / trials };
}

describe('sequentialLook', () => {
  it.each([
    [0, 0.025],
    [0.3, 0.035],
    [0.6, 0.06],
  ])('at a slope exactly at the limit, AR(1) rho %s: each wrong decision at most %s', (phi, bound) => {
    const r = simulate(LIMIT, phi, 2000, 7);
    expect(r.above).toBeLessThanOrEqual(bound);
    expect(r.below).toBeLessThanOrEqual(bound);
  });

  it('a clean slope (300 B) is decided below the limit, before the cap on average', () => {
    const r = simulate(300, 0.2, 300, 3);
    expect(r.below).toBeGreaterThan(0.97);
    expect(r.above).toBe(0);
    expect(r.meanStop).toBeLessThan(CAP);
  });

  it('a 2 KiB slope is decided above the limit, before the cap on average', () => {
    const r = simulate(2048, 0.2, 300, 5);
    expect(r.above).toBeGreaterThan(0.97);
    expect(r.below).toBe(0);
    expect(r.meanStop).toBeLessThan(CAP);
  });

  it('the information of evenly spaced samples grows with the cube of the span', () => {
    const xs = (n: number) => Array.from({ length: n }, (_, i) => i * EVERY);
    expect(slopeInformation(xs(21)) / slopeInformation(xs(11))).toBeCloseTo((21 ** 3 - 21) / (11 ** 3 - 11), 6);
    expect(plannedInformation(CAP, EVERY)).toBe(slopeInformation(xs(21)));
  });
});

describe('serialCorrelationFactor', () => {
  it('is 1 for independent noise and grows with positive correlation, never below 1', () => {
    const gauss = rng(11);
    const series = (phi: number) => {
      let e = 0;
      return Array.from({ length: 20 }, (_, i) => {
        e = phi * e + gauss() * 1000;
        return { x: i, y: e };
      });
    };
    const mean = (phi: number) => {
      let sum = 0;
      for (let i = 0; i < 200; i++) sum += serialCorrelationFactor(series(phi), 0);
      return sum / 200;
    };
    const independent = mean(0);
    const correlated = mean(0.8);
    expect(independent).toBeGreaterThanOrEqual(1);
    expect(independent).toBeLessThan(1.5);
    expect(correlated).toBeGreaterThan(2 * independent);
    const alternating = Array.from({ length: 20 }, (_, i) => ({ x: i, y: i % 2 ? 1 : -1 }));
    expect(serialCorrelationFactor(alternating, 0)).toBe(1);
  });
});
