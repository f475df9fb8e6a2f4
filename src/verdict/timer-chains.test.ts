import { describe, expect, it } from 'vitest';
import type { ActiveTimer } from '../meters/timer-meter.ts';
import { leakedTimers } from './timer-chains.ts';

let id = 1;
const timer = (chain: string | undefined, site = 'app.ts:10', repeat = false): ActiveTimer => ({
  asyncId: id++,
  owner: 'target',
  site,
  ...(chain ? { chain } : {}),
  repeat,
  refed: true,
});

describe('leaked timers, counted per chain', () => {
  it.each([
    ['nothing', [], [], 0],
    ['a module sweeper that re-armed since the baseline', [timer('module', 'sweep.ts:4')], [timer('module', 'sweep.ts:4')], 0],
    ['a loop a warm-up connection leaked, re-armed', [timer('connection:1', 'loop.ts:7')], [timer('connection:1', 'loop.ts:7')], 0],
    [
      'three new connections each leaving a sleep loop',
      [],
      [timer('connection:2', 'loop.ts:7'), timer('connection:3', 'loop.ts:7'), timer('connection:4', 'loop.ts:7')],
      3,
    ],
    [
      'a warm-up loop re-armed and a new one',
      [timer('connection:1', 'loop.ts:7')],
      [timer('connection:1', 'loop.ts:7'), timer('connection:5', 'loop.ts:7')],
      1,
    ],
    [
      "an old connection's timeout fired, a new one leaked at the same line",
      [timer('connection:1', 'auth.ts:3')],
      [timer('connection:6', 'auth.ts:3')],
      1,
    ],
    [
      'a warm-up completion moved on from its thinking sleep to its token sleep',
      [timer('connection:9', 'gen.ts:116')],
      [timer('connection:9', 'gen.ts:120'), timer('connection:10', 'gen.ts:120')],
      1,
    ],
    ['an interval and a sleep loop of one connection', [], [timer('connection:7', 'a.ts:1', true), timer('connection:7', 'a.ts:9')], 2],
    ['two intervals at one line of one connection', [], [timer('connection:8', 'a.ts:1', true), timer('connection:8', 'a.ts:1', true)], 2],
    [
      'timers with no chain, netted per line',
      [timer(undefined, 'x.ts:1'), timer(undefined, 'x.ts:1')],
      [timer(undefined, 'x.ts:1'), timer(undefined, 'x.ts:1'), timer(undefined, 'x.ts:1')],
      1,
    ],
    ['fewer than before', [timer('module', 'x.ts:1'), timer('module', 'x.ts:1')], [timer('module', 'x.ts:1')], 0],
  ] as const)('%s: %i', (_name, baseline, now, count) => {
    const leaked = leakedTimers(baseline, now);
    expect(leaked.count).toBe(count);
    expect(leaked.timers).toHaveLength(count);
  });

  it('returns the newest timers of a chain as the leaked ones', () => {
    const old = timer('module', 'x.ts:1');
    const newer = timer('module', 'x.ts:1');
    expect(leakedTimers([timer('module', 'x.ts:1')], [old, newer]).timers).toEqual([newer]);
  });
});
