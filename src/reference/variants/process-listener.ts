import { readSignalEarly, respondBound } from '../bound-stream.ts';
import type { ReferenceVariant } from '../variant.ts';

/**
 * A per-connection `process.on('SIGTERM')` handler, to say goodbye on shutdown, that cleanup
 * forgets to remove. Node warns (MaxListenersExceededWarning) after 10; the listeners and
 * their stream closures stay forever.
 */
export const processListener: ReferenceVariant = {
  name: 'process-listener',
  mechanism: 'as fixed, plus a per-connection process SIGTERM listener that cleanup never removes',
  leaks: 'one process SIGTERM listener per stream that started, on every disconnect kind and adapter',
  onRequest: readSignalEarly,
  respond(c, route) {
    const response = respondBound(c, route);
    if (response.body) {
      const goodbye = () => route.streams.endAll();
      process.on('SIGTERM', goodbye);
    }
    return response;
  },
};
