import { setTimeout as sleep } from 'node:timers/promises';
import { type HeapSample, type SampleOptions, sampleHeap } from '../meters/heap-meter.ts';
import { suspendOwnership } from '../meters/async-owner.ts';
import type { PendingTimer } from '../meters/timer-meter.ts';
import type { Check } from '../report/report.ts';
import type { MeterSet, MeterSnapshot } from './meter-set.ts';
import { type SnapshotFile, writeSnapshot } from '../soak/heap-snapshots.ts';

/**
 * What a scenario reads from the measured process, wherever that process is: sse-soak's own
 * (a target module served in-process) or a user's server started as a command, whose agent
 * answers the same questions over a socket (src/agent/). Every reading is async for that.
 */
export interface Readings {
  /** Timers, process listeners, gauges and server sockets now. */
  snapshot(): Promise<MeterSnapshot>;
  /** The count checks of `final` against `baseline` (listener growth is read in the measured process). */
  checks(baseline: MeterSnapshot, final: MeterSnapshot): Promise<Check[]>;
  /** One-shot timers that served connections' handlers still await, with when they fire. */
  pendingInConnections(): Promise<PendingTimer[]>;
  /** Clears the timers counted as leaked since `baseline`, so the next scenario is measured on its own. */
  clearLeakedTimers(baseline: MeterSnapshot): Promise<number>;
  /**
   * The measured heap after a forced GC; undefined when GC cannot be forced. The timer and
   * listener meters are pruned first (LocalReadings.prune).
   */
  heap(options: SampleOptions): Promise<HeapSample | undefined>;
  /** Server-side sockets open now. */
  openSockets(): Promise<number>;
  /**
   * Server-side sockets holding bytes their peer has not taken (`writableLength` > 0): the
   * kernel's buffers to that client are full, so the server's writes wait in the process.
   */
  blockedSockets(): Promise<number>;
  /** The measured process's memory (`process.memoryUsage()`'s figures `soak` keeps). */
  memory(): Promise<ProcessMemory>;
  /**
   * Turns sse-soak's async hooks in the measured process off (`false`: the timer meter's and
   * the owner storage's) or back on. With any async hook on, Node gives every promise an async
   * id, and each promise kept alive costs more than in production (src/meters/async-owner.ts):
   * capacity figures are read with them off. Timers armed meanwhile are not tracked.
   */
  hooks(on: boolean): Promise<void>;
  /** A heap snapshot of the measured process into `dir` (soak). */
  writeSnapshot(dir: string, label: SnapshotFile['label'], connections: number): Promise<SnapshotFile>;
}

export interface ProcessMemory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** The readings of this very process: the meters sse-soak installed before it loaded the target. */
export class LocalReadings implements Readings {
  constructor(
    readonly meters: MeterSet,
    readonly sockets: () => Iterable<{ writableLength: number }> = () => [],
  ) {}

  async snapshot(): Promise<MeterSnapshot> {
    return this.meters.snapshot();
  }

  async checks(baseline: MeterSnapshot, final: MeterSnapshot): Promise<Check[]> {
    return this.meters.checks(baseline, final);
  }

  /**
   * Forgets timers that fired or were cleared (keeps the meter's table small), and reads the
   * live timers' and listeners' creation stacks into their sites and drops them, which lets go
   * of the requests they were made in (creation-stacks.test.ts): before every heap sample and
   * snapshot, and the agent's baseline.
   */
  prune(): void {
    this.meters.timers.prune();
    this.meters.listeners.prune();
  }

  async pendingInConnections(): Promise<PendingTimer[]> {
    return this.meters.timers.pendingInConnections();
  }

  async clearLeakedTimers(baseline: MeterSnapshot): Promise<number> {
    return this.meters.clearLeakedTimers(baseline);
  }

  heap(options: SampleOptions): Promise<HeapSample | undefined> {
    // Whatever asked, no sample is read while a creation stack holds a request.
    this.prune();
    return sampleHeap(options);
  }

  async openSockets(): Promise<number> {
    return this.meters.openSockets();
  }

  async blockedSockets(): Promise<number> {
    let n = 0;
    for (const socket of this.sockets()) if (socket.writableLength > 0) n++;
    return n;
  }

  async memory(): Promise<ProcessMemory> {
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    return { rss, heapUsed, external, arrayBuffers };
  }

  #resume: (() => void)[] = [];

  async hooks(on: boolean): Promise<void> {
    if (on) for (const resume of this.#resume.splice(0)) resume();
    else if (this.#resume.length === 0) this.#resume = [suspendOwnership(), this.meters.timers.pause()];
  }

  writeSnapshot(dir: string, label: SnapshotFile['label'], connections: number): Promise<SnapshotFile> {
    // Nor is a snapshot written with one: the request would show sse-soak's meter as its holder.
    this.prune();
    return writeSnapshot(dir, label, connections);
  }
}

/** Waits, for at most `ms`, until the measured server has no more than `count` sockets open. */
export async function waitForSockets(readings: Pick<Readings, 'openSockets'>, count: number, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while ((await readings.openSockets()) > count && performance.now() < until) await sleep(10);
}
