import { type Session, sseHeaders, startSession } from '../stream-session.ts';
import type { ReferenceVariant } from '../variant.ts';

/**
 * The pre-fix code: only the stream's `cancel()` cleans up. cancel() needs the adapter to
 * read the body and then notice the close; a body that is never read is never cancelled.
 */
export const cancelOnly: ReferenceVariant = {
  name: 'cancel-only',
  mechanism: 'cleanup only in the ReadableStream cancel(); the request signal is ignored',
  leaks:
    'one listener and one interval per client that leaves during the setup await (node-server 1.19.x; rescued on 2.x) and per in-process request dispatched already aborted (any adapter); on 1.17.1 to 1.19.4 also on every established-stream disconnect',
  respond(c, route) {
    let session: Session | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        session = startSession(controller, route);
      },
      pull() {
        session?.reading();
      },
      cancel() {
        session?.cleanup();
      },
    });
    return c.body(body, 200, sseHeaders);
  },
};
