import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdaptorServer as adapter2 } from 'node-server-2';
import { createAdaptorServer as adapter1 } from '@hono/node-server';
import { ClientPool } from '../clients/client-pool.ts';
import { openEventSource } from '../clients/eventsource-stream.ts';
import { fetchUntilEventThenAbort } from '../clients/fetch-stream.ts';
import { openHttpStream } from '../clients/http-stream.ts';
import { TimerMeter } from '../meters/timer-meter.ts';
import { type CreateAdaptorServer, type ServedTarget, serveTarget } from '../server/serve-target.ts';
import { createReferenceTarget } from './reference-target.ts';

/**
 * The truth table of the reference variants, over real sockets on 127.0.0.1 against the
 * pinned @hono/node-server 1.19.19 and against 2.1.9: for each disconnect kind, exactly how
 * many emitter listeners, keepalive intervals and process SIGTERM listeners stay behind.
 */
const N = 4;
const SETUP_MS = 20;
/**
 * The setup of the during-setup rows. The client leaves as soon as the server has the
 * request, but the server must also see it leave before the setup ends: with 20 ms, a full
 * suite (two files at once on two cores) once saw 3 leaks of 4 (one close processed after
 * the response had started, which 1.19 then handles as a late disconnect). The row's N
 * clients leave together, so the longer setup is paid once per row.
 */
const LONG_SETUP_MS = 150;

type Kind =
  | 'eventsource-close'
  | 'fetch-abort'
  | 'destroy'
  | 'reset'
  | 'after-headers'
  | 'during-setup'
  | 'in-process-aborted'
  | 'server-close';

const kinds: Kind[] = [
  'eventsource-close',
  'fetch-abort',
  'destroy',
  'reset',
  'after-headers',
  'during-setup',
  'in-process-aborted',
  'server-close',
];

/** [listeners, intervals, SIGTERM listeners] left per connection, per kind, where not zero. */
type Row = Partial<Record<Kind, [number, number, number]>>;

const on1: Record<string, Row> = {
  fixed: {},
  'cancel-only': { 'during-setup': [1, 1, 0], 'in-process-aborted': [1, 1, 0] },
  'late-signal': { 'during-setup': [1, 1, 0] },
  'heartbeat-after-setup': { 'after-headers': [0, 1, 0] },
  'process-listener': {
    'eventsource-close': [0, 0, 1],
    'fetch-abort': [0, 0, 1],
    destroy: [0, 0, 1],
    reset: [0, 0, 1],
    'after-headers': [0, 0, 1],
    'server-close': [0, 0, 1],
  },
  'end-without-cleanup': { 'server-close': [1, 1, 0] },
  'retains-per-connection': {},
};

// node-server 2.x cancels the body it never read, so late disconnects are rescued; an
// in-process request that is already aborted never reaches an adapter at all.
const on2: Record<string, Row> = {
  ...on1,
  'cancel-only': { 'in-process-aborted': [1, 1, 0] },
  'late-signal': {},
};

