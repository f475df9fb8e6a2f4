import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimerMeter } from '../meters/timer-meter.ts';
import { respondBound } from './bound-stream.ts';
import { InvalidationEmitter } from './emitter.ts';
import { OpenStreams } from './route-context.ts';

/**
 * The five behaviours the production fix was tested for, on the real helper with a real
 * Hono context and a real AbortController (the fix's own tests faked both).
 */
class CountingEmitter extends InvalidationEmitter {
  subscribes = 0;
  unsubscribes = 0;
  override subscribe(orgId: string, listener: Parameters<InvalidationEmitter['subscribe']>[1]) {
    this.subscribes++;
    const off = super.subscribe(orgId, listener);
    return () => {
      this.unsubscribes++;
      off();
    };
  }
}

let meter: TimerMeter;
beforeEach(() => {
  meter = new TimerMeter().enable();
});
afterEach(() => {
  meter.clearTargetTimers();
  meter.disable();
});

function setup() {
  const emitter = new CountingEmitter();
  const streams = new OpenStreams();
  const app = new Hono().get('/events', (c) =>
    respondBound(c, {
      org: { id: 'acme', slug: 'acme' },
      emitter,
      filter: (e) => e,
      keepaliveMs: 60_000,
      settleMs: 0,
      streams,
    }),
  );
  const intervals = () => meter.sample().target.filter((t) => t.repeat).length;
  return { emitter, streams, app, intervals };
}

describe('respondBound (the fixed helper)', () => {
  it('abort without cancel cleans up', async () => {
    const { app, emitter, intervals } = setup();
    const controller = new AbortController();
    const res = await app.request('/events', { signal: controller.signal });
    expect(res.status).toBe(200);
    expect([emitter.listenerCount(), intervals()]).toEqual([1, 1]);
    controller.abort();
    expect([emitter.listenerCount(), intervals(), emitter.unsubscribes]).toEqual([0, 0, 1]);
  });

  it('abort then cancel cleans up once', async () => {
    const { app, emitter, intervals } = setup();
    const controller = new AbortController();
    const res = await app.request('/events', { signal: controller.signal });
    controller.abort();
    await res.body!.cancel();
    expect([emitter.listenerCount(), intervals(), emitter.unsubscribes]).toEqual([0, 0, 1]);
  });

  it('cancel without abort cleans up', async () => {
    const { app, emitter, intervals, streams } = setup();
    const res = await app.request('/events');
    expect(streams.size).toBe(0); // nobody reads it yet: shutdown would not know of it
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('id: 0\nevent: connected\ndata: {}\n\n');
    expect(streams.size).toBe(1);
    await reader.cancel();
    expect([emitter.listenerCount(), intervals(), streams.size]).toEqual([0, 0, 0]);
  });

  it('unsubscribe is called exactly once whatever fires, in any order and repeatedly', async () => {
    const { app, emitter } = setup();
    const controller = new AbortController();
    const res = await app.request('/events', { signal: controller.signal });
    await res.body!.cancel();
    controller.abort();
    await res.body!.cancel();
    expect([emitter.subscribes, emitter.unsubscribes]).toEqual([1, 1]);
  });

  it('an already-aborted signal registers nothing', async () => {
    const { app, emitter, intervals, streams } = setup();
    const res = await app.request('/events', { signal: AbortSignal.abort() });
    expect(res.body).toBeNull();
    expect([emitter.subscribes, intervals(), streams.size]).toEqual([0, 0, 0]);
  });
});
