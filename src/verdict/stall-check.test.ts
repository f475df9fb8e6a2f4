import { describe, expect, it } from 'vitest';
import { describeStall, stallCheck, stallLimit } from './stall-check.ts';

const line = (perEvent: number, noise = 0) =>
  Array.from({ length: 9 }, (_, i) => ({ x: i * 2000, y: 8_000_000 + perEvent * i * 2000 + (i % 2 ? noise : -noise) }));
const backedUp = (stalled: number, control: number, noise = 0) =>
  ({
    kind: 'backed-up',
    streams: 2,
    points: line(stalled, noise),
    control: line(control, noise),
    bytesPerEvent: 60,
    fillEvents: 64_000,
    fillMs: 1_600,
    closedDuring: 0,
  }) as const;

describe('stall check', () => {
  it('fails a server that holds every event for its stalled streams, per stream, with the interval', () => {
    const c = stallCheck(backedUp(580, 0, 20_000));
    expect(c.verdict).toBe('fail');
    expect(c.details!.bytesPerEventPerStream).toBe(290);
    expect(c.ci95![0]).toBeGreaterThan(30);
    expect(c.limit).toBe(30);
    expect(c.reason).toMatch(
      /holds 290 B more for every event published \(95 % interval [\d.]+ to [\d.]+\), above 30 \(half an event of 60 B\)/,
    );
  });

  it('passes a server whose memory stays flat once its writes to stalled clients back up', () => {
    const c = stallCheck(backedUp(0, 0, 30_000));
    expect(c.verdict).toBe('pass');
    expect(describeStall(c)).toMatch(/^a stalled stream holds -?[\d.]+ B per event once backed up \(limit 30\)$/);
  });

  it('does not blame the stalled streams for what the server keeps per event anyway (its control)', () => {
    // An event log of 200 B per event, kept with or without streams: the same slope in both.
    expect(stallCheck(backedUp(200, 200, 10_000)).verdict).toBe('pass');
    expect(stallCheck(backedUp(200 + 2 * 100, 200, 10_000)).verdict).toBe('fail');
  });

  it('passes a server that closed its stalled streams, saying when', () => {
    const c = stallCheck({ kind: 'closed', streams: 2, closedWithinMs: 1417, events: 64_000, bytesPerEvent: 60.5 });
    expect(c.verdict).toBe('pass');
    expect(describeStall(c)).toBe(
      'the server closed the 2 stalled streams within 1.4 s after their clients stopped reading (64,000 events published)',
    );
  });

  it('is an error, never a pass, when the stalled streams never backed up', () => {
    const c = stallCheck({ kind: 'never-backed-up', streams: 2, events: 400_000, ms: 30_000, bytesPerEvent: 60 });
    expect(c.verdict).toBe('error');
    expect(c.reason).toMatch(/^could not measure: the 2 stalled streams never backed up: after 400000 events \(22\.9 MB to each\) in 30 s/);
  });

  it('limits at half an event, and never below the noise floor', () => {
    expect(stallLimit(61)).toBe(31);
    expect(stallLimit(10)).toBe(16);
  });
});
