import { describe, expect, it } from 'vitest';
import { scenarios } from '../scenarios/index.ts';
import { defaultSettings } from '../src/harness/defaults.ts';
import { MIN_HEAP_SAMPLES } from '../src/verdict/heap-check.ts';
import type { Check, ScenarioResult } from '../src/report/report.ts';
import { setupKillsOnly } from './report-checks.ts';
import { runReport } from './run-binary.ts';

/**
 * The detection matrix: every reference variant through every scenario with the default
 * settings. `fixed` passes everything; each leaky variant fails exactly the scenarios where
 * the truth table (src/reference/truth-table.test.ts) says its mechanism leaks, with the
 * leaked counts equal to what the run injected, counted on the server. Each row is one
 * `sse-soak run` of the real binary, in a fresh process as a user runs it: the first
 * scenario of a fresh process is the heap check's hardest case, which the same run inside
 * the suite's long-lived worker never showed (src/meters/heap-meter.ts).
 */
type Expectation = (s: ScenarioResult) => void;

const check = (s: ScenarioResult, meter: string): Check => {
  const c = s.checks.find((x) => x.meter === meter);
  expect(c, `${s.name}: ${meter}`).toBeDefined();
  return c!;
};
const stat = (s: ScenarioResult, key: string) => s.stats?.[key] ?? 0;
const passes: Expectation = (s) =>
  expect(s.verdict, JSON.stringify(s.checks.filter((c) => c.verdict !== 'pass' && c.verdict !== 'skipped'))).toBe('pass');
/**
 * Leaks one timer and one listener per injected disconnect, counted on the server: every
 * request whose socket closed before the server wrote its headers. The timer count must
 * also equal the listener gauge, the target's own ground truth. Exact since the baseline
 * waits for the warm-up's handlers still in their setup await (src/harness/settle.ts,
 * drainInFlight); before that, one of them leaking after the baseline made it +1 in about
 * one run of six under CPU contention.
 */
const leaksTimersAndListeners =
  (injected: (s: ScenarioResult) => number): Expectation =>
  (s) => {
    expect(s.verdict).toBe('fail');
    const n = injected(s);
    expect(n).toBeGreaterThan(0);
    for (const meter of ['timers', 'gauge:listeners']) expect(check(s, meter).leaked, meter).toBe(n);
  };
