import { describe, expect, it } from 'vitest';
import type { ActiveTimer } from '../meters/timer-meter.ts';
import { compareSnapshots } from './compare-snapshots.ts';
import { idleKillCheck } from './idle-kill-check.ts';
import { exitCheck, streamsEndedCheck } from './sigterm-checks.ts';
import type { MeterSnapshot } from '../harness/meter-snapshot.ts';

const interval = (asyncId: number, chain: string): ActiveTimer => ({
  asyncId,
  owner: 'target',
  site: 'app.ts:5',
  chain,
  repeat: true,
  refed: true,
});
const exit = { code: 0, signal: null, killed: false, exitMs: 12, graceMs: 5000 };

describe('exitCheck', () => {
  it.each([
    ['exited 0 by itself', exit, undefined, 'pass', undefined],
    ['exited 1', { ...exit, code: 1, stderrTail: 'Error: x' }, undefined, 'fail', /exited with code 1 after SIGTERM: Error: x/],
    [
      'killed, an interval kept it alive',
      { ...exit, code: null, signal: 'SIGKILL', killed: true },
      { timers: [interval(1, 'connection:1')], activeResources: ['Timeout'] },
      'fail',
      /kept alive by 1 × setInterval at app\.ts:5/,
    ],
    [
      'killed, no timer: active resources named',
      { ...exit, code: null, killed: true },
      { timers: [], activeResources: ['TCPServerWrap'] },
      'fail',
      /kept alive by active resources: 1 × TCPServerWrap$/,
    ],
    [
      'killed, open connections counted and said to be connections',
      { ...exit, code: null, killed: true },
      { timers: [], activeResources: ['PipeWrap', 'TCPSocketWrap', 'TCPSocketWrap', 'PipeWrap', 'TCPSocketWrap'] },
      'fail',
      /kept alive by active resources: 3 × TCPSocketWrap, 2 × PipeWrap \(a TCPSocketWrap is an open connection: a stream nobody ended holds one\)$/,
    ],
    ['killed, no readings', { ...exit, code: null, killed: true }, undefined, 'fail', /never finished its shutdown/],
  ] as const)('%s: %s', (_name, e, readings, verdict, reason) => {
    const c = exitCheck(e, readings);
    expect(c.verdict).toBe(verdict);
    if (reason) expect(c.reason).toMatch(reason);
  });
});

describe('streamsEndedCheck', () => {
  const held = { held: 20, clean: 20, cut: 0, openAtKill: 0 };
  it.each([
    ['close() ended every stream', { ...held, cutByHarness: 0, hasClose: true }, 'pass', undefined],
    ['the process exited by itself (no shutdown readings)', { ...held, clean: 0, cut: 20 }, 'pass', undefined],
    [
      'close() left 7 for the harness to cut',
      { ...held, clean: 13, cut: 7, cutByHarness: 7, hasClose: true },
      'fail',
      /7 of 20 streams had to be cut by the harness: close\(\) left them open/,
    ],
    [
      'no close() at all',
      { ...held, clean: 0, cut: 20, cutByHarness: 20, hasClose: false },
      'fail',
      /20 of 20 .* the target has no close\(\)/,
    ],
    [
      'still open when killed',
      { ...held, clean: 0, openAtKill: 20 },
      'fail',
      /20 of 20 streams were still open when the process was killed/,
    ],
  ] as const)('%s: %s', (_name, s, verdict, reason) => {
    const c = streamsEndedCheck(s);
    expect(c.verdict).toBe(verdict);
    if (reason) expect(c.reason).toMatch(reason);
  });
});

describe('idleKillCheck', () => {
  it.each([
    ['kills mid-stream', { killedMidStream: 400 }, 'pass'],
    ['kills before the first event (a quiet stream)', { killedBeforeFirstEvent: 400 }, 'pass'],
    ['every kill before the response', { killedBeforeResponse: 400 }, 'error'],
    ['no kill at all', { endedByServer: 400 }, 'error'],
  ] as const)('%s: %s', (_name, stats, verdict) => {
    expect(idleKillCheck(stats, 150).verdict).toBe(verdict);
  });

  it('says why none landed', () => {
    expect(idleKillCheck({ killedBeforeResponse: 5 }, 150).reason).toMatch(/setup takes longer than the 150 ms idle timeout/);
  });
});

describe('compareSnapshots', () => {
  const snap = (timers: ActiveTimer[], listeners = 0, sockets = 0, gauges: Record<string, number> = {}): MeterSnapshot => ({
    timers,
    listeners: { counts: listeners ? { SIGTERM: listeners } : {}, total: listeners },
    gauges,
    gaugeErrors: {},
    sockets,
  });
  const verdicts = (checks: ReturnType<typeof compareSnapshots>) => Object.fromEntries(checks.map((c) => [c.meter, c.verdict]));

  it('passes a re-armed module timer and says gauges do not apply', () => {
    const checks = compareSnapshots(snap([interval(1, 'module')]), snap([interval(9, 'module')]), []);
    expect(verdicts(checks)).toEqual({ timers: 'pass', 'process-listeners': 'pass', gauges: 'skipped', sockets: 'pass' });
    expect(checks.find((c) => c.meter === 'gauges')).toMatchObject({ skippedBy: 'not-applicable' });
  });

  it('counts leaked chains with their sites, listeners with theirs, gauges and sockets', () => {
    const checks = compareSnapshots(
      snap([], 1, 0, { streams: 0 }),
      snap([interval(2, 'connection:1'), interval(3, 'connection:2')], 3, 2, { streams: 2 }),
      [{ event: 'SIGTERM', sites: [{ site: 'app.ts:9', count: 2 }] }],
    );
    expect(checks.find((c) => c.meter === 'timers')).toMatchObject({
      verdict: 'fail',
      leaked: 2,
      sites: [{ site: 'app.ts:5', count: 2, kind: 'setInterval' }],
    });
    expect(checks.find((c) => c.meter === 'process-listeners')).toMatchObject({
      verdict: 'fail',
      leaked: 2,
      sites: [{ site: 'app.ts:9', count: 2, event: 'SIGTERM' }],
    });
    expect(verdicts(checks)).toMatchObject({ 'gauge:streams': 'fail', sockets: 'fail' });
  });
});
