import { setImmediate as nextTurn } from 'node:timers/promises';
import { inNewTargetChain } from '../meters/async-owner.ts';

/** Events published per turn of the event loop: the server's writes to readers keep up between turns. */
export const PUBLISH_PER_TURN = 20;

/**
 * Publishes `count` events, PUBLISH_PER_TURN per turn of the event loop, as a busy topic
 * does: a client that reads takes each turn's events before the next (the adapter writes
 * between turns), so only a client that stopped reading falls behind. All at once, a
 * server that bounds what waits for each client would rightly drop readers too.
 */
export async function publishPaced(publish: () => void | Promise<void>, count: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const turn = Math.min(PUBLISH_PER_TURN, count - done);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < turn; i++) {
      const result = publish();
      if (result) pending.push(result);
    }
    if (pending.length) await Promise.all(pending);
    done += turn;
    await nextTurn();
  }
}

/**
 * How to publish many of a target's events: in its own process when it is a command (one
 * call to its agent), else here, paced, each as the target's own chain. Undefined without
 * a publish.
 */
export function manyPublisher(
  publish: (() => void | Promise<void>) | undefined,
  command?: { publishMany(count: number): Promise<void> },
): ((count: number) => Promise<void>) | undefined {
  if (!publish) return undefined;
  if (command) return (count) => command.publishMany(count);
  return (count) => publishPaced(() => inNewTargetChain('publish', publish), count);
}
