/**
 * Connection churn with and without the harness's meters, in one process and one run:
 * connect, read the first event, destroy the socket, against the reference `fixed` server
 * on @hono/node-server. Prints cycles per second for each configuration and their ratio.
 *
 *   npx tsx bench/churn.ts [--cycles 6000] [--workers 32] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { openHttpStream } from '../src/clients/http-stream.ts';
import { requestThenLeave } from '../src/clients/raw-request.ts';
import { ProcessListenerMeter } from '../src/meters/process-listener-meter.ts';
import { sampleHeap } from '../src/meters/heap-meter.ts';
import { TimerMeter } from '../src/meters/timer-meter.ts';
import { createReferenceTarget } from '../src/reference/reference-target.ts';
import { serveTarget } from '../src/server/serve-target.ts';

const { values } = parseArgs({
  options: { cycles: { type: 'string', default: '6000' }, workers: { type: 'string', default: '32' }, rounds: { type: 'string', default: '3' } },
});
const cycles = Number(values.cycles);
const workers = Number(values.workers);
const rounds = Number(values.rounds);

const target = createReferenceTarget({ keepaliveMs: 1_000, setupMs: 0 });
const served = await serveTarget(target);
const url = served.url + target.path;

type Client = 'http' | 'raw';
async function cycle(client: Client): Promise<void> {
  if (client === 'http') {
    const stream = await openHttpStream(url);
    await stream.events.next('connected');
    stream.disconnect('fin');
  } else {
    // A raw socket that leaves once the response has started (the first bytes arrived).
    await requestThenLeave({ port: served.port, path: target.path }, 2, 'fin');
  }
}

/** Cycles per second with `workers` clients looping until `cycles` are done. */
async function churn(client: Client, withMeters: boolean): Promise<number> {
  const timers = withMeters ? new TimerMeter().enable() : undefined;
  const listeners = withMeters ? new ProcessListenerMeter().enable() : undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < cycles) {
        const i = next++;
        await cycle(client);
        // The run's cadence: the heap is sampled (two forced GCs) every 20 connections.
        if (withMeters && i % 20 === 19) {
          timers!.prune();
          await sampleHeap();
        }
      }
    }),
  );
  const rate = cycles / ((performance.now() - started) / 1000);
  timers?.disable();
  listeners?.disable();
  while (served.openSockets() > 0) await new Promise((r) => setTimeout(r, 10));
  return rate;
}

const rows: string[] = [];
for (const client of ['http', 'raw'] as const) {
  await churn(client, false); // warm-up
  const bare: number[] = [];
  const metered: number[] = [];
  for (let r = 0; r < rounds; r++) {
    bare.push(await churn(client, false));
    metered.push(await churn(client, true));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const b = median(bare);
  const m = median(metered);
  rows.push(
    `| ${client === 'http' ? 'node:http client, first event, destroy' : 'raw socket, first bytes, destroy'} | ${Math.round(b)} | ${Math.round(m)} | ${(m / b).toFixed(2)} |`,
  );
}
await served.close();
console.log(`churn: ${cycles} cycles x ${rounds} rounds, ${workers} clients, node ${process.version}`);
console.log('| client | no harness (cycles/s) | all meters on (cycles/s) | ratio |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) console.log(row);
