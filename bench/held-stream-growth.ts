/**
 * Heap held per chunk written to an SSE stream that stays open, on @hono/node-server
 * 1.19.19 (sse-soak's own) and 2.1.9 (the dev alias node-server-2). 1.19.x pipes the
 * response with `return reader.read().then(flow)` inside `flow`, so every chunk adds a
 * link to a promise chain that is only freed when the stream ends; 2.x does not return it.
 *
 *   npx tsx bench/held-stream-growth.ts 1    # 1.19.19
 *   npx tsx bench/held-stream-growth.ts 2    # 2.1.9
 *   npx tsx bench/held-stream-growth.ts 1 timers|owner   # with one of sse-soak's async hooks on
 *
 * With an async hook enabled (sse-soak's timer meter, or its owner storage entered once),
 * Node gives every promise an async id, and each link of 1.19.19's chain costs more: about
 * 105 B per chunk with no hook, about 460 B with either. soak reads its probes with them off.
 */
import http from 'node:http';
import { Hono } from 'hono';
import { sampleHeap } from '../src/meters/heap-meter.ts';
const which = process.argv[2] ?? '1';
const hook = process.argv[3];
if (hook === 'timers') new (await import('../src/meters/timer-meter.ts')).TimerMeter().enable();
else if (hook === 'owner') await (await import('../src/meters/async-owner.ts')).inNewTargetChain('bench', async () => {});
else if (hook !== undefined) throw new Error(`unknown hook '${hook}': timers or owner`);
const { createAdaptorServer } = which === '2' ? await import('node-server-2') : await import('@hono/node-server');
let controller!: ReadableStreamDefaultController<Uint8Array>;
const app = new Hono();
app.get(
  '/s',
  () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          controller = c;
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    ),
);
const server = createAdaptorServer({ fetch: app.fetch }) as http.Server;
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as { port: number }).port;
const streams = 20;
const ctrls: ReadableStreamDefaultController<Uint8Array>[] = [];
const reqs: http.ClientRequest[] = [];
for (let i = 0; i < streams; i++) {
  await new Promise<void>((r) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/s' }, (res) => {
      res.on('data', () => {});
      r();
    });
    reqs.push(req);
  });
  ctrls.push(controller);
}
const enc = new TextEncoder();
const tick = () => new Promise((r) => setImmediate(r));
const before = (await sampleHeap({ thorough: true }))!.usedBytes;
const perStream = 2000;
for (let k = 0; k < perStream; k++) {
  for (const c of ctrls) c.enqueue(enc.encode(': ka\n\n'));
  await tick();
}
await new Promise((r) => setTimeout(r, 200));
const after = (await sampleHeap({ thorough: true }))!.usedBytes;
console.log(
  `adapter ${which === '2' ? '2.1.9' : '1.19.19'}${hook ? ` (${hook} hook on)` : ''}: ${streams} open streams x ${perStream} chunks: heap +${((after - before) / 1024).toFixed(0)} KB, ${((after - before) / (streams * perStream)).toFixed(1)} B per chunk written`,
);
for (const c of ctrls) c.close();
await new Promise((r) => setTimeout(r, 300));
const closed = (await sampleHeap({ thorough: true }))!.usedBytes;
console.log(`  after the streams end: ${((closed - before) / 1024).toFixed(0)} KB above the start`);
for (const r of reqs) r.destroy();
server.close();
