import { readSignalEarly, respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';

export const replayGap: ReferenceVariant = {
  name: 'replay-gap',
  mechanism:
    'as fixed, but a client that comes back resumes at the live events: its Last-Event-ID is read and ignored, so what was published while it was away is lost',
  leaks: 'nothing; a reconnecting client misses every event published while it was away (the reconnect delivery check)',
  onRequest: readSignalEarly,
  respond: (c, { lastEventId: _ignored, ...route }) => respondBound(c, route),
};
