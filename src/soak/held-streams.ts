import { setTimeout as sleep } from 'node:timers/promises';
import type { Readings } from '../harness/readings.ts';
import type { Check } from '../report/report.ts';
import { type Point, slopeOverControl, theilSen } from '../stats/theil-sen.ts';
import type { SoakSample } from './soak-sample.ts';

/**
 * Chunks written to the held streams over the probe, in all (events = this / streams,
 * clamped). Every event also goes to every other stream the server still feeds: a server
 * that leaked 600 streams (cancel-only after 3,000 connections) writes 600 more chunks per
 * event, so the probe stays small. On 1.19.19, 10,000 chunks grow the heap by about 4.5 MB,
 * against about 100 KB of noise between samples after GC.
 */
const PROBE_CHUNKS = 10_000;
const PROBE_MIN_EVENTS = 16;
const PROBE_MAX_EVENTS = 1_000;
/** Heap samples over the probe, after the one at its start. */
const PROBE_STEPS = 8;

/**
 * The most a stream that stays open may keep for every chunk written to it, in bytes. A
 * server keeps nothing per chunk for a client that reads; @hono/node-server 1.19.19 keeps
 * about 105 B per chunk (its writer's promise chain; about 460 B while an async hook is on),
 * 2.1.9 nothing measurable.
 */
export const HELD_LIMIT_BYTES_PER_CHUNK = 32;

/** How many events the probe publishes for `streams` held streams, and in steps of how many. */
export function probePlan(streams: number): { events: number; step: number } {
  const events = Math.min(PROBE_MAX_EVENTS, Math.max(PROBE_MIN_EVENTS, Math.round(PROBE_CHUNKS / Math.max(1, streams))));
  const step = Math.ceil(events / PROBE_STEPS);
  return { events: step * PROBE_STEPS, step };
}

/**
 * With the churn over and the held streams still open: events published in steps, each
 * waited for until every held stream has read it, and the heap after a forced GC after each
 * step; x is the chunks the held streams read since the probe began, all together (the
 * events, and whatever keepalives the server wrote meanwhile: with thousands of streams on
 * a short keepalive those are as many). Without `held` (the control, the held streams
 * gone), the same steps are published to no stream, and x is the events published. Returns
 * the points, or why it could not.
 */
export async function heldStreamSeries(
  readings: Readings,
  publishMany: (count: number) => Promise<void>,
  held: { counts: () => Promise<{ events: number; comments: number }>; streams: number } | undefined,
  step: number,
  timeoutMs: number,
): Promise<Point[] | string> {
  const heap = async () => (await readings.heap({ thorough: true }))?.usedBytes;
  const first = await heap();
  if (first === undefined) return 'a full GC cannot be forced in this runtime';
  const points: Point[] = [{ x: 0, y: first }];
  const start = held && (await held.counts());
  for (let i = 1; i <= PROBE_STEPS; i++) {
    if (!held || !start) {
      await publishMany(step);
      points.push({ x: i * step, y: (await heap())! });
      continue;
    }
    const before = await held.counts();
    await publishMany(step);
    const want = before.events + step * held.streams;
    const until = performance.now() + timeoutMs;
    let now = await held.counts();
    while (now.events < want && performance.now() < until) {
      await sleep(5);
      now = await held.counts();
    }
    if (now.events < want)
      return `the ${held.streams} held streams read ${now.events - before.events} of the ${step * held.streams} events ${step} publishes should have written to them within ${timeoutMs} ms`;
    points.push({ x: now.events + now.comments - start.events - start.comments, y: (await heap())! });
  }
  return points;
}

