/**
 * What the scenarios run against: the embedded reference server or a user's app
 * (../shared/CONTRACTS.md, "The target module").
 */
export interface Target {
  /** Shown in reports. */
  name?: string;
  /** The app's fetch handler, served by @hono/node-server on 127.0.0.1. */
  fetch: (request: Request) => Response | Promise<Response>;
  /** The SSE endpoint the scenarios open with GET. */
  path: string;
  /**
   * The event a new stream sends first (`connected` for the reference server). When absent,
   * a stream counts as established at its first event of any name.
   */
  firstEvent?: string;
  /** Cheap resource counts that must read the same after a scenario as before it. */
  gauges?: Record<string, () => number>;
  /** Sends one event to every open stream. */
  publish?: () => void | Promise<void>;
  /** Releases what the target made; also how a server ends its streams on shutdown. */
  close?: () => void | Promise<void>;
}

export type TargetFactory = () => Target | Promise<Target>;

/** Identity helper that gives a target module its types. */
export function defineTarget<T extends Target | TargetFactory>(target: T): T {
  return target;
}
