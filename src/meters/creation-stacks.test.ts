import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { forcedGc, sampleHeap } from './heap-meter.ts';
import { ProcessListenerMeter } from './process-listener-meter.ts';
import { TimerMeter } from './timer-meter.ts';

/**
 * A creation stack captured by Error.captureStackTrace is kept structured until it is read:
 * every frame's receiver and function stay reachable from it. A live timer or listener made
 * inside a request's handling then holds that request's whole object graph. Measured on the
 * reference: Node's Date-header cache timer (node:internal/http, one second, armed from
 * ServerResponse._storeHeader) held one connection's socket, request and response, with the
 * hidden-class chains they keep alive, about 25 to 30 KB, at whichever heap samples it was
 * alive at: a step in a clean series that the serial-correlation factor reads as
 * correlation. The meters' prune(), called before every heap sample, must let it go.
 */
function request(): { payload: number[] } & Record<'arm' | 'listen', () => void> {
  return {
    payload: Array.from({ length: 200_000 }, (_, i) => i + 0.5),
    arm() {
      timer = setTimeout(noop, 60_000);
    },
    listen() {
      process.on('SIGUSR2', listener);
    },
  };
}
const noop = () => {};
const listener = () => {};
let timer: NodeJS.Timeout | undefined;

/** Whether a request that was the receiver on a timer's or listener's creation stack is collected once `prune` ran. */
async function receiverCollected(how: 'arm' | 'listen', prune: () => void): Promise<boolean> {
  const ref = (() => {
    const r = request();
    r[how]();
    return new WeakRef(r);
  })();
  prune();
  const gc = forcedGc()!;
  for (let i = 0; i < 3; i++) {
    await nextTurn();
    gc();
  }
  return ref.deref() === undefined;
}

describe('creation stacks', () => {
  it("a live timer's creation stack does not hold the receivers on it once pruned", async () => {
    // No folder is sse-soak's here: this file stands for the target.
    const meter = new TimerMeter({ own: [], targetInsideOwn: [] }).enable();
    try {
      expect(await receiverCollected('arm', () => meter.prune())).toBe(true);
      // Still counted, and still attributed to the line that armed it.
      const mine = meter.sample().target.find((t) => t.site?.includes('creation-stacks.test.ts'));
      expect(mine?.repeat).toBe(false);
    } finally {
      clearTimeout(timer);
      meter.disable();
    }
  });

  // A frame 20,000 characters long: 100 formatted stacks are 2 MB, which the parsed sites'
  // strings kept, as slices of them, until they were copied out (2.15 MB for the timers).
  const longFrame = <T>(body: string, ...args: unknown[]): ((x?: unknown) => T) =>
    new Function('a', 'b', `return function f${'x'.repeat(20_000)}(x) { ${body} }`)(...args) as (x?: unknown) => T;

  it("keeps a live timer's site, not its whole stack", async () => {
    const arm = longFrame<NodeJS.Timeout>('return a(b, 60_000);', setTimeout, noop);
    const meter = new TimerMeter({ own: [], targetInsideOwn: [] }).enable();
    const timers: NodeJS.Timeout[] = [];
    try {
      const before = (await sampleHeap({ thorough: true }))!;
      for (let i = 0; i < 100; i++) timers.push(arm());
      meter.prune();
      const after = (await sampleHeap({ thorough: true }))!;
      expect(after.usedBytes - before.usedBytes).toBeLessThan(500_000);
      expect(meter.sample().target.filter((t) => t.site?.includes('creation-stacks.test.ts'))).toHaveLength(100);
    } finally {
      for (const t of timers) clearTimeout(t);
      meter.disable();
    }
  });

  it("keeps a live process listener's site, not its whole stack", async () => {
    const listeners = Array.from({ length: 100 }, () => () => {});
    // 100 listeners on one event are the point here, not a leak to warn about in the suite's output.
    const maxListeners = process.getMaxListeners();
    process.setMaxListeners(maxListeners + listeners.length);
    const meter = new ProcessListenerMeter().enable();
    const baseline = meter.sample();
    try {
      const before = (await sampleHeap({ thorough: true }))!;
      const add = longFrame<void>("a.on('SIGUSR2', x);", process);
      for (const l of listeners) add(l);
      meter.prune();
      const after = (await sampleHeap({ thorough: true }))!;
      expect(after.usedBytes - before.usedBytes).toBeLessThan(500_000);
      expect(meter.growth(baseline)[0]?.sites).toEqual([{ site: expect.stringMatching(/creation-stacks\.test\.ts:\d+$/), count: 100 }]);
    } finally {
      for (const l of listeners) process.off('SIGUSR2', l);
      process.setMaxListeners(maxListeners);
      meter.disable();
    }
  });

  it("a live process listener's creation stack does not hold the receivers on it once pruned", async () => {
    const meter = new ProcessListenerMeter().enable();
    const before = meter.sample();
    try {
      expect(await receiverCollected('listen', () => meter.prune())).toBe(true);
      const [growth] = meter.growth(before);
      expect(growth?.event).toBe('SIGUSR2');
      expect(growth?.sites[0]?.site).toMatch(/creation-stacks\.test\.ts:\d+$/);
    } finally {
      process.off('SIGUSR2', listener);
      meter.disable();
    }
  });
});
