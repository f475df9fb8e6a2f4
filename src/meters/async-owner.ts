import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Whose code an asynchronous resource was created for, carried along async context the way
 * AsyncLocalStorage carries any store. It decides ownership where a creation stack cannot:
 * a timer that undici creates from a socket callback has only undici and Node frames on its
 * stack, and the same undici file may serve the harness's clients and the target's own
 * outgoing requests (a hoisted install). The socket's context says whose request it was.
 *
 * `chain` names the unit a target resource belongs to (one served connection, the module's
 * top level, one publish): a timer that re-arms itself stays in its chain, so a sleep loop
 * counts once however often it re-arms (src/verdict/timer-chains.ts).
 */
export interface AsyncOwner {
  owner: 'harness' | 'target';
  chain?: string;
}

const storage = new AsyncLocalStorage<AsyncOwner>();
const HARNESS: AsyncOwner = Object.freeze({ owner: 'harness' });
let connections = 0;
let suspended = false;

/**
 * Stops carrying owners until the returned function is called: AsyncLocalStorage's hook is
 * off (no store is entered meanwhile), so promises created now carry no async context.
 * With any async hook enabled, Node gives every promise an async id, which makes each one
 * larger: a chain of promises that stays alive (@hono/node-server 1.19.19's writer) measured
 * 105 B per link without hooks and 457 to 463 B with this storage entered (bench/held-stream-growth.ts 1 owner).
 * What is measured while suspended is what the target keeps in production.
 */
export function suspendOwnership(): () => void {
  suspended = true;
  storage.disable();
  return () => {
    suspended = false;
  };
}

/** The owner of the code running now, if the harness marked it. */
export function currentOwner(): AsyncOwner | undefined {
  return storage.getStore();
}

/** Runs harness code (clients, request functions): what it creates is never the target's. */
export function inHarness<T>(fn: () => T): T {
  if (suspended) return fn();
  return storage.run(HARNESS, fn);
}

/** Runs target code on the harness's behalf (loading the module, publish, an in-process request). */
export function inTarget<T>(chain: string, fn: () => T): T {
  if (suspended) return fn();
  return storage.run({ owner: 'target', chain }, fn);
}

/** Runs one unit of target code in a chain of its own (one in-process request, one publish). */
export function inNewTargetChain<T>(kind: string, fn: () => T): T {
  return inTarget(`${kind}:${++connections}`, fn);
}

/**
 * Marks the rest of the current execution, and everything it starts, as one served
 * connection of the target. Called from the server's first 'request' listener, before the
 * adapter's: the handler, its promises and its timers inherit it.
 */
export function enterServedConnection(): void {
  if (suspended) return;
  storage.enterWith({ owner: 'target', chain: `connection:${++connections}` });
}
