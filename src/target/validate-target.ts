import { UsageError } from '../errors/soak-error.ts';
import { toWireRequest } from '../clients/wire-request.ts';
import type { StreamRequest, Target } from './target.ts';

/** Checks a module's export against the target contract; the error names the field. */
export function validateTarget(value: unknown, spec: string): Target {
  const fail = (what: string) => {
    throw new UsageError(`target ${spec}: load: ${what}`, { code: 'SSE_SOAK_BAD_TARGET' });
  };
  if (!value || typeof value !== 'object') return fail(`the default export is ${describe(value)}, not a target object or a factory`);
  const t = value as Record<string, unknown>;
  if (t.fetch !== undefined && t.listener !== undefined) fail("give 'fetch' or 'listener', not both");
  if (t.fetch === undefined && t.listener === undefined) {
    fail(
      "it needs 'fetch' (a fetch handler, (request: Request) => Response) or 'listener' (a node:http request listener, (req, res) => void)",
    );
  }
  if (t.fetch !== undefined && typeof t.fetch !== 'function') fail("'fetch' must be a function (request: Request) => Response");
  if (t.listener !== undefined && typeof t.listener !== 'function') {
    fail("'listener' must be a node:http request listener (req, res) => void: an Express app, fastify.routing after ready()");
  }
  // A Hono app exported as it is (`export default app`, Bun's and Workers' way) has a fetch and no path.
  if (t.path === undefined)
    fail(
      "it needs 'path', the SSE endpoint the scenarios open: for an app exported as it is, export default { fetch: app.fetch, path: '/events' }",
    );
  if (typeof t.path !== 'string' || !t.path.startsWith('/')) fail("'path' must be a string starting with '/'");
  if (t.name !== undefined && typeof t.name !== 'string') fail("'name' must be a string");
  if (t.firstEvent !== undefined && typeof t.firstEvent !== 'string') fail("'firstEvent' must be a string");
  for (const key of ['publish', 'end', 'close'] as const) {
    if (t[key] !== undefined && typeof t[key] !== 'function') fail(`'${key}' must be a function`);
  }
  if (t.replay !== undefined && typeof t.replay !== 'boolean') fail("'replay' must be true or false");
  if (t.request !== undefined && typeof t.request !== 'function') {
    try {
      toWireRequest(t.request as StreamRequest, "'request'");
    } catch (error) {
      fail(`${(error as Error).message} (or a function ({ origin, index, fetch }) => request, called once per connection)`);
    }
  }
  if (t.gauges !== undefined) {
    if (!t.gauges || typeof t.gauges !== 'object') fail("'gauges' must be an object of functions");
    for (const [name, read] of Object.entries(t.gauges as object)) {
      if (typeof read !== 'function') fail(`gauge '${name}' must be a function returning a number`);
    }
  }
  return value as Target;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
