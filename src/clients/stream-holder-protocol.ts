import type { RunSettings } from '../harness/defaults.ts';
import type { Establish, WireRequest } from './wire-request.ts';

/** Where the held streams go and when each counts as established: plain data. */
export interface HolderTarget {
  url: string;
  origin: { host: string; port: number; path: string; url: string };
  settings: RunSettings;
  establish: Establish;
}

export type ToHolder =
  /** Open streams until `to` are open, `requests[k]` for the k-th new one (or `request` for all). */
  | { type: 'open'; id: number; target: HolderTarget; to: number; request?: WireRequest; requests?: WireRequest[] }
  | { type: 'counts'; id: number }
  /** From now on, note when each open stream reads its next event. */
  | { type: 'arm'; id: number }
  /** Wait, up to `timeoutMs`, until every open stream read an event since `arm`; latencies from `since` (ms, hrtime). */
  | { type: 'collect'; id: number; since: number; timeoutMs: number }
  /** Close every held stream (FIN). */
  | { type: 'close'; id: number };

export interface HolderCounts {
  /** Streams open now (opened, and not ended by either side). */
  open: number;
  /** Streams the server ended or cut while held. */
  ended: number;
  /** Events and comment lines read, all streams together. */
  events: number;
  comments: number;
}

export type FromHolder =
  | { type: 'ready' }
  | { type: 'opened'; id: number; open: number; error?: string }
  | { type: 'counts'; id: number; counts: HolderCounts }
  | { type: 'armed'; id: number }
  | { type: 'collected'; id: number; latenciesMs: number[]; missed: number }
  | { type: 'closed'; id: number };

/** Milliseconds on the machine's monotonic clock, the same in every process (hrtime). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
