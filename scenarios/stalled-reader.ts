import { probeStalledReaders } from '../src/harness/stall-probe.ts';
import { defineScenario } from '../src/scenario/scenario.ts';
import { openEstablished } from '../src/scenario/establish.ts';
import { stallCheck } from '../src/verdict/stall-check.ts';

/**
 * A client that stays connected and stops reading: a backgrounded phone, a frozen tab, a
 * proxy whose buffer is full. Neither the request signal nor `cancel()` fires, and a writer
 * that ignores backpressure (`controller.enqueue` past `desiredSize`, `res.write()` whose
 * `false` is ignored) holds every later event for it (DOMAIN.md).
 *
 * The probe (src/harness/stall-probe.ts) stalls `stallStreams` streams while the target
 * publishes, until the server's writes to them back up, then measures what the measured
 * process holds per event per stalled stream (the `stall` check); a server that closes
 * them has handled them. Its connections then each stop reading once established and leave
 * with a reset: the usual checks judge what a stalled client leaves behind.
 *
 * Opt-in: the kernel takes about 4 MB to each paused reader on Linux loopback before the
 * server's writes back up, which is 60,000 and more of the reference's events, a few
 * seconds that the default run cannot spend.
 */
export default defineScenario({
  kind: 'connections',
  name: 'stalled-reader',
  description: 'streams stop reading while the target publishes: what the server holds for them must stop growing',
  optIn: true,
  probeMeters: ['stall'],
  async probe(ctx) {
    return [stallCheck(await probeStalledReaders(ctx))];
  },
  async connect(ctx, i) {
    const stream = await openEstablished(ctx, i);
    stream.socket.pause();
    stream.disconnect('rst');
    ctx.count('stalledThenReset');
  },
});
