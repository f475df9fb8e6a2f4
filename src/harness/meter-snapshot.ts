import type { ListenerSample } from '../meters/process-listener-meter.ts';
import type { ActiveTimer } from '../meters/timer-meter.ts';

/** Everything measured at one instant except the heap. Plain data: it crosses IPC as is. */
export interface MeterSnapshot {
  timers: ActiveTimer[];
  listeners: ListenerSample;
  gauges: Record<string, number>;
  /** Gauges whose function threw, with the message. */
  gaugeErrors: Record<string, string>;
  sockets: number;
}
