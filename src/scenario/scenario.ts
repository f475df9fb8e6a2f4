import type { ClientPool } from '../clients/client-pool.ts';
import type { Establish, WireRequest } from '../clients/wire-request.ts';
import type { ReferenceOptions } from '../reference/app.ts';
import type { AdapterChoice } from '../server/resolve-adapter.ts';
import type { Check, ScenarioResult } from '../report/report.ts';
import type { Target } from '../target/target.ts';
import type { RunSettings } from '../harness/defaults.ts';
import type { Readings } from '../harness/readings.ts';

/** What a scenario's hooks get: the served target, clients, and a place to count. */
export interface ScenarioContext {
  /** Where clients connect: the served target, or what `setup` put in front of it. */
  readonly url: string;
  /** The served target itself (host, port and path for raw sockets). */
  readonly origin: { host: string; port: number; path: string; url: string };
  readonly target: Target;
  /** The batch's undici pool (fetch, EventSource). Replaced between warm-up and measurement. */
  readonly pool: ClientPool;
  readonly settings: RunSettings;
  /** The request connection `i` sends (the target's `request`, made once per connection). */
  request(i: number): WireRequest;
  /** When a stream counts as established: at `firstEvent`, at its first event, or at its response (the preflight found out which). */
  readonly establish: Establish;
  /** Adds to one of the scenario's counters (reported under `stats`). Never per connection. */
  count(stat: string, n?: number): void;
}

/** Something a scenario opened for itself (a fault proxy): where clients go, and its counters. */
export interface ScenarioResources {
  url?: string;
  stats?: () => Record<string, number> | Promise<Record<string, number>>;
  /** Extra checks, given the counters of the measured phase (for example: every connection went idle). */
  checks?: (measured: { connections: number; stats: Record<string, number> }) => Check[] | Promise<Check[]>;
  /** What a reader needs to read the verdict right (a part of the scenario the target could not take part in). */
  notes?: (measured: { connections: number; stats: Record<string, number> }) => string[] | Promise<string[]>;
  /** The measured phase starts: what the warm-up recorded is dropped (its counters are). */
  measuring?(): void | Promise<void>;
  close(): Promise<void>;
}

/** What a scenario's probe gets: the setup's context, the measured process's readings, and a way to publish many events. */
export type ProbeContext = Omit<ScenarioContext, 'url' | 'pool' | 'request'> & {
  openRequest(): Promise<WireRequest>;
  readings: Readings;
  /** Publishes `count` events in the target's process, paced (src/harness/publish-paced.ts); undefined without a publish. */
  publishMany?: (count: number) => Promise<void>;
};

/**
 * A disconnect scenario in the memlab sense: a small declarative object with hooks. The
 * runner warms up, takes a baseline, calls `connect` once per connection in waves, settles,
 * samples again and checks every meter.
 */
export interface ConnectionScenario {
  kind: 'connections';
  name: string;
  description: string;
  /** Run only when named (`--scenario`, the soak mix): left out of a default run. */
  optIn?: true;
  /** Override of the run's concurrency (idle-kill holds each connection for the idle timeout). */
  concurrency?: number;
  /**
   * Where `connect` runs: in the client thread (the default: its clients stay out of the
   * measured heap, src/clients/client-thread.ts), or `in-process` when it calls the target's
   * code directly. In the thread, `ctx.target` has no `fetch`, and `publish` asks the
   * measured thread to run it.
   */
  clients?: 'thread' | 'in-process';
  /**
   * Where `setup` runs, and so what it opens lives: beside the target, in the harness's
   * async context (the default), or beside the clients (`clients`: in the client thread when
   * `connect` runs there, for a fault proxy that only the clients talk to; its sockets,
   * buffers and compiled code then stay out of the measured heap, and its relaying off the
   * measured thread). A setup beside the clients sees the target as the thread does.
   */
  setupWith?: 'target' | 'clients';
  /**
   * Opens what the scenario needs before its warm-up, in the harness's process and async
   * context: a fault proxy, a witness stream (`openRequest` makes one more request).
   */
  setup?(ctx: Omit<ScenarioContext, 'url' | 'pool' | 'request'> & { openRequest(): Promise<WireRequest> }): Promise<ScenarioResources>;
  /**
   * Measures something of its own after `setup` and before the warm-up, with the measured
   * process's readings (stalled-reader's growth per event): its checks join the scenario's.
   * Not run in a soak's mix, which takes only the scenario's connections.
   */
  probe?(ctx: ProbeContext): Promise<Check[]>;
  /** Meters of the probe's checks, for a check the user turned off (it is then not run). */
  probeMeters?: readonly string[];
  /** One connection's life, ended this scenario's way. `i` counts from 0 within a phase. */
  connect(ctx: ScenarioContext, i: number): Promise<void>;
}

/** What a process scenario needs to start the target on its own. */
export interface ProcessScenarioEnv {
  /** The --target spec, loaded again in the child. */
  spec: string;
  /** The target's path and first event, as loaded in this process. */
  target: Pick<Target, 'path' | 'firstEvent'>;
  cwd: string;
  reference: ReferenceOptions;
  adapter: AdapterChoice;
  settings: RunSettings;
  signal?: AbortSignal;
  /** Where the child's own stdout and stderr go (the target log); discarded without it. */
  output?: (text: string) => void;
  /** The target's `request`, called in this (the harness's) process against the child's origin. */
  request?: Target['request'];
  /** When a stream counts as established, as the preflight found out. */
  establish?: Establish;
}

/** What a process scenario started ahead of its turn (a child booting); stopped if the run ends first. */
export interface PreparedProcess {
  stop(): Promise<void>;
}

/** A scenario with a runner of its own (sigterm runs the target in a process of its own). */
export interface ProcessScenario {
  kind: 'process';
  name: string;
  description: string;
  optIn?: true;
  /** Starts what does not share the measured process (its child) while the other scenarios run. */
  prepare?(env: ProcessScenarioEnv): PreparedProcess;
  run(env: ProcessScenarioEnv, prepared?: PreparedProcess): Promise<ScenarioResult>;
}

export type Scenario = ConnectionScenario | ProcessScenario;

export function defineScenario<T extends Scenario>(scenario: T): T {
  return scenario;
}
