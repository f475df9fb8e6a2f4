/**
 * Every default of a run, in one place (STYLE.md 7). Sized so that the whole default run
 * takes about 10 s on 2 cores and a 2 KiB-per-connection retention is caught (README).
 */
export interface RunSettings {
  /** The most measured connections per scenario; a scenario stops as soon as its checks are decided. */
  connections: number;
  /**
   * The fewest measured connections before a scenario may stop. The counts are exact, but a
   * leak that happens on only some connections needs enough of them to show: by the rule of
   * three, 100 connections with no leak bound the leak rate below 3 % at 95 %.
   */
  minConnections: number;
  /**
   * Unmeasured connections before the run's first baseline: the process's JIT, router and
   * stream machinery warm up once per run, in the first connection scenario.
   */
  warmup: number;
  /** Unmeasured connections before each later scenario's baseline, in one wave: its own client kind's paths. */
  scenarioWarmup: number;
  /** Connections per wave; the heap is sampled between waves, when nothing is in flight. */
  concurrency: number;
  /** Heap samples to aim for over the measured connections. */
  heapSamples: number;
  /** Fail the heap check when the slope's whole 95 % interval is above this. */
  heapLimitBytesPerConnection: number;
  /** Deadline for one connection's whole life. */
  connectionTimeoutMs: number;
  /** How long resources may take to come back after the last connection. */
  settleMs: number;
  /** How long the settle may wait for the target's pending one-shot timers (sleeps) to fire. */
  settleMaxMs: number;
  /** idle-kill: the proxy's idle timeout. Must be below the target's keepalive period. */
  idleTimeoutMs: number;
  /** pre-aborted: disconnect delays after the request was written, swept per connection. */
  sweepMs: readonly number[];
  /** reconnect: how many times each client's connection is dropped and comes back. */
  reconnectRounds: number;
  /** stalled-reader: streams that stop reading while the target publishes. */
  stallStreams: number;
  /**
   * stalled-reader: how long it may publish before the stalled streams back up (the kernel's
   * buffers to a paused reader hold about 4 MB per stream on Linux loopback).
   */
  stallMaxFillMs: number;
  /** sigterm: connections of the mixed disconnect kinds served before the SIGTERM. */
  sigtermMix: number;
  /** sigterm: streams held open when SIGTERM arrives. */
  sigtermOpen: number;
  /** sigterm: how long the child may take to exit by itself after SIGTERM. */
  sigtermGraceMs: number;
  /** sigterm: how long the child lets open streams end before cutting them. */
  sigtermDrainMs: number;
}

export const defaultSettings: RunSettings = {
  connections: 400,
  minConnections: 100,
  warmup: 200,
  scenarioWarmup: 50,
  concurrency: 20,
  heapSamples: 20,
  heapLimitBytesPerConnection: 1024,
  connectionTimeoutMs: 10_000,
  settleMs: 1_000,
  settleMaxMs: 35_000,
  idleTimeoutMs: 150,
  sweepMs: [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 35, 50, 70],
  reconnectRounds: 3,
  stallStreams: 2,
  stallMaxFillMs: 30_000,
  sigtermMix: 60,
  sigtermOpen: 20,
  sigtermGraceMs: 5_000,
  sigtermDrainMs: 1_000,
};

/**
 * The reference server as `run` serves it. The keepalive must stay above the idle-kill
 * timeout; a short one keeps the settle short: a server learns of some disconnects only at
 * its next write, and streamSSE loops sleep one keepalive period.
 */
export const referenceRunOptions = { keepaliveMs: 500, setupMs: 5 } as const;
