import { readSignalEarly, respondBound } from '../bound-stream.ts';
import { MAX_QUEUED_CHUNKS } from '../stream-session.ts';
import type { ReferenceVariant } from '../variant.ts';

export const fixed: ReferenceVariant = {
  name: 'fixed',
  mechanism:
    'cleanup bound to the request signal (read before any await) and to cancel(), through a latch; nothing registered when already aborted; a client that stops reading is dropped once 256 chunks wait for it',
  leaks: 'nowhere, on node-server 1.19.x and 2.x',
  onRequest: readSignalEarly,
  respond: (c, route) => respondBound(c, route, { maxQueuedChunks: MAX_QUEUED_CHUNKS }),
};
