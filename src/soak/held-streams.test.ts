import { describe, expect, it } from 'vitest';
import { churnLeftBehind, HELD_LIMIT_BYTES_PER_CHUNK, heldStreamCheck, probePlan } from './held-streams.ts';

/** Nine heap samples, 100 events a step: x is what each point's x counts, `per` bytes for each, with GC noise. */
const line = (per: number, xPerStep = 100) =>
  Array.from({ length: 9 }, (_, i) => ({ x: i * xPerStep, y: 9_000_000 + per * i * xPerStep + (i % 2) * 20_000 }));
/** The held probe of 10 streams: 800 events, each read by every stream (1,000 chunks a step). */
const held = (perChunk: number, keepalivesPerEvent = 0) => ({
  points: line(perChunk, 1000 * (1 + keepalivesPerEvent)),
  streams: 10,
  events: 800,
});

describe('held-stream growth check', () => {
  it("fails growth per chunk above the limit, and names @hono/node-server 1.x's writer", () => {
    const c = heldStreamCheck({ ...held(460), control: line(0) }, { version: '1.19.19', origin: 'bundled' });
    expect(c.verdict).toBe('fail');
    expect(c.details!.bytesPerChunk).toBe(460);
    expect(c.reason).toMatch(
      /^streams that stay open grow by 460 B for every chunk written to them \(95 % interval [\d.]+ to [\d.]+\), above 32/,
    );
    expect(c.reason).toContain('served by @hono/node-server 1.19.19, whose stream writer chains a promise');
  });

  it('counts the keepalives the streams read meanwhile as chunks: 10,000 streams on a short keepalive read as many', () => {
    // Per event published, each stream read the event and a keepalive: the growth is per chunk read, not twice it.
    expect(heldStreamCheck({ ...held(460, 1), control: line(0) }).details!.bytesPerChunk).toBe(460);
  });

  it('names no adapter on 2.x, or for a target it does not serve', () => {
    expect(heldStreamCheck({ ...held(460), control: line(0) }, { version: '2.1.9', origin: 'project' }).reason).not.toContain(
      'node-server',
    );
    expect(heldStreamCheck({ ...held(460), control: line(0) }).reason).not.toContain('node-server');
  });

  it('takes off what the server keeps per event with no stream (the control), spread over the chunks each event made', () => {
    // 2,000 B per event whoever reads it: 200 B per chunk with 10 streams, 100 with a keepalive per event too.
    expect(heldStreamCheck({ ...held(200), control: line(2000) }).verdict).toBe('pass');
    expect(heldStreamCheck({ ...held(100, 1), control: line(2000) }).verdict).toBe('pass');
    expect(heldStreamCheck({ ...held(100), control: line(2000) }).details!.bytesPerChunk).toBe(-100);
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

  it('writes about 10,000 chunks to the held streams, in 8 steps, within 16 to 1,000 events', () => {
    expect(probePlan(10)).toEqual({ events: 1000, step: 125 });
    expect(probePlan(40)).toEqual({ events: 256, step: 32 });
    expect(probePlan(1000)).toEqual({ events: 16, step: 2 });
    expect(probePlan(10_000)).toEqual({ events: 16, step: 2 });
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
