import { respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';

/**
 * The production fix as it shipped: the same helper as `fixed`, but the route first touches
 * `c.req.raw.signal` after the awaited lookup. node-server 1.19.x creates the request's
 * AbortController lazily and, on socket close, aborts only one that already exists; a
 * client that left during the await gets a fresh, never-aborted signal, and the unread body
 * is never cancelled.
 */
export const lateSignal: ReferenceVariant = {
  name: 'late-signal',
  mechanism: 'as fixed, but the request signal is first read after the awaited setup',
  leaks: 'one listener and one interval per client that leaves during the setup await, on node-server 1.19.x; rescued on 2.x',
  respond: (c, route) => respondBound(c, route),
};
