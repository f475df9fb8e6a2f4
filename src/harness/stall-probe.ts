import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpStream } from '../clients/http-stream.ts';
import type { WireRequest } from '../clients/wire-request.ts';
import { NotApplicableError, ScenarioError } from '../errors/scenario-error.ts';
import { openEstablishedWith } from '../scenario/establish.ts';
import type { ProbeContext } from '../scenario/scenario.ts';
import type { Point } from '../stats/theil-sen.ts';
import type { StallOutcome } from '../verdict/stall-check.ts';
import { type Readings, waitForSockets } from './readings.ts';

/** Events the witness reads to learn an event's size on the wire. */
const WITNESS_EVENTS = 200;
/** Events per fill step: then the server's sockets are looked at. */
const FILL_STEP = 4_000;
/** The measured window, in bytes on the wire per stalled stream, and its clamp in events. */
const WINDOW_BYTES = 1024 * 1024;
const WINDOW_MIN_EVENTS = 1_000;
const WINDOW_MAX_EVENTS = 20_000;
/** Memory samples over the window (and as many over the control), after the one at its start. */
const WINDOW_STEPS = 8;
/** How long the server may take to close its sockets to clients that left. */
const RELEASE_MS = 2_000;

/**
 * stalled-reader's probe. Clients establish their streams and stop reading (their sockets
 * paused: the kernel's buffers to them fill, then the server's writes wait in the process)
 * while the target publishes, paced as a busy topic is:
 * 1. a witness, a client that reads, measures one event's size on the wire, then leaves;
 * 2. fill: publish until the server's sockets to the stalled clients are backed up (their
 *    writes wait in the process), or closed by the server, within `stallMaxFillMs`;
 * 3. measure: publish a window of events, sampling the measured process's memory (heap after
 *    GC plus array buffers) as it goes;
 * 4. control: the stalled clients leave (RST), and the same window is published to no stream.
 */
export async function probeStalledReaders(ctx: ProbeContext): Promise<StallOutcome> {
  const { readings, settings } = ctx;
  const publishMany = ctx.publishMany;
  if (!publishMany)
    throw new NotApplicableError(
      'the target has no publish: a stalled stream is then fed by keepalives alone, one chunk a period, too few to measure in a run (give the target a publish)',
    );
  const streams = settings.stallStreams;
  const open = (request: WireRequest) => openEstablishedWith({ ...ctx, url: ctx.origin.url }, request);
  const opened: HttpStream[] = [];
  const before = await readings.openSockets();
  try {
    // 1. One event's size on the wire, read by a client that reads.
    const witness = await open(await ctx.openRequest());
    opened.push(witness);
    const bytesBefore = witness.socket.bytesRead;
    const eventsBefore = witness.events.count;
    await publishMany(WITNESS_EVENTS);
    const deadline = performance.now() + settings.connectionTimeoutMs;
    while (witness.events.count - eventsBefore < WITNESS_EVENTS && performance.now() < deadline) await sleep(5);
    const seen = witness.events.count - eventsBefore;
    if (seen === 0)
      throw new ScenarioError(
        `the target's publish reached no stream: a client of ${ctx.origin.path} saw none of ${WITNESS_EVENTS} published events within ${settings.connectionTimeoutMs} ms`,
        'setup',
        { code: 'SSE_SOAK_NO_EVENT' },
      );
    const bytesPerEvent = (witness.socket.bytesRead - bytesBefore) / seen;
    witness.disconnect('fin');
    await waitForSockets(readings, before, RELEASE_MS);

    // 2. Stalled clients: established, then not reading.
    const stalled: HttpStream[] = [];
    for (let i = 0; i < streams; i++) {
      const stream = await open(await ctx.openRequest());
      opened.push(stream);
      stalled.push(stream);
      stream.socket.pause();
    }
    const stalledAt = performance.now();
    let events = 0;
    for (;;) {
      const still = (await readings.openSockets()) - before;
      if (still <= 0) {
        return { kind: 'closed', streams, closedWithinMs: Math.round(performance.now() - stalledAt), events, bytesPerEvent };
      }
      if ((await readings.blockedSockets()) >= still) break;
      if (performance.now() - stalledAt > settings.stallMaxFillMs)
        return { kind: 'never-backed-up', streams, events, ms: performance.now() - stalledAt, bytesPerEvent };
      await publishMany(FILL_STEP);
      events += FILL_STEP;
      await sleep(5);
    }
    const fillEvents = events;
    const fillMs = performance.now() - stalledAt;

    // 3. The window, with the stalled streams backed up.
    const window = Math.min(WINDOW_MAX_EVENTS, Math.max(WINDOW_MIN_EVENTS, Math.round(WINDOW_BYTES / Math.max(1, bytesPerEvent))));
    const step = Math.ceil(window / WINDOW_STEPS);
    const openBefore = (await readings.openSockets()) - before;
    const points = await series(publishMany, readings, step, async () => {
      if ((await readings.openSockets()) - before <= 0) return 'closed';
    });
    const stillOpen = (await readings.openSockets()) - before;
    if (points === 'closed' || stillOpen <= 0) {
      return {
        kind: 'closed',
        streams,
        closedWithinMs: Math.round(performance.now() - stalledAt),
        events: fillEvents + (points === 'closed' ? 0 : WINDOW_STEPS * step),
        bytesPerEvent,
      };
    }

    // 4. The control: the same window with no stream to write to.
    for (const s of stalled) s.disconnect('rst');
    await waitForSockets(readings, before, RELEASE_MS);
    const control = await series(publishMany, readings, step);
    return {
      kind: 'backed-up',
      streams,
      points: points as Point[],
      control: control as Point[],
      bytesPerEvent,
      fillEvents,
      fillMs,
      closedDuring: openBefore - stillOpen,
    };
  } finally {
    for (const s of opened) s.disconnect('rst');
    await waitForSockets(readings, before, RELEASE_MS).catch(() => {});
  }
}

/** Memory after GC, then after each of WINDOW_STEPS steps of `step` events; 'closed' when `stop` says so. */
async function series(
  publishMany: (count: number) => Promise<void>,
  readings: Readings,
  step: number,
  stop?: () => Promise<'closed' | undefined>,
): Promise<Point[] | 'closed'> {
  const points: Point[] = [{ x: 0, y: await memory(readings) }];
  for (let i = 1; i <= WINDOW_STEPS; i++) {
    await publishMany(step);
    await sleep(5);
    if ((await stop?.()) === 'closed') return 'closed';
    points.push({ x: i * step, y: await memory(readings) });
  }
  return points;
}

/** What the measured process holds: its heap after a forced GC, array buffers included (queued chunks live there). */
async function memory(readings: Readings): Promise<number> {
  const heap = await readings.heap({ thorough: true });
  if (!heap) throw new ScenarioError('a full GC cannot be forced in this runtime', 'measure', { code: 'SSE_SOAK_NO_GC' });
  return heap.usedBytes + (heap.bufferBytes === undefined ? (await readings.memory()).arrayBuffers : 0);
}
