import { inTarget } from '../meters/async-owner.ts';
import type { ListenerSample, ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import type { TimerMeter } from '../meters/timer-meter.ts';
import type { ServedTarget } from '../server/serve-target.ts';
import type { LoadedTarget } from '../target/load-target.ts';

/**
 * The end of a run or a soak, whatever happened: the target's close() (its failure changes
 * no verdict already taken), the server, then the meters unhooked and what the target left
 * (its timers, the process listeners it added) cleared, so the process is as it was.
 */
export async function releaseTarget(parts: {
  loaded: LoadedTarget | undefined;
  served: ServedTarget | undefined;
  timers: TimerMeter;
  listeners: ProcessListenerMeter;
  listenersBefore: ListenerSample;
}): Promise<void> {
  try {
    const close = parts.loaded?.target.close;
    if (close) await inTarget('close', () => close());
  } catch {
    // Nothing left to judge.
  }
  await parts.served?.close();
  parts.timers.clearTargetTimers();
  parts.timers.disable();
  parts.listeners.removeAddedSince(parts.listenersBefore);
  parts.listeners.disable();
}
