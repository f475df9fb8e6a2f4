import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-info.ts';
import type { Report } from '../report/report.ts';
import { compareReports, countRose, formatComparison } from './compare-reports.ts';

const load = (name: string) =>
  JSON.parse(readFileSync(path.join(packageRoot, 'test', 'fixtures', 'reports', `${name}.json`), 'utf8')) as Report;
const clone = (r: Report) => structuredClone(r);

describe('compareReports (fixtures from real runs of fixed and cancel-only)', () => {
  it('identical reports pass', () => {
    const c = compareReports(load('fixed'), load('fixed'));
    expect(c.regressions).toEqual([]);
    expect(c.rows.every((r) => r.status === 'same')).toBe(true);
    expect(formatComparison(c)).toMatch(/No regressions\.$/);
  });

  it('a newly failing check fails, with the scenario and check named', () => {
    const c = compareReports(load('fixed'), load('cancel-only'));
    const regressed = c.regressions.map((r) => `${r.scenario}/${r.meter}`);
    expect(regressed).toContain('pre-aborted/timers');
    expect(regressed).toContain('pre-aborted/gauge:listeners');
    expect(regressed).toContain('sigterm/exit');
    expect(formatComparison(c)).toMatch(/\| pre-aborted \| timers \| pass \| fail \+\d+ \| \*\*regressed\*\* \|/);
  });

  it('the reverse is a fix, not a regression', () => {
    const c = compareReports(load('cancel-only'), load('fixed'));
    expect(c.regressions).toEqual([]);
    expect(c.rows.find((r) => r.scenario === 'pre-aborted' && r.meter === 'timers')!.status).toBe('fixed');
  });

  it('a heap slope that moved within its interval passes; one whose interval left the base interval fails', () => {
    const base = load('fixed');
    const noisy = clone(base);
    const heap = (r: Report) => r.scenarios[0]!.checks.find((c) => c.meter === 'heap')!;
    const b = heap(base);
    heap(noisy).bytesPerConnection = b.ci95![1];
    heap(noisy).ci95 = [b.bytesPerConnection!, b.ci95![1] + 300];
    expect(compareReports(base, noisy).regressions).toEqual([]);
    expect(compareReports(base, noisy).rows.find((r) => r.meter === 'heap' && r.scenario === base.scenarios[0]!.name)!.status).toBe(
      'within-noise',
    );

    const risen = clone(base);
    heap(risen).bytesPerConnection = b.ci95![1] + 600;
    heap(risen).ci95 = [b.ci95![1] + 400, b.ci95![1] + 800];
    expect(compareReports(base, risen).regressions.map((r) => r.status)).toEqual(['heap-rose']);
  });

  it('a scenario or check missing in the head is reported and fails; a new one is reported', () => {
    const head = clone(load('fixed'));
    const removed = head.scenarios.pop()!;
    head.scenarios[0]!.checks = head.scenarios[0]!.checks.filter((c) => c.meter !== 'timers');
    const c = compareReports(load('fixed'), head);
    expect(c.regressions.map((r) => [r.scenario, r.meter, r.status])).toEqual([
      [head.scenarios[0]!.name, 'timers', 'missing-in-head'],
      [removed.name, '(scenario)', 'missing-in-head'],
    ]);
    expect(compareReports(head, load('fixed')).rows.filter((r) => r.status === 'new-in-head')).toHaveLength(2);
  });

  const check = (r: Report, scenario: string, meter: string) =>
    r.scenarios.find((s) => s.name === scenario)!.checks.find((c) => c.meter === meter)!;

  it.each([
    [
      'a new failing scenario',
      (h: Report) =>
        h.scenarios.push({
          ...structuredClone(h.scenarios[0]!),
          name: 'aborted-request',
          verdict: 'fail',
          checks: [{ meter: 'timers', verdict: 'fail', leaked: 50 }],
        }),
      ['aborted-request/(scenario)/regressed'],
    ],
    [
      'a new failing check',
      (h: Report) => h.scenarios[0]!.checks.push({ meter: 'gauge:sessions', verdict: 'fail', leaked: 4 }),
      ['clean-close/gauge:sessions/regressed'],
    ],
    [
      'pass to skipped',
      (h: Report) => Object.assign(check(h, 'clean-close', 'heap'), { verdict: 'skipped', skippedBy: 'user', reason: 'turned off' }),
      ['clean-close/heap/regressed'],
    ],
    [
      'pass to error',
      (h: Report) => Object.assign(check(h, 'clean-close', 'timers'), { verdict: 'error', reason: 'could not measure' }),
      ['clean-close/timers/regressed'],
    ],
  ] as const)('%s is a regression', (_name, change, expected) => {
    const head = clone(load('fixed'));
    change(head);
    const c = compareReports(load('fixed'), head);
    expect(c.regressions.map((r) => `${r.scenario}/${r.meter}/${r.status}`)).toEqual(expected);
    expect(formatComparison(c)).not.toMatch(/No regressions/);
  });

  it('a failing count that grew beyond noise is a regression; one within noise is a known failure, always listed', () => {
    const base = load('cancel-only');
    const timers = check(base, 'pre-aborted', 'timers');
    const grown = clone(base);
    check(grown, 'pre-aborted', 'timers').leaked = timers.leaked! * 100;
    expect(compareReports(base, grown).regressions.map((r) => `${r.meter}/${r.status}`)).toContain('timers/count-rose');

    const same = clone(base);
    check(same, 'pre-aborted', 'timers').leaked = timers.leaked! + 3;
    const c = compareReports(base, same);
    expect(c.regressions).toEqual([]);
    expect(c.knownFailures.map((r) => `${r.scenario}/${r.meter}`)).toContain('pre-aborted/timers');
    const text = formatComparison(c);
    expect(text).not.toMatch(/No regressions\./);
    expect(text).toMatch(/No new regressions\.\nStill failing, accepted in the baseline \(not fixed\): .*pre-aborted\/timers/);
  });

  it('scales counts to the connections each run made', () => {
    expect(countRose(5, 400, 500, 400)).toBe(true);
    expect(countRose(208, 400, 230, 400)).toBe(false);
    expect(countRose(200, 400, 400, 800)).toBe(false);
  });
});
