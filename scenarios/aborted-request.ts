import { inNewTargetChain } from '../src/meters/async-owner.ts';
import { fetchInit } from '../src/clients/wire-request.ts';
import { defineScenario } from '../src/scenario/scenario.ts';

/**
 * The contract every other runtime and in-process caller relies on: a `Request` whose signal
 * is already aborted, dispatched to the fetch handler in-process, its response never read.
 * Nothing will ever cancel that body, so a handler whose only cleanup is the stream's
 * `cancel()` leaks here on any adapter, even where @hono/node-server 2.x rescues the same
 * handler on the wire (it cancels bodies it did not start reading; 1.19.x does not).
 */
export default defineScenario({
  kind: 'connections',
  name: 'aborted-request',
  // It calls the target's fetch handler itself.
  clients: 'in-process',
  description: 'in-process: a Request whose signal is already aborted goes to the fetch handler; its body is never read',
  async connect(ctx, i) {
    const init = fetchInit(ctx.request(i));
    try {
      // Dropped unread on purpose: nothing will ever read or cancel this body.
      await inNewTargetChain('request', () => ctx.target.fetch!(new Request(ctx.origin.url, { ...init, signal: AbortSignal.abort() })));
      ctx.count('answered');
    } catch {
      ctx.count('rejected');
    }
  },
});
