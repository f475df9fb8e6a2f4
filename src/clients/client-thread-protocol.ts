import type { RunSettings } from '../harness/defaults.ts';
import type { Phase } from '../errors/scenario-error.ts';
import type { Establish, WireRequest } from './wire-request.ts';

/** What the client thread knows of the target: where it is and what it sends, never its code. */
export interface ThreadTarget {
  name?: string;
  path: string;
  firstEvent?: string;
  /** The target has `publish`: the thread asks the measured thread to call it. */
  publish: boolean;
  /** The target has `end` (it ends every open stream from the server side): asked for the same way. */
  end: boolean;
  /** The target declares `replay: true` (reconnect checks delivery). */
  replay: boolean;
  /** The target's `request` is a function, made once per connection in the measured thread. */
  requestPerConnection: boolean;
}

/** What a scenario's setup, run in the thread (`setupWith: 'clients'`), is asked to do next. */
export type ResourceCall =
  | { op: 'setup' }
  | { op: 'stats' }
  | { op: 'measuring' }
  | { op: 'checks' | 'notes'; measured: { connections: number; stats: Record<string, number> } }
  | { op: 'close' };

/** What the thread may ask the measured thread to run of the target. */
export type TargetCall = 'publish' | 'end';

/** Everything a scenario's `connect` reads from its context, as plain data. */
export interface ThreadContext {
  url: string;
  origin: { host: string; port: number; path: string; url: string };
  target: ThreadTarget;
  settings: RunSettings;
  establish: Establish;
  /** The request every connection sends; absent when each wave brings one per connection. */
  request?: WireRequest;
}

export type ToThread =
  | {
      type: 'wave';
      id: number;
      scenario: string;
      context: ThreadContext;
      first: number;
      size: number;
      /** Connection `first + k` sends `requests[k]` (made by the target's request function in the measured thread). */
      requests?: WireRequest[];
    }
  | { type: 'reset-pool'; id: number }
  | { type: 'resources'; id: number; scenario: string; context: ThreadContext; call: ResourceCall }
  | { type: 'called'; id: number; error?: string };

export interface ThreadError {
  message: string;
  phase: Phase;
  code: string;
}

export type FromThread =
  | { type: 'ready' }
  | { type: 'done'; id: number; counts: Record<string, number>; error?: ThreadError; result?: unknown }
  | { type: 'call'; id: number; method: TargetCall };
