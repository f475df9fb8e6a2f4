import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../clients/client-pool.ts';
import { openEventSource } from '../clients/eventsource-stream.ts';
import { openHttpStream } from '../clients/http-stream.ts';
import { serveTarget } from '../server/serve-target.ts';
import { createReferenceTarget, type ReferenceTargetOptions } from './reference-target.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: ReferenceTargetOptions = {}) {
  const target = createReferenceTarget({ setupMs: 1, ...options });
  const served = await serveTarget(target);
  const pool = new ClientPool();
  cleanups.push(async () => {
    await pool.close();
    target.close();
    await served.close();
  });
  return { target, served, pool, url: served.url + target.path };
}

describe('reference server protocol', () => {
  it('an eventsource client receives connected, then invalidate after publish', async () => {
    const { target, pool, url } = await start();
    const source = await openEventSource(url, pool, { firstEvent: 'connected' });
    const invalidate = new Promise<MessageEvent>((resolve) => source.addEventListener('invalidate', (e) => resolve(e as MessageEvent)));
    target.publish();
    expect(JSON.parse((await invalidate).data)).toEqual({ keys: ['projects'] });
    source.close();
  });

  it('sends the frames byte for byte, with SSE headers', async () => {
    const { target, url } = await start();
    const stream = await openHttpStream(url);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe('text/event-stream');
    expect(await stream.events.next()).toEqual({ event: 'connected', data: '{}', id: '0' });
    target.publish();
    expect(await stream.events.next()).toEqual({ event: 'invalidate', data: '{"keys":["projects"]}', id: '1' });
    stream.disconnect('fin');
  });

  it('a client that comes back with Last-Event-ID gets what it missed, then the live events', async () => {
    const { target, url } = await start();
    for (let i = 0; i < 3; i++) target.publish();
    // A new client's connected event carries the latest id; one that came back keeps its own.
    const fresh = await openHttpStream(url);
    expect(await fresh.events.next()).toEqual({ event: 'connected', data: '{}', id: '3' });
    fresh.disconnect('fin');
    const back = await openHttpStream(url, { request: { method: 'GET', headers: { accept: 'text/event-stream', 'last-event-id': '1' } } });
    expect(await back.events.next()).toEqual({ event: 'connected', data: '{}' });
    target.publish();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await back.events.next('invalidate')).id);
    expect(ids).toEqual(['2', '3', '4']);
    back.disconnect('fin');
  });

  it('the public route forwards only allowlisted keys and drops events left with none', async () => {
    const { target, url } = await start({ route: 'public', publicKeys: ['projects'] });
    expect(url).toMatch(/\/api\/acme\/public\/events$/);
    const pub = await openHttpStream(url);
    const members = await openHttpStream(url.replace('/public', ''));
    await Promise.all([pub.events.next('connected'), members.events.next('connected')]);
    target.emitter.emit('acme', { keys: ['billing'] }); // nothing public: dropped
    target.emitter.emit('acme', { keys: ['billing', 'projects'] }); // filtered
    expect(await members.events.next()).toEqual({ event: 'invalidate', data: '{"keys":["billing"]}', id: '1' });
    expect(await members.events.next()).toEqual({ event: 'invalidate', data: '{"keys":["billing","projects"]}', id: '2' });
    expect(await pub.events.next()).toEqual({ event: 'invalidate', data: '{"keys":["projects"]}', id: '2' });
    target.emitter.emit('other-org', { keys: ['projects'] }); // another organisation: not ours
    target.emitter.emit('acme', { keys: ['pages'] }); // allowlisted by default, not here
    target.publish();
    expect(await pub.events.next()).toEqual({ event: 'invalidate', data: '{"keys":["projects"]}', id: '5' });
    pub.disconnect('fin');
    members.disconnect('fin');
  });

  it('keepalive comments arrive at the configured period', async () => {
    const { url } = await start({ keepaliveMs: 100 });
    const stream = await openHttpStream(url);
    const chunks: { at: number; text: string }[] = [];
    const t0 = performance.now();
    stream.socket.on('data', (b: Buffer) => chunks.push({ at: performance.now() - t0, text: b.toString() }));
    await sleep(560);
    stream.disconnect('fin');
    const keepalives = chunks.filter((c) => c.text.includes(': keepalive\n\n'));
    expect(keepalives.length).toBeGreaterThanOrEqual(4);
    expect(keepalives.length).toBeLessThanOrEqual(6);
    const gaps = keepalives.slice(1).map((c, i) => c.at - keepalives[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThan(60);
  });

  it('close() ends every open stream with a final event, then the end of the stream', async () => {
    const { target, url } = await start();
    const streams = await Promise.all([openHttpStream(url), openHttpStream(url), openHttpStream(url)]);
    await Promise.all(streams.map((s) => s.events.next('connected')));
    expect(target.gauges.streams()).toBe(3);
    target.close();
    for (const s of streams) {
      expect(await s.events.next()).toEqual({ event: 'shutdown', data: '{"reason":"server closing"}' });
      expect(await s.ended).toBe('clean');
    }
    expect(target.gauges.streams()).toBe(0);
    expect(target.gauges.listeners()).toBe(0);
  });
});
