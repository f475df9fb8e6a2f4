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

/** The owner of the code running now, if the harness marked it. */
export function currentOwner(): AsyncOwner | undefined {
  return storage.getStore();
}

/** Runs harness code (clients, request functions): what it creates is never the target's. */
export function inHarness<T>(fn: () => T): T {
  return storage.run(HARNESS, fn);
}

/** Runs target code on the harness's behalf (loading the module, publish, an in-process request). */
export function inTarget<T>(chain: string, fn: () => T): T {
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
  storage.enterWith({ owner: 'target', chain: `connection:${++connections}` });
}
