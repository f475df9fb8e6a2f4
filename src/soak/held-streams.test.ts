import { describe, expect, it } from 'vitest';
import { churnLeftBehind, HELD_LIMIT_BYTES_PER_CHUNK, heldStreamCheck, probePlan } from './held-streams.ts';

const line = (perEvent: number) =>
  Array.from({ length: 9 }, (_, i) => ({ x: i * 100, y: 9_000_000 + perEvent * i * 100 + (i % 2) * 20_000 }));

describe('held-stream growth check', () => {
  it("fails growth per chunk per held stream above the limit, and names @hono/node-server 1.x's writer", () => {
    const c = heldStreamCheck({ points: line(460 * 10), control: line(0), streams: 10 }, { version: '1.19.19', origin: 'bundled' });
    expect(c.verdict).toBe('fail');
    expect(c.details!.bytesPerChunk).toBe(460);
    expect(c.reason).toMatch(
      /^streams that stay open grow by 460 B for every chunk written to them \(95 % interval [\d.]+ to [\d.]+\), above 32/,
    );
    expect(c.reason).toContain('served by @hono/node-server 1.19.19, whose stream writer chains a promise');
  });

  it('names no adapter on 2.x, or for a target it does not serve', () => {
    expect(
      heldStreamCheck({ points: line(4600), control: line(0), streams: 10 }, { version: '2.1.9', origin: 'project' }).reason,
    ).not.toContain('node-server');
    expect(heldStreamCheck({ points: line(4600), control: line(0), streams: 10 }).reason).not.toContain('node-server');
  });

  it('takes off what the server keeps per event with no stream (the control)', () => {
    expect(heldStreamCheck({ points: line(2000), control: line(2000), streams: 10 }).verdict).toBe('pass');
  });

  it('is skipped without held streams or a publish, and an error when it could not measure', () => {
    expect(heldStreamCheck({ skipped: 'no stream was held open (--open 0)' })).toMatchObject({
      verdict: 'skipped',
      skippedBy: 'not-applicable',
    });
    expect(heldStreamCheck({ error: 'the 10 held streams read 0 of 1000 chunks' })).toMatchObject({
      verdict: 'error',
      limit: HELD_LIMIT_BYTES_PER_CHUNK,
      reason: 'could not measure: the 10 held streams read 0 of 1000 chunks',
    });
  });

  it('writes about 10,000 chunks to the held streams, in 8 steps, within 100 to 1,000 events', () => {
    expect(probePlan(10)).toEqual({ events: 1000, step: 125 });
    expect(probePlan(40)).toEqual({ events: 256, step: 32 });
    expect(probePlan(1000)).toEqual({ events: 104, step: 13 });
  });
});

describe('what the churn left behind', () => {
  const sample = (timers: number, listeners: number) =>
    ({
      t: 0,
      connections: 0,
      heapUsed: 0,
      code: 0,
      rss: 0,
      external: 0,
      arrayBuffers: 0,
      timers,
      gauges: { listeners },
      sockets: 0,
    }) as const;
  it('is nothing within what the connections in flight hold, and says what grew beyond it', () => {
    expect(churnLeftBehind([sample(12, 10), sample(50, 40)], 32)).toBeUndefined();
    expect(churnLeftBehind([sample(12, 10), sample(328, 324)], 32)).toBe('live timers +316, gauge listeners +314');
    expect(churnLeftBehind([sample(12, 10)], 32)).toBeUndefined();
  });
});
