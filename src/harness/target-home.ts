import type { CommandSession } from '../command/command-session.ts';
import type { ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import type { TimerMeter } from '../meters/timer-meter.ts';
import type { Report } from '../report/report.ts';
import { type AdapterChoice, type ResolvedAdapter, resolveAdapter } from '../server/resolve-adapter.ts';
import { type ServedTarget, serveTarget } from '../server/serve-target.ts';
import type { LoadedTarget } from '../target/load-target.ts';
import type { RequestFactory, StreamRequest, Target } from '../target/target.ts';
import { MeterSet } from './meter-set.ts';
import { LocalReadings, type Readings } from './readings.ts';

/**
 * Where a target runs and how it is read, the same for every command (`run`, `soak`): in
 * this process (a module's fetch handler on @hono/node-server, or its listener on
 * node:http, read by this process's meters) or in its own (a server command, read by its
 * agent). Everything a run needs of it after bring-up is here.
 */
/**
 * A cluster worker's heap is one of several: the primary shares the connections among the
 * workers, so this process sees about one in k of them, and its slope per connection the
 * clients counted is the real one divided by k (a 2 KiB leak reads as 1 KiB with two
 * workers). The count checks still see every leak of the connections it served.
 */
export const CLUSTER_WORKER_HEAP =
  "the server is a node:cluster worker, which serves only some of the connections: its heap slope per connection is not the server's (run one worker to judge the heap, or --skip-check heap)";

export interface TargetHome {
  name: string;
  /** How errors name it: "target <name>", or "command `<argv>`". */
  subject: string;
  target: Target;
  /** `http://host:port`, without the path. */
  url: string;
  port: number;
  readings: Readings;
  /** The adapter that serves a fetch handler in-process. */
  adapter?: ResolvedAdapter;
  /** In-process only: the server, with its tally of how requests ended. */
  served?: ServedTarget;
  /** A command's session (its own process). */
  command?: CommandSession;
  /** Why `aborted-request` cannot run: no fetch handler to call in-process. */
  noFetch?: string;
  /** What serves it, for the first line: an adapter version, or a description. */
  serving: { adapter: string } | { server: string };
  /** Why its heap slope per connection is not the server's, when it is not (a cluster worker). */
  heapUnmeasurable?: string;
  /** The report's `target` fields that say what was measured and on what. */
  report(source: string): Report['target'];
}

/** Serves a loaded target module in this process, read by the meters installed before it loaded. */
export async function serveModule(
  loaded: LoadedTarget,
  adapterChoice: AdapterChoice,
  meters: { timers: TimerMeter; listeners: ProcessListenerMeter },
): Promise<TargetHome> {
  const { target, name } = loaded;
  // A node:http listener is served by node:http; only a fetch handler needs the adapter.
  const adapter = target.listener ? undefined : await resolveAdapter(adapterChoice, loaded.modulePath);
  const served = await serveTarget(target, { adapter: adapter?.create });
  return {
    name,
    subject: `target ${name}`,
    target,
    url: served.url,
    port: served.port,
    readings: new LocalReadings(new MeterSet(meters.timers, meters.listeners, target.gauges, served.openSockets), served.sockets),
    adapter,
    served,
    ...(target.listener ? { noFetch: 'the target is a node:http listener, with no fetch handler to give an aborted Request' } : {}),
    serving: adapter
      ? { adapter: `${adapter.version}${adapter.origin === 'project' ? " (the target project's)" : ''}` }
      : { server: `node:http (a request listener), node ${process.version}` },
    report: (source) => ({
      name,
      source,
      adapter: adapter
        ? { name: '@hono/node-server', version: adapter.version, origin: adapter.origin }
        : { name: 'node:http', version: process.versions.node },
    }),
  };
}

/**
 * The scenarios of `names` that this target cannot take part in, with why, whatever its
 * home: reconnect's EventSource comes back with a GET and no body, which a stream opened by
 * POST (an LLM completion) cannot take. (server-close finds out by trying, when the target
 * has no end(): its streams may end by themselves.)
 */
export function unfitScenarios(target: Target, names: readonly string[]): { scenario: string; reason: string }[] {
  const why: { scenario: string; reason: string }[] = [];
  const request = typeof target.request === 'function' ? undefined : target.request;
  if (names.includes('reconnect') && request && ((request.method ?? 'GET').toUpperCase() !== 'GET' || request.body !== undefined))
    why.push({
      scenario: 'reconnect',
      reason: `EventSource comes back with a GET and no body, and this target's streams open with ${(request.method ?? 'GET').toUpperCase()}${request.body !== undefined ? ' and a body' : ''}`,
    });
  return why;
}

/** Why a command has no `aborted-request`. */
export const COMMAND_NO_FETCH =
  'the target runs as a command, in its own process: there is no fetch handler to call in-process (pre-aborted covers the wire)';

/** A server command's options: its argv and how to reach its SSE endpoint. */
export interface CommandTargetOptions {
  argv: readonly string[];
  path: string;
  /** The flags' fixed request, or `--request <module>`'s: fixed, or made per connection. */
  request?: StreamRequest | RequestFactory;
  firstEvent?: string;
  listenTimeoutMs?: number;
}

/** A started server command as a target: its endpoint, request and publish, read by its agent. */
export function commandHome(session: CommandSession, options: CommandTargetOptions): TargetHome {
  const name = options.argv.join(' ');
  const { pid, host, port, node } = session.listening;
  return {
    name,
    subject: `command \`${name}\``,
    target: {
      name,
      path: options.path,
      ...(options.request ? { request: options.request } : {}),
      ...(options.firstEvent ? { firstEvent: options.firstEvent } : {}),
      ...(session.listening.publish ? { publish: () => session.publish() } : {}),
      ...(session.listening.end ? { end: () => session.end() } : {}),
      ...(session.listening.replay ? { replay: true } : {}),
    },
    url: session.url,
    port,
    readings: session.readings,
    command: session,
    noFetch: COMMAND_NO_FETCH,
    serving: {
      server: `its own process (pid ${pid}, ${host}:${port})${session.listening.clusterWorker ? ', a node:cluster worker' : ''}, node ${node}`,
    },
    ...(session.listening.clusterWorker ? { heapUnmeasurable: CLUSTER_WORKER_HEAP } : {}),
    report: () => ({ name, source: 'command', command: [...options.argv] }),
  };
}
