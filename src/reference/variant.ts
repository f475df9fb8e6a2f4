import type { Context } from 'hono';
import type { ReferenceOptions } from './app.ts';
import type { RouteContext } from './route-context.ts';

/** A reference-server variant: one leak mechanism (or none), stated where it is defined. */
export interface ReferenceVariant {
  name: string;
  /** One line: what the code does wrong, or right. */
  mechanism: string;
  /** Where it leaks, per disconnect kind and @hono/node-server version. */
  leaks: string;
  /** What a middleware does for this variant before the awaited organisation lookup. */
  onRequest?: (c: Context, options: ReferenceOptions) => void;
  respond(c: Context, route: RouteContext): Response;
  /** Counts of what this variant keeps, the ground truth its leak is checked against. */
  gauges?: Record<string, () => number>;
}
