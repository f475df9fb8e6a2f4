import { readSignalEarly, respondBound } from '../bound-stream.ts';
import type { InvalidationEvent } from '../emitter.ts';
import type { ReferenceVariant } from '../variant.ts';

/** How long a replay cursor is meant to live before it expires by itself. */
const CURSOR_TTL_MS = 10 * 60_000;

interface ReplayCursor {
  lastEventId: string;
  /** The client's own copy of what it missed, to page through. */
  pending: { id: number; event: InvalidationEvent }[];
  expiry: NodeJS.Timeout;
}

// Replay cursors by request, so that a client coming back could page through what it missed;
// each is meant to expire after ten minutes, and nothing deletes one on disconnect.
const cursors = new Map<number, ReplayCursor>();
let requests = 0;

export const replayLeak: ReferenceVariant = {
  name: 'replay-leak',
  mechanism:
    'as fixed, plus a replay cursor per reconnect (a copy of what the client missed and a ten-minute expiry timer) kept in a module-level Map that no disconnect clears',
  leaks: 'one timer and a backlog copy per reconnect with Last-Event-ID; nothing for a first connection',
  onRequest: readSignalEarly,
  gauges: { replayCursors: () => cursors.size },
  respond(c, route) {
    if (route.lastEventId !== undefined) {
      const key = ++requests;
      const expiry = setTimeout(() => cursors.delete(key), CURSOR_TTL_MS);
      cursors.set(key, { lastEventId: route.lastEventId, pending: route.emitter.since(route.org.id, route.lastEventId), expiry });
    }
    return respondBound(c, route);
  },
};
