import { readSignalEarly, respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';

/**
 * `fixed` without its bound on what waits for a client: every keepalive and every event is
 * enqueued whether or not the client reads (DOMAIN.md: writers that ignore backpressure).
 * Every disconnect is cleaned up as in `fixed`; a client that stays connected and stops
 * reading makes the server hold every later event for it, until TCP gives up.
 */
export const unboundedQueue: ReferenceVariant = {
  name: 'unbounded-queue',
  mechanism: "as fixed, but enqueues past the stream's desiredSize: nothing bounds what waits for a client that stopped reading",
  leaks: 'nothing on any disconnect; memory grows with every event while a client is connected and not reading (stalled-reader)',
  onRequest: readSignalEarly,
  respond: (c, route) => respondBound(c, route),
};
