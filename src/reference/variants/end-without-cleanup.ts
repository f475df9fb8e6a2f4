import { readSignalEarly, respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';

/**
 * Clients that leave are cleaned up, but the server's own end of a stream (close() on
 * shutdown, eviction) only closes the controller: the listener and the keepalive interval
 * stay, and the ref'd interval keeps the process alive after SIGTERM.
 */
export const endWithoutCleanup: ReferenceVariant = {
  name: 'end-without-cleanup',
  mechanism: 'as fixed, but the server-side end of a stream (close()) does not run cleanup',
  leaks: 'one listener and one interval per stream open when the server closes; the process never exits after SIGTERM',
  onRequest: readSignalEarly,
  respond: (c, route) => respondBound(c, route, { endRunsCleanup: false }),
};
