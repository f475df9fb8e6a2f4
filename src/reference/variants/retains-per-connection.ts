import { respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';

/** Bytes kept per connection: the figure the heap meter must catch by default (issue #3). */
export const RETAINED_BYTES = 2048;

// An append-only connection log, the kind of "just for debugging" array that outlives
// everyone's memory of adding it. No timer, no listener: only the heap shows it.
const connectionLog: string[] = [];

export const retainsPerConnection: ReferenceVariant = {
  name: 'retains-per-connection',
  mechanism: 'as fixed, plus a 2 KiB record per connection kept in a module-level array',
  leaks: 'about 2 KiB of heap per connection, on every disconnect kind and adapter; no timer or listener',
  readSignalEarly: true,
  respond(c, route) {
    const response = respondBound(c, route);
    if (response.body) connectionLog.push(`${Date.now()} ${c.req.url} `.padEnd(RETAINED_BYTES, '.'));
    return response;
  },
};
