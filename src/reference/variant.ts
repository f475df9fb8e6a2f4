import type { Context } from 'hono';
import type { RouteContext } from './route-context.ts';

/** A reference-server variant: one leak mechanism (or none), stated where it is defined. */
export interface ReferenceVariant {
  name: string;
  /** One line: what the code does wrong, or right. */
  mechanism: string;
  /** Where it leaks, per disconnect kind and @hono/node-server version. */
  leaks: string;
  /** Whether a middleware reads `c.req.raw.signal` before the awaited organisation lookup. */
  readSignalEarly: boolean;
  respond(c: Context, route: RouteContext): Response;
}
