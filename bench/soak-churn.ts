/**
 * Churn during `soak` against the same mix, clients and concurrency with no harness, in
 * one process and one run; the soak with its heap snapshots (the CLI's default) and
 * without. The soak's rate is over its churn only (stats.connectionsPerSecond): not the
 * warm-up snapshot's pause, the settle or the diff, which are reported apart.
 *
 *   npx tsx bench/soak-churn.ts [--connections 6000] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { scenarios } from '../scenarios/index.ts';
import { GET_REQUEST } from '../src/clients/wire-request.ts';
import { ClientPool } from '../src/clients/client-pool.ts';
import { defaultSettings, referenceRunOptions } from '../src/harness/defaults.ts';
import { createReferenceTarget } from '../src/reference/reference-target.ts';
import type { ConnectionScenario, ScenarioContext, ScenarioResources } from '../src/scenario/scenario.ts';
import { serveTarget } from '../src/server/serve-target.ts';
import { executeSoak } from '../src/soak/execute-soak.ts';
import { defaultSoakSettings, mixSchedule } from '../src/soak/soak-options.ts';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '6000' }, rounds: { type: 'string', default: '3' } } });
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kinds = scenarios.filter((s): s is ConnectionScenario => s.kind === 'connections');
const schedule = mixSchedule(defaultSoakSettings.mix).map((n) => kinds.find((k) => k.name === n)!);

async function bare(): Promise<number> {
  const target = createReferenceTarget(referenceRunOptions);
  const served = await serveTarget(target);
  const pool = new ClientPool();
  const url = served.url + target.path;
  const origin = { host: '127.0.0.1', port: served.port, path: target.path, url };
  const base = { origin, target, settings: defaultSettings, count: () => 0 };
  const resources = new Map<string, ScenarioResources | undefined>();
  const establish = { firstEvent: target.firstEvent };
  for (const s of new Set(schedule)) resources.set(s.name, await s.setup?.({ ...base, establish, openRequest: async () => GET_REQUEST }));
  const ctx = (s: ConnectionScenario): ScenarioContext => ({
    ...base,
    pool,
    request: () => GET_REQUEST,
    establish,
    url: resources.get(s.name)?.url ? resources.get(s.name)!.url + target.path : url,
  });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: defaultSoakSettings.concurrency }, async () => {
      while (next < connections) {
        const i = next++;
        const s = schedule[i % schedule.length]!;
        await s.connect(ctx(s), i);
      }
    }),
  );
  const rate = connections / ((performance.now() - started) / 1000);
  await pool.close();
  for (const r of resources.values()) await r?.close();
  target.close();
  await served.close();
  return rate;
}

/**
 * The ceiling: the cheapest client there is, in the same process against the same server.
 * A raw socket writes the GET, reads until the first event's blank line, and is destroyed;
 * as many at once as the soak holds, continuously.
 */
async function rawCeiling(): Promise<number> {
  const target = createReferenceTarget(referenceRunOptions);
  const served = await serveTarget(target);
  const request = `GET ${target.path} HTTP/1.1\r\nHost: 127.0.0.1:${served.port}\r\nAccept: text/event-stream\r\n\r\n`;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect(served.port, '127.0.0.1', () => socket.write(request));
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        text += chunk;
        const body = text.indexOf('\r\n\r\n');
        // The first event: a blank line after the headers' end.
        if (body >= 0 && text.indexOf('\n\n', body + 4) >= 0) {
          socket.destroy();
          resolve();
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: defaultSoakSettings.concurrency }, async () => {
      while (next++ < connections) await one();
    }),
  );
  const rate = connections / ((performance.now() - started) / 1000);
  target.close();
  await served.close();
  return rate;
}

async function soak(snapshots: boolean): Promise<{ rate: number; pauseMs: number }> {
  const dir = snapshots ? mkdtempSync(path.join(os.tmpdir(), 'sse-soak-bench-')) : undefined;
  try {
    const report = await executeSoak({
      settings: { connections, durationMs: Number.MAX_SAFE_INTEGER },
      ...(dir ? { snapshots: { dir } } : {}),
    });
    return {
      rate: report.scenarios[0]!.stats!.connectionsPerSecond!,
      pauseMs: (report.snapshots?.files.reduce((a, f) => a + f.ms, 0) ?? 0) + (report.snapshots?.diff?.ms ?? 0),
    };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const raw: number[] = [];
const b: number[] = [];
const off: number[] = [];
const on: number[] = [];
const extra: number[] = [];
for (let r = 0; r < rounds; r++) {
  raw.push(await rawCeiling());
  b.push(await bare());
  off.push((await soak(false)).rate);
  const s = await soak(true);
  on.push(s.rate);
  extra.push(s.pauseMs);
}
console.log(
  `soak churn: default mix, ${defaultSoakSettings.concurrency} in flight, ${connections} connections, medians of ${rounds}, node ${process.version}`,
);
console.log(
  '| raw-socket ceiling (conn/s) | same mix, no harness (conn/s) | soak, no snapshots (conn/s) | vs mix | vs ceiling | soak, snapshots (conn/s) | vs mix | vs ceiling | snapshots + diff (s) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const ratio = (x: number[], to: number[]) => (median(x) / median(to)).toFixed(2);
console.log(
  `| ${Math.round(median(raw))} | ${Math.round(median(b))} | ${Math.round(median(off))} | ${ratio(off, b)} | ${ratio(off, raw)} | ${Math.round(median(on))} | ${ratio(on, b)} | ${ratio(on, raw)} | ${(median(extra) / 1000).toFixed(1)} |`,
);
