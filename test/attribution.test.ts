import { describe, expect, it } from 'vitest';
import { scenarios } from '../scenarios/index.ts';
import { executeRun } from '../src/harness/execute-run.ts';
import { packageRoot } from '../src/package-info.ts';
import { lineOf } from './report-checks.ts';

describe('timer attribution', () => {
  it("names the line that created a leaked interval, and the variant's line that called it", async () => {
    const report = await executeRun(scenarios, {
      target: 'reference:cancel-only',
      scenarios: ['pre-aborted'],
      cwd: packageRoot,
      settings: { connections: 80, warmup: 20 },
      skipChecks: ['heap'],
    });
    const timers = report.scenarios[0]!.checks.find((c) => c.meter === 'timers')!;
    expect(timers.verdict).toBe('fail');
    expect(timers.sites).toHaveLength(1);
    expect(timers.sites![0]).toMatchObject({
      site: lineOf('src/reference/stream-session.ts', 'setInterval('),
      kind: 'setInterval',
      count: timers.leaked,
    });
    expect(timers.sites![0]!.via![0]).toBe(lineOf('src/reference/variants/cancel-only.ts', 'startSession('));
  });

  it('names the line in the variant when the variant creates the timer itself', async () => {
    const report = await executeRun(scenarios, {
      target: 'reference:heartbeat-after-setup',
      scenarios: ['pre-aborted'],
      cwd: packageRoot,
      settings: { connections: 130, warmup: 13 },
      skipChecks: ['heap'],
    });
    const timers = report.scenarios[0]!.checks.find((c) => c.meter === 'timers')!;
    expect(timers.verdict).toBe('fail');
    expect(timers.sites!.map((s) => s.site)).toEqual([lineOf('src/reference/variants/heartbeat-after-setup.ts', 'setInterval(')]);
  });

  it('names the line that added a leaked process listener', async () => {
    // The variant leaks 40 SIGTERM listeners into this worker on purpose: Node's warning about
    // more than 10 would be noise in every suite's log.
    const max = process.getMaxListeners();
    process.setMaxListeners(0);
    const report = await executeRun(scenarios, {
      target: 'reference:process-listener',
      scenarios: ['socket-destroy'],
      cwd: packageRoot,
      settings: { connections: 40, warmup: 0 },
      skipChecks: ['heap'],
    }).finally(() => process.setMaxListeners(max));
    const listeners = report.scenarios[0]!.checks.find((c) => c.meter === 'process-listeners')!;
    expect(listeners).toMatchObject({ verdict: 'fail', leaked: 40 });
    expect(listeners.sites).toEqual([
      { site: lineOf('src/reference/variants/process-listener.ts', "process.on('SIGTERM', goodbye)"), count: 40, event: 'SIGTERM' },
    ]);
  });
});