interface Left {
  listeners: number;
  intervals: number;
  sigterm: number;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * N raw clients at once, each leaving once the server has its request and its handler is in
 * its setup await (the response not started: each checks that it saw no byte of it).
 */
async function leaveDuringSetup(served: ServedTarget, path: string): Promise<void> {
  let arrivals = 0;
  const arrived = new Promise<void>((resolve) => {
    const onRequest = () => {
      if (++arrivals < N) return;
      served.server.off('request', onRequest);
      resolve();
    };
    served.server.on('request', onRequest);
  });
  const sockets = Array.from({ length: N }, () => {
    const socket = connect(served.port, '127.0.0.1');
    const client = { socket, responseStarted: false };
    socket.on('data', () => (client.responseStarted = true));
    socket.on('error', () => {});
    socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${served.port}\r\naccept: text/event-stream\r\n\r\n`);
    return client;
  });
  await arrived;
  for (const { socket } of sockets) socket.destroy();
  await Promise.all(sockets.map(({ socket }) => new Promise((resolve) => socket.once('close', resolve))));
  expect(sockets.map((c) => c.responseStarted)).toEqual(sockets.map(() => false));
}

async function leftAfter(variant: string, kind: Kind, adapter: CreateAdaptorServer): Promise<Left> {
  const meter = new TimerMeter().enable();
  const sigtermBefore = process.listeners('SIGTERM');
  const setupMs = kind === 'during-setup' ? LONG_SETUP_MS : SETUP_MS;
  const target = createReferenceTarget({ variant, keepaliveMs: 60_000, setupMs });
  const served = await serveTarget(target, { adapter });
  const pool = new ClientPool();
  cleanups.push(async () => {
    await pool.close();
    target.close();
    await served.close();
    meter.clearTargetTimers();
    meter.disable();
    for (const l of process.listeners('SIGTERM')) if (!sigtermBefore.includes(l)) process.off('SIGTERM', l);
  });
  const intervals = () => meter.sample().target.filter((t) => t.repeat).length;
  const before: Left = { listeners: target.gauges.listeners(), intervals: intervals(), sigterm: process.listenerCount('SIGTERM') };
  const url = served.url + target.path;

  const leave = async () => {
    switch (kind) {
      case 'eventsource-close':
        (await openEventSource(url, pool, { firstEvent: 'connected' })).close();
        break;
      case 'fetch-abort':
        await fetchUntilEventThenAbort(url, pool, { firstEvent: 'connected' });
        break;
      case 'destroy':
      case 'reset': {
        const stream = await openHttpStream(url);
        await stream.events.next('connected');
        stream.disconnect(kind === 'reset' ? 'rst' : 'fin');
        break;
      }
      case 'after-headers': {
        const stream = await openHttpStream(url);
        stream.disconnect('fin');
        break;
      }
      case 'in-process-aborted': {
        const res = await target.fetch!(new Request(url, { signal: AbortSignal.abort() }));
        expect(res.status).toBeLessThan(300); // the body is dropped unread
        break;
      }
      case 'server-close': {
        const stream = await openHttpStream(url);
        await stream.events.next('connected');
        target.close();
        await stream.events.next('shutdown');
        expect(await stream.ended).toBe('clean');
        break;
      }
    }
  };
  // The N clients of a row leave at once, as a server's clients do: every kind counts per
  // connection. server-close ends the target's streams in turn, one stream at a time.
  if (kind === 'during-setup') await leaveDuringSetup(served, target.path);
  else if (kind === 'server-close') for (let i = 0; i < N; i++) await leave();
  else await Promise.all(Array.from({ length: N }, leave));
  await pool.close();
  const deadline = Date.now() + 3_000;
  while (served.openSockets() > 0 && Date.now() < deadline) await sleep(10);
  // Lets every awaited setup finish and create what it creates. Each setup's timer was set
  // when its request arrived, before this sleep's, and fires first however loaded the
  // machine; twice the setup is margin for what its continuation then awaits.
  await sleep(setupMs * 2);
  return {
    listeners: target.gauges.listeners() - before.listeners,
    intervals: intervals() - before.intervals,
    sigterm: process.listenerCount('SIGTERM') - before.sigterm,
  };
}

for (const [label, adapter, table] of [
  ['@hono/node-server 1.19.19 (pinned)', adapter1, on1],
  ['@hono/node-server 2.1.9', adapter2 as unknown as CreateAdaptorServer, on2],
] as const) {
  describe(`truth table on ${label}`, () => {
    for (const [variant, row] of Object.entries(table)) {
      for (const kind of kinds) {
        const [l, i, s] = row[kind] ?? [0, 0, 0];
        it(`${variant} × ${kind} leaves ${l * N} listeners, ${i * N} intervals, ${s * N} SIGTERM listeners`, async () => {
          expect(await leftAfter(variant, kind, adapter)).toEqual({ listeners: l * N, intervals: i * N, sigterm: s * N });
        });
      }
    }
  });
}
