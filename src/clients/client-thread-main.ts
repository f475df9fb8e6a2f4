/**
 * The client thread (src/clients/client-thread.ts): runs the scenarios' clients in an
 * isolate of their own, so that their allocations, their JIT and their garbage are not in
 * the heap that is measured, and on the machine's other core.
 */
import { parentPort } from 'node:worker_threads';
import { scenarios } from '../../scenarios/index.ts';
import { ScenarioError } from '../errors/scenario-error.ts';
import { SoakError } from '../errors/soak-error.ts';
import { runWave } from '../harness/run-wave.ts';
import type { ConnectionScenario, ScenarioContext, ScenarioResources } from '../scenario/scenario.ts';
import { ClientPool } from './client-pool.ts';
import type { FromThread, ResourceCall, TargetCall, ThreadContext, ToThread } from './client-thread-protocol.ts';
import type { WireRequest } from './wire-request.ts';

const port = parentPort!;
const send = (message: FromThread) => port.postMessage(message);
let pool = new ClientPool();
let nextCall = 0;
const calls = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

/** Asks the measured thread to run the target's `publish` or `end`, and waits until it has. */
function call(method: TargetCall): Promise<void> {
  const id = ++nextCall;
  return new Promise<void>((resolve, reject) => {
    calls.set(id, { resolve, reject });
    send({ type: 'call', id, method });
  });
}

function contextOf(
  data: ThreadContext,
  counts: Record<string, number>,
  first: number,
  requests: WireRequest[] | undefined,
): ScenarioContext {
  const fixed = data.request;
  return {
    url: data.url,
    origin: data.origin,
    settings: data.settings,
    establish: data.establish,
    request: (i) => {
      const request = requests?.[i - first] ?? fixed;
      if (!request) throw new Error(`no request for connection ${i} in the client thread`);
      return request;
    },
    pool,
    target: {
      ...(data.target.name !== undefined ? { name: data.target.name } : {}),
      path: data.target.path,
      ...(data.target.firstEvent !== undefined ? { firstEvent: data.target.firstEvent } : {}),
      ...(data.target.publish ? { publish: () => call('publish') } : {}),
      ...(data.target.end ? { end: () => call('end') } : {}),
      ...(data.target.replay ? { replay: true } : {}),
      // Each connection's request is made in the measured thread and comes with its wave.
      ...(data.target.requestPerConnection
        ? {
            request: () => {
              throw new Error("the client thread cannot call the target's request function");
            },
          }
        : {}),
      fetch: () => {
        throw new Error('the client thread cannot call the target in-process');
      },
    },
    count: (stat, n = 1) => {
      counts[stat] = (counts[stat] ?? 0) + n;
    },
  };
}

port.on('message', async (message: ToThread) => {
  if (message.type === 'called') {
    const waiting = calls.get(message.id);
    calls.delete(message.id);
    if (message.error === undefined) waiting?.resolve();
    else waiting?.reject(new Error(message.error));
    return;
  }
  if (message.type === 'resources') {
    await answer(message.id, {}, () => resourceCall(message.scenario, message.context, message.call));
    return;
  }
  if (message.type === 'reset-pool') {
    await pool.close();
    pool = new ClientPool();
    send({ type: 'done', id: message.id, counts: {} });
    return;
  }
  const counts: Record<string, number> = {};
  const { first, size, context } = message;
  await answer(message.id, counts, async () => {
    const scenario = connectionScenario(message.scenario);
    const ctx = contextOf(context, counts, first, message.requests);
    await runWave((i) => scenario.connect(ctx, i), first, size, context.settings.connectionTimeoutMs);
  });
});
send({ type: 'ready' });

/** Runs `work` and answers request `id` with the counts and its result, or its error. */
async function answer(id: number, counts: Record<string, number>, work: () => Promise<unknown>): Promise<void> {
  try {
    const result = await work();
    send({ type: 'done', id, counts, ...(result !== undefined ? { result } : {}) });
  } catch (error) {
    const soak = error instanceof SoakError ? error : undefined;
    send({
      type: 'done',
      id,
      counts,
      error: {
        message: error instanceof Error ? error.message : String(error),
        phase: error instanceof ScenarioError ? error.phase : 'measure',
        code: soak?.code ?? 'SSE_SOAK_SCENARIO',
      },
    });
  }
}

function connectionScenario(name: string): ConnectionScenario {
  const scenario = scenarios.find((s) => s.name === name);
  if (scenario?.kind !== 'connections') throw new Error(`no connection scenario '${name}' in the client thread`);
  return scenario;
}

/** What the scenarios' setups opened in this thread (`setupWith: 'clients'`), by scenario. */
const opened = new Map<string, ScenarioResources | undefined>();

async function resourceCall(name: string, context: ThreadContext, call: ResourceCall): Promise<unknown> {
  if (call.op === 'setup') {
    const { setup } = connectionScenario(name);
    // What a setup counts is dropped, here as beside the target (its counters start at the baseline).
    const { url: _url, pool: _pool, request: _request, ...ctx } = contextOf(context, {}, 0, undefined);
    const resources = await setup?.({
      ...ctx,
      openRequest: async () => {
        if (!context.request) throw new ScenarioError("a setup beside the clients cannot make the target's request", 'setup');
        return context.request;
      },
    });
    opened.set(name, resources);
    return { ...(resources?.url !== undefined ? { url: resources.url } : {}) };
  }
  const resources = opened.get(name);
  if (call.op === 'close') {
    opened.delete(name);
    await resources?.close();
    return undefined;
  }
  if (call.op === 'stats') return (await resources?.stats?.()) ?? {};
  if (call.op === 'measuring') return void (await resources?.measuring?.());
  if (call.op === 'checks') return (await resources?.checks?.(call.measured)) ?? [];
  return (await resources?.notes?.(call.measured)) ?? [];
}
