import { describe, expect, it } from 'vitest';
import type { Check, ScenarioResult } from '../report/report.ts';
import { applyCheckPolicy, coreMeters, finalizeScenario, validateSkipChecks } from './check-policy.ts';
import { notApplicable, unmeasured } from './count-check.ts';

const pass = (meter: string): Check => ({ meter, verdict: 'pass' });
const fail = (meter: string): Check => ({ meter, verdict: 'fail', leaked: 3 });
const allPass = coreMeters.connections.map(pass);
const result = (checks: Check[]): ScenarioResult => ({ name: 's', verdict: 'pass', connections: 1, durationMs: 1, checks });
const verdictOf = (checks: Check[], skip: string[] = []) => finalizeScenario(result(checks), coreMeters.connections, new Set(skip));

describe('the unmeasured-check policy', () => {
  it.each([
    ['every core check measured and passed', allPass, [], 'pass'],
    ['one failed', [...allPass.slice(0, 3), fail('heap')], [], 'fail'],
    ['heap missing', allPass.slice(0, 3), [], 'error'],
    ['heap could not measure', [...allPass.slice(0, 3), unmeasured('heap', 'no GC')], [], 'error'],
    [
      'heap skipped without saying why (an old producer)',
      [...allPass.slice(0, 3), { meter: 'heap', verdict: 'skipped', reason: 'few samples' } as Check],
      [],
      'error',
    ],
    ['heap turned off by the user', allPass.slice(0, 3), ['heap'], 'pass'],
    ['a failing heap turned off by the user', [...allPass.slice(0, 3), fail('heap')], ['heap'], 'pass'],
    ['gauges not applicable', [...allPass, notApplicable('gauges', 'none defined')], [], 'pass'],
    ['a gauge that threw', [...allPass, { meter: 'gauge:streams', verdict: 'error', reason: 'the gauge threw: x' } as Check], [], 'error'],
    ['a failing gauge turned off with gauges', [...allPass, fail('gauge:streams')], ['gauges'], 'pass'],
    ['a failing gauge turned off by name', [...allPass, fail('gauge:streams')], ['gauge:streams'], 'pass'],
    ['a leak and an unmeasured check: the error wins', [fail('timers'), ...allPass.slice(1, 3)], [], 'error'],
  ] as const)('%s: %s', (_name, checks, skip, verdict) => {
    expect(verdictOf([...checks], [...skip]).verdict).toBe(verdict);
  });

  it('says which check did not measure, on the scenario', () => {
    const r = verdictOf(allPass.slice(0, 3));
    expect(r.error).toEqual({ code: 'SSE_SOAK_UNMEASURED', message: 'heap: could not measure: no reading was taken', phase: 'measure' });
  });

  it('shows a check turned off as skipped by the user, never silently', () => {
    const checks = applyCheckPolicy([...allPass.slice(0, 3), fail('heap')], coreMeters.connections, new Set(['heap']));
    expect(checks.find((c) => c.meter === 'heap')).toEqual({
      meter: 'heap',
      verdict: 'skipped',
      skippedBy: 'user',
      reason: 'turned off (--skip-check heap)',
    });
  });

  it('keeps a scenario error as it is', () => {
    const r = finalizeScenario(
      { ...result([]), verdict: 'error', error: { code: 'X', message: 'hung', phase: 'measure' } },
      coreMeters.connections,
      new Set(),
    );
    expect(r).toMatchObject({ verdict: 'error', error: { message: 'hung' } });
  });

  it('sigterm has its own core checks', () => {
    const checks = [pass('exit'), pass('streams-ended'), pass('timers'), pass('process-listeners')];
    expect(finalizeScenario(result(checks), coreMeters.process, new Set()).error?.message).toMatch(/^sockets: could not measure/);
  });

  it('validates --skip-check names', () => {
    expect(validateSkipChecks(['heap', 'gauge:streams', 'heap'])).toEqual(['heap', 'gauge:streams']);
    expect(() => validateSkipChecks(['heep'])).toThrow(/unknown check 'heep'/);
  });
});