/** The adapter that serves a target in-process, when it is @hono/node-server. */
export interface ServingAdapter {
  version: string;
  origin: 'project' | 'bundled';
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const round = (v: number) => Math.round(v * 10) / 10;

/**
 * Growth per chunk written to streams that stay open, apart from the churn: the probe's
 * slope against the chunks the held streams read, less the control's (what the server keeps
 * per event with no stream to write to, spread over the chunks each event made). Fails when Sen's 95 % interval lies wholly
 * above HELD_LIMIT_BYTES_PER_CHUNK. When the target is served in-process by
 * @hono/node-server 1.x, the reason says whose growth it is: that adapter's writer chains a
 * promise per chunk for as long as the stream is open, and 2.x does not (DOMAIN.md; the
 * suite measures both on the same app).
 */
export function heldStreamCheck(
  probe:
    | {
        points: readonly Point[];
        control: readonly Point[];
        streams: number;
        events: number;
        /** The same probe with sse-soak's async hooks on (after a churn): what its samples hold per chunk. */
        underHooks?: readonly Point[];
      }
    | { error: string }
    | { skipped: string },
  adapter?: ServingAdapter,
): Check {
  const meter = 'held-stream-growth';
  if ('skipped' in probe) return { meter, verdict: 'skipped', skippedBy: 'not-applicable', reason: probe.skipped };
  if ('error' in probe) return { meter, verdict: 'error', limit: HELD_LIMIT_BYTES_PER_CHUNK, reason: `could not measure: ${probe.error}` };
  // The control's growth per event published, in the held probe's units: per chunk read, at
  // the chunks its events and the keepalives meanwhile made.
  const chunksPerEvent = (probe.points.at(-1)?.x ?? 0) / Math.max(1, probe.events);
  const scaledControl = probe.control.map((p) => ({ x: p.x * chunksPerEvent, y: p.y }));
  const growth = slopeOverControl(probe.points, scaledControl, 1);
  const control = theilSen(probe.control);
  const underHooks = probe.underHooks && slopeOverControl(probe.underHooks, scaledControl, 1);
  if (!growth || !control)
    return { meter, verdict: 'error', limit: HELD_LIMIT_BYTES_PER_CHUNK, reason: 'could not measure: too few heap samples' };
  const { slope, lower, upper } = growth;
  const failed = lower > HELD_LIMIT_BYTES_PER_CHUNK;
  const adapterLine = adapter?.version.startsWith('1.')
    ? `; the target is served by @hono/node-server ${adapter!.version}${adapter!.origin === 'project' ? " (the project's)" : ''}, whose stream writer chains a promise for every chunk written to a stream for as long as it stays open (about 105 B per chunk, measured with no async hook on, as here; about 460 B in a process where one is, as with AsyncLocalStorage or an APM agent): growth like this is that adapter's, and @hono/node-server 2.x does not grow (measured on 2.1.9 with the same app); a target module served by 2.x (@hono/node-server 2 in its project) shows whether any growth is left that is the target's`
    : '';
  return {
    meter,
    verdict: failed ? 'fail' : 'pass',
    limit: HELD_LIMIT_BYTES_PER_CHUNK,
    ci95: [round(lower), round(upper)],
    samples: probe.points.length,
    details: {
      bytesPerChunk: round(slope),
      ...(underHooks ? { bytesPerChunkUnderHooks: round(underHooks.slope) } : {}),
      streams: probe.streams,
      controlBytesPerEvent: round(control.slope),
      ...(adapter ? { adapter: `@hono/node-server ${adapter.version}` } : {}),
      points: probe.points.map((p) => [p.x, p.y]),
      control: probe.control.map((p) => [p.x, p.y]),
    },
    ...(failed
      ? {
          reason: `streams that stay open grow by ${round(slope)} B for every chunk written to them (95 % interval ${round(lower)} to ${round(upper)}), above ${HELD_LIMIT_BYTES_PER_CHUNK}: with a keepalive every 15 s, ${mb(slope * 5760 * 1000)} a day per 1,000 open streams${adapterLine}`,
        }
      : {}),
  };
}

/**
 * What the churn left behind by its last sample, against its first (the held streams open,
 * no churn yet): the target's live timers or a gauge grown by more than the connections in
 * flight at a sample could hold, said in words; undefined when nothing was.
 */
export function churnLeftBehind(series: readonly SoakSample[], concurrency: number): string | undefined {
  const first = series[0];
  const last = series.at(-1);
  if (!first || !last || first === last) return undefined;
  const allowance = concurrency + 10;
  const grown = [
    ['live timers', last.timers - first.timers] as const,
    ...Object.entries(last.gauges).map(([name, v]) => [`gauge ${name}`, v - (first.gauges[name] ?? 0)] as const),
  ].filter(([, n]) => n > allowance);
  return grown.length ? grown.map(([what, n]) => `${what} +${n}`).join(', ') : undefined;
}