const beforeHeaders = (s: ScenarioResult) => stat(s, 'server.closedBeforeHeaders');
const sigtermKilled: Expectation = (s) => {
  expect(s.verdict).toBe('fail');
  expect(check(s, 'exit').verdict).toBe('fail');
  expect(check(s, 'exit').reason).toMatch(/kept alive by \d+ × setInterval at src\/reference\//);
  expect(check(s, 'timers').verdict).toBe('fail');
};
const heapOnly: Expectation = (s) => {
  expect(s.verdict, `${s.name}: ${JSON.stringify({ decision: s.decision, heap: s.checks.find((c) => c.meter === 'heap') })}`).toBe('fail');
  expect(check(s, 'heap').verdict).toBe('fail');
  expect(s.checks.filter((c) => c.verdict === 'fail').map((c) => c.meter)).toEqual(['heap']);
};

/**
 * The heap-only row's cap. clean-close is the first scenario of a fresh process, the heap
 * check's hardest case: at the default cap of 400 a 2 KiB retention is left undecided (a
 * pass) about one fresh run in twenty since the code-space page is read around
 * (src/meters/heap-meter.ts; 3 in 20 before); at 800 it failed in 16 of 16, deciding by 520
 * to 800. The README's sensitivity table gives both. With the code-space and metadata
 * readings since, it decides at 280 to 300 connections in every scenario (4 runs of 4, two
 * sessions later): the cap is a margin now, not where it decides.
 */
const HEAP_ONLY_CAP = 800;

// `fixed` is not here: test/false-positives.test.ts runs it ten times with these settings.
const matrix: Record<string, Record<string, Expectation>> = {
  // idle-kill (setupKillsOnly): these three leak on a client that leaves during the setup
  // await, which idle-kill's proxy also does when a loaded machine stretches a setup.
  'cancel-only': {
    'pre-aborted': leaksTimersAndListeners(beforeHeaders),
    'idle-kill': setupKillsOnly,
    'aborted-request': leaksTimersAndListeners((s) => stat(s, 'answered')),
    sigterm: sigtermKilled,
  },
  'late-signal': {
    'pre-aborted': leaksTimersAndListeners(beforeHeaders),
    'idle-kill': setupKillsOnly,
    sigterm: sigtermKilled,
  },
  'heartbeat-after-setup': {
    'idle-kill': setupKillsOnly,
    'pre-aborted': (s) => {
      expect(s.verdict).toBe('fail');
      expect(check(s, 'timers').leaked).toBe(stat(s, 'server.closedBeforeBody'));
      expect(check(s, 'gauge:listeners').verdict).toBe('pass');
    },
    sigterm: sigtermKilled,
  },
  // aborted-request passes: an already-aborted request registers nothing in this variant.
  'process-listener': Object.fromEntries(
    ['clean-close', 'socket-destroy', 'idle-kill', 'pre-aborted', 'server-close', 'sigterm'].map((name) => [
      name,
      (s: ScenarioResult) => {
        expect(s.verdict).toBe('fail');
        const leaked = check(s, 'process-listeners').leaked!;
        if (name === 'pre-aborted') {
          // One listener per request that found its signal unaborted when the handler ran;
          // a client can still leave between that and the headers (a few microtasks).
          const started = stat(s, 'server.closedBeforeBody') + stat(s, 'server.closedAfterBody');
          expect(leaked).toBeGreaterThanOrEqual(started);
          expect(leaked).toBeLessThanOrEqual(started + stat(s, 'server.closedBeforeHeaders'));
        } else if (name !== 'sigterm') {
          // One per measured connection: the phase may stop before the cap once decided.
          expect(leaked).toBe(s.connections);
        }
        expect(check(s, 'process-listeners').sites![0]!.event).toBe('SIGTERM');
        expect(check(s, 'timers').verdict).toBe('pass');
      },
    ]),
  ),
  'end-without-cleanup': {
    // Every stream the server ended leaves its heartbeat and its bus listener.
    'server-close': leaksTimersAndListeners((s) => stat(s, 'endedByServer')),
    sigterm: (s) => {
      sigtermKilled(s);
      expect(check(s, 'timers').leaked).toBe(defaultSettings.sigtermOpen);
    },
  },
  'retains-per-connection': {
    'clean-close': heapOnly,
    'socket-destroy': heapOnly,
    'idle-kill': heapOnly,
    'pre-aborted': heapOnly,
    'aborted-request': heapOnly,
    'server-close': heapOnly,
  },
  // Only a client that comes back with Last-Event-ID makes a cursor: one timer and one
  // cursor per reconnect, the gauge equal to the timers and to the clients' own count. A
  // reconnect in flight as its client closes (another client's drop-all caught it) can make
  // one more: at most every request the server saw after each client's first.
  'replay-leak': {
    reconnect: (s) => {
      expect(s.verdict).toBe('fail');
      const reconnects = stat(s, 'reconnects');
      expect(reconnects).toBe(s.connections * defaultSettings.reconnectRounds);
      const served = ['closedBeforeHeaders', 'closedBeforeBody', 'closedAfterBody', 'finished'].reduce(
        (n, k) => n + stat(s, `server.${k}`),
        0,
      );
      const cursors = check(s, 'gauge:replayCursors').leaked!;
      expect(cursors, JSON.stringify(s.stats)).toBeGreaterThanOrEqual(reconnects);
      expect(cursors, JSON.stringify(s.stats)).toBeLessThanOrEqual(served - s.connections);
      expect(check(s, 'timers').leaked).toBe(cursors);
      expect(check(s, 'timers').sites![0]!.site).toMatch(/^src\/reference\/variants\/replay-leak\.ts:\d+$/);
      expect(check(s, 'delivery').verdict).toBe('pass');
    },
  },
  // Leaks nothing; every client misses what was published while it was away, by id.
  'replay-gap': {
    reconnect: (s) => {
      expect(s.verdict).toBe('fail');
      expect(s.checks.filter((c) => c.verdict === 'fail').map((c) => c.meter)).toEqual(['delivery']);
      const delivery = check(s, 'delivery');
      // One event is published while each client is away, every round.
      expect(stat(s, 'delivery.lost')).toBeGreaterThanOrEqual(s.connections * defaultSettings.reconnectRounds);
      expect(stat(s, 'delivery.duplicated')).toBe(0);
      const [example] = delivery.details!.examples as { lost: string[] }[];
      expect(example!.lost.length).toBeGreaterThan(0);
      expect(delivery.reason).toMatch(new RegExp(`lacked ${example!.lost[0]}\\b`));
    },
  },
  // Cleans up every disconnect as `fixed` does; holds every event for a client that stopped
  // reading: the stall check alone fails, with the growth per event per stalled stream.
  'unbounded-queue': {
    'stalled-reader': (s) => {
      expect(s.verdict).toBe('fail');
      expect(s.checks.filter((c) => c.verdict === 'fail').map((c) => c.meter)).toEqual(['stall']);
      const stall = check(s, 'stall');
      expect(stall.ci95![0]).toBeGreaterThan(stall.limit!);
      expect(stall.details!.closedDuring).toBe(0);
      expect(stall.reason).toMatch(/^a stalled reader's stream holds [\d.]+ B more for every event published/);
    },
  },
};

/**
 * Every scenario, the opt-in server-close included, except two opt-in ones that run only for
 * the variants made for them: reconnect (10 to 18 s) only for the replay variants, and only
 * it for them (they are `fixed` for any request without a Last-Event-ID, which only
 * reconnect's clients send); stalled-reader (3 to 8 s) only for `unbounded-queue`, which
 * runs every other scenario too, to show that it fails this one alone.
 */
const all = scenarios.map((s) => s.name);
const scenariosFor = (variant: string) =>
  variant.startsWith('replay-')
    ? ['reconnect']
    : all.filter((n) => n !== 'reconnect' && (n !== 'stalled-reader' || variant === 'unbounded-queue'));

describe('detection matrix (default settings, @hono/node-server 1.19.19)', () => {
  for (const [variant, failing] of Object.entries(matrix)) {
    it(`reference:${variant} fails ${
      Object.keys(failing)
        .filter((n) => failing[n] !== setupKillsOnly)
        .join(', ') || 'nothing'
    }`, async () => {
      const { report, code, stderr } = await runReport([
        '--target',
        `reference:${variant}`,
        '--scenario',
        scenariosFor(variant).join(','),
        ...(variant === 'retains-per-connection' ? ['--connections', String(HEAP_ONLY_CAP)] : []),
      ]);
      expect(code, stderr).toBe(Object.keys(failing).length ? 1 : 0);
      expect(report.scenarios.map((s) => s.name)).toEqual(scenariosFor(variant));
      for (const s of report.scenarios) {
        expect(s.error?.message, s.name).toBeUndefined();
        if (s.name !== 'sigterm') {
          expect(s.decision?.connections, s.name).toBe(s.connections);
          expect(s.connections, s.name).toBeGreaterThanOrEqual(defaultSettings.minConnections);
          // The baseline, at least the sequential test's first look, and the settled sample.
          expect(s.decision?.heapSamples, s.name).toBeGreaterThanOrEqual(MIN_HEAP_SAMPLES + 1);
        }
        (failing[s.name] ?? passes)(s);
      }
      expect(report.verdict).toBe(Object.keys(failing).length ? 'fail' : 'pass');
      // The summary line names what a client lost, as a person reads it.
      if (variant === 'replay-gap')
        expect(stderr).toMatch(/FAIL\s+reconnect .*delivery: \d+ events lost, 0 delivered twice.*; client \d+ lacked \d+/);
    }, 120_000);
  }

  // The default run's ten clean runs (false-positives.test.ts) leave server-close out (opt-in).
  it('reference:fixed passes server-close three runs in a row, every stream ended by the server', async () => {
    for (let run = 0; run < 3; run++) {
      const { report, stderr } = await runReport(['--target', 'reference:fixed', '--scenario', 'server-close']);
      const [s] = report.scenarios;
      passes(s!);
      expect(stderr).toMatch(/^sse-soak: pass \(1 scenario\) in /m);
      expect(stat(s!, 'endedByServer')).toBe(s!.connections);
    }
  }, 60_000);

  // A client that stops reading is dropped once 256 chunks wait for it: the stall is handled.
  it('reference:fixed passes stalled-reader twice in a row: it closes the stalled streams, and nothing is left behind', async () => {
    for (let run = 0; run < 2; run++) {
      const { report } = await runReport(['--target', 'reference:fixed', '--scenario', 'stalled-reader']);
      const [s] = report.scenarios;
      passes(s!);
      expect(check(s!, 'stall').details).toMatchObject({ kind: 'closed', streams: defaultSettings.stallStreams });
    }
  }, 60_000);

  // Delivery: every client got every event, across every drop, exactly once and in order.
  // Once per suite (12 to 30 s a run; it passed 7 runs of 7 by hand when it was added).
  it('reference:fixed passes reconnect: nothing left behind, nothing lost or duplicated', async () => {
    const { report } = await runReport(['--target', 'reference:fixed', '--scenario', 'reconnect']);
    const [s] = report.scenarios;
    passes(s!);
    expect(check(s!, 'delivery').details).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(stat(s!, 'reconnects')).toBeGreaterThanOrEqual(s!.connections * defaultSettings.reconnectRounds);
    expect(stat(s!, 'droppedAll')).toBeGreaterThan(0);
  }, 60_000);
});
