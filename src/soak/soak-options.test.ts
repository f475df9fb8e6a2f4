import { describe, expect, it } from 'vitest';
import { defaultSampleEvery, mixSchedule, parseDuration, parseMix } from './soak-options.ts';

const kinds = ['clean-close', 'socket-destroy', 'idle-kill', 'pre-aborted'];

describe('soak options', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1500ms', 1_500],
    ['2', 2_000],
    ['0.5h', 1_800_000],
  ])('duration %s is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'five minutes', '-3s', '0s'])('rejects duration %j', (text) => expect(() => parseDuration(text)).toThrow(/--duration/));

  it.each([
    [1_000, 57],
    [1_749, 99],
    [1_750, 100],
    [20_000, 100],
    [Number.MAX_SAFE_INTEGER, 100],
    [100, 10],
  ])('a soak of %i connections samples every %i by default', (connections, every) => expect(defaultSampleEvery(connections)).toBe(every));

  it('parses a mix and rejects unknown kinds and bad weights', () => {
    expect(parseMix('clean-close=30,socket-destroy=30,idle-kill=20,pre-aborted=20', kinds)).toEqual({
      'clean-close': 30,
      'socket-destroy': 30,
      'idle-kill': 20,
      'pre-aborted': 20,
    });
    expect(() => parseMix('sigterm=10', kinds)).toThrow(/unknown disconnect kind 'sigterm'/);
    expect(() => parseMix('clean-close=lots', kinds)).toThrow(/not name=weight/);
    expect(() => parseMix('clean-close=0', kinds)).toThrow(/at least one kind/);
  });

  it('interleaves a schedule in proportion to the weights', () => {
    const s = mixSchedule({ 'clean-close': 30, 'socket-destroy': 30, 'idle-kill': 20, 'pre-aborted': 20 });
    expect(s).toHaveLength(10);
    expect(s.filter((k) => k === 'clean-close')).toHaveLength(3);
    expect(s.filter((k) => k === 'idle-kill')).toHaveLength(2);
    for (let i = 1; i < s.length; i++) expect(s[i]).not.toBe(s[i - 1]);
  });
});
