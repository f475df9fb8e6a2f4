/**
 * Connection churn with and without the harness, in one process and one run. For each
 * scenario, the same clients (the scenario's own connect()) in the same waves against the
 * same reference `fixed` server on @hono/node-server:
 * - no harness: the waves alone, no meters, no heap samples;
 * - sse-soak: the scenario as `run` measures it (timer, listener, gauge and socket meters,
 *   heap samples), its measured phase only.
 * Prints connections per second and the ratio.
 *
 *   npx tsx bench/churn.ts [--connections 400,2000] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import cleanClose from '../scenarios/clean-close.ts';
import preAborted from '../scenarios/pre-aborted.ts';
import socketDestroy from '../scenarios/socket-destroy.ts';
import { ClientPool } from '../src/clients/client-pool.ts';
import { GET_REQUEST } from '../src/clients/wire-request.ts';
import { defaultSettings, referenceRunOptions } from '../src/harness/defaults.ts';
import { executeRun } from '../src/harness/execute-run.ts';
import { createReferenceTarget } from '../src/reference/reference-target.ts';
import type { ConnectionScenario, ScenarioContext } from '../src/scenario/scenario.ts';
import { serveTarget } from '../src/server/serve-target.ts';

const { values } = parseArgs({
  options: { connections: { type: 'string', default: '400,2000' }, rounds: { type: 'string', default: '3' } },
});
const sizes = values.connections!.split(',').map(Number);
const rounds = Number(values.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The scenario's connections in waves, with nothing measuring them. */
async function bare(scenario: ConnectionScenario, connections: number): Promise<number> {
  const target = createReferenceTarget(referenceRunOptions);
  const served = await serveTarget(target);
  const pool = new ClientPool();
  const url = served.url + target.path;
  const ctx: ScenarioContext = {
    url,
    origin: { host: '127.0.0.1', port: served.port, path: target.path, url },
    target,
    pool,
    settings: defaultSettings,
    request: () => GET_REQUEST,
    establish: { firstEvent: target.firstEvent },
    count: () => 0,
  };
  const wave = async (first: number, n: number) => {
    await Promise.all(Array.from({ length: n }, (_, k) => scenario.connect(ctx, first + k)));
  };
  const concurrency = scenario.concurrency ?? defaultSettings.concurrency;
  for (let i = 0; i < defaultSettings.warmup; i += concurrency) await wave(i, concurrency);
  const started = performance.now();
  for (let i = 0; i < connections; i += concurrency) {
    await wave(i, Math.min(concurrency, connections - i));
  }
  const rate = connections / ((performance.now() - started) / 1000);
  await pool.close();
  target.close();
  await served.close();
  return rate;
}

async function harnessed(scenario: ConnectionScenario, connections: number): Promise<number> {
  const report = await executeRun([scenario], { settings: { connections } });
  const s = report.scenarios[0]!;
  if (s.verdict !== 'pass') throw new Error(`${scenario.name} did not pass: ${JSON.stringify(s.error ?? s.checks)}`);
  return connections / (s.stats!.measureMs! / 1000);
}

console.log(`churn: the scenarios' own waves, medians of ${rounds} rounds, node ${process.version}`);
console.log('| scenario | connections | no harness (conn/s) | sse-soak, all meters (conn/s) | ratio |');
console.log('| --- | --- | --- | --- | --- |');
for (const scenario of [socketDestroy, preAborted, cleanClose] as ConnectionScenario[]) {
  for (const n of sizes) {
    const b: number[] = [];
    const h: number[] = [];
    for (let r = 0; r < rounds; r++) {
      b.push(await bare(scenario, n));
      h.push(await harnessed(scenario, n));
    }
    console.log(
      `| ${scenario.name} | ${n} | ${Math.round(median(b))} | ${Math.round(median(h))} | ${(median(h) / median(b)).toFixed(2)} |`,
    );
  }
}
