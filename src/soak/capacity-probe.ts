import type { StreamHolder } from '../clients/stream-holder.ts';
import type { HolderTarget } from '../clients/stream-holder-protocol.ts';
import type { WireRequest } from '../clients/wire-request.ts';
import type { Readings } from '../harness/readings.ts';
import { type CapacityProbed, type CapacityStep, capacitySteps, FANOUT_PUBLISHES, FANOUT_TIMEOUT_MS, fanoutSummary } from './capacity.ts';

export interface CapacityProbe {
  holder: StreamHolder;
  readings: Readings;
  target: HolderTarget;
  /** Streams to open (--open). */
  asked: number;
  /** The requests of the next `count` streams: one for all, or one each. */
  requests: (count: number) => Promise<WireRequest | WireRequest[]>;
  /** Publishes one event to every stream; absent when the target cannot. */
  publishOne?: () => Promise<void>;
  onStep?: (step: CapacityStep) => void;
  /** Ctrl-C: no step starts once it is aborted (the soak then writes its report). */
  signal?: AbortSignal;
}

/**
 * Opens the soak's held streams in steps (src/soak/capacity.ts), and at zero and after each
 * step reads the measured process's memory after a forced GC and times FANOUT_PUBLISHES
 * publishes from the call to every held stream reading the event. Opening stops at the
 * first stream that cannot be opened: that is where the server stopped keeping up, and the
 * soak goes on with the streams it holds.
 */
export async function probeCapacity(probe: CapacityProbe): Promise<CapacityProbed> {
  const started = performance.now();
  const { holder, readings } = probe;
  const steps: CapacityStep[] = [];
  let stoppedOpening: { open: number; reason: string } | undefined;
  const measure = async (open: number, openMs: number) => {
    const heap = await readings.heap({});
    const memory = await readings.memory();
    const chunks = open > 0 ? await holder.chunks() : 0;
    const step: CapacityStep = {
      open,
      openMs: Math.round(openMs),
      // The object spaces, as the capacity table has always read them; the buffers are arrayBuffers.
      heapUsed: heap ? heap.usedBytes - (heap.bufferBytes ?? 0) : memory.heapUsed,
      rss: memory.rss,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      chunks,
    };
    if (probe.publishOne && open > 0) {
      const latencies: number[] = [];
      let missed = 0;
      for (let i = 0; i < FANOUT_PUBLISHES; i++) {
        const f = await holder.fanout(probe.publishOne, FANOUT_TIMEOUT_MS);
        latencies.push(...f.latenciesMs);
        missed += f.missed;
      }
      step.fanout = fanoutSummary(latencies, missed, FANOUT_PUBLISHES);
    }
    steps.push(step);
    probe.onStep?.(step);
  };
  await measure(0, 0);
  let held = 0;
  for (const at of capacitySteps(probe.asked)) {
    if (probe.signal?.aborted) break;
    const t = performance.now();
    const opened = await holder.open(probe.target, at, await probe.requests(at - held));
    const more = opened.open > held;
    held = opened.open;
    if (opened.error !== undefined) stoppedOpening = { open: held + 1, reason: `stream ${held + 1} could not be opened: ${opened.error}` };
    if (more) await measure(held, performance.now() - t);
    if (stoppedOpening) break;
  }
  return {
    steps,
    durationMs: performance.now() - started,
    ...(stoppedOpening ? { stoppedOpening } : {}),
    ...(probe.publishOne ? {} : { fanoutSkipped: 'the target has no publish' }),
  };
}
