import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultScenarios, scenarios } from '../scenarios/index.ts';
import { executeRun } from '../src/harness/execute-run.ts';
import { packageRoot } from '../src/package-info.ts';
import type { Report } from '../src/report/report.ts';
import { runBinary } from './run-binary.ts';

/**
 * Never cry wolf on what real servers own per process. Each clean target passes every
 * scenario five runs in a row, through the binary (sigterm in its own child): a module-level
 * sweeper that re-arms its setTimeout, a metrics interval and a process hook started lazily
 * on the first request, and a target that exits from its own SIGTERM handler. The counts
 * are exact, so small runs suffice; the heap check is turned off here (it is proven clean by
 * test/false-positives.test.ts, ten default runs) and the reports say so.
 */
const RUNS = 5;
const targets = ['sweeper', 'lazy-process-state', 'self-exit'];
const config = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-clean-'));
  const file = path.join(dir, 'sse-soak.config.mjs');
  writeFileSync(
    file,
    "export default { connections: 60, skipChecks: ['heap'], settings: { warmup: 20, scenarioWarmup: 10, sigtermMix: 40, sigtermOpen: 10 } };\n",
  );
  return { dir, file };
};

describe('clean targets with per-process state pass every scenario, five runs in a row', () => {
  it(`${targets.join(', ')}: ${RUNS} runs each`, async () => {
    // The three targets run side by side, each its own process; the runs of one target follow each other.
    const outcomes = await Promise.all(
      targets.map(async (name) => {
        const { dir, file } = config();
        const lines: string[] = [];
        for (let i = 0; i < RUNS; i++) {
          const { code, stdout, stderr } = await runBinary([
            'run',
            '--target',
            `test/fixtures/clean/${name}.ts`,
            '--config',
            file,
            '--report-dir',
            dir,
          ]);
          const report = code === 0 || code === 1 ? (JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report) : undefined;
          expect(report?.scenarios.map((s) => s.name) ?? [], stderr).toEqual(defaultScenarios.map((s) => s.name));
          lines.push(`${name} run ${i + 1}: exit ${code}${code === 0 ? '' : `\n${stderr}`}`);
        }
        return lines;
      }),
    );
    const failed = outcomes.flat().filter((l) => !/exit 0$/.test(l));
    expect(failed, outcomes.flat().join('\n')).toEqual([]);
  }, 300_000);

  it('the self-exiting target is judged on its exit; its counts at process.exit() are moot, and the report says why', async () => {
    const report = await executeRun(scenarios, {
      target: 'test/fixtures/clean/self-exit.ts',
      scenarios: ['sigterm'],
      cwd: packageRoot,
      settings: { sigtermMix: 20, sigtermOpen: 5 },
    });
    const sigterm = report.scenarios[0]!;
    expect(sigterm.verdict).toBe('pass');
    expect(sigterm.checks.find((c) => c.meter === 'exit')).toMatchObject({ verdict: 'pass' });
    for (const meter of ['timers', 'process-listeners', 'sockets']) {
      expect(sigterm.checks.find((c) => c.meter === meter)).toMatchObject({
        verdict: 'skipped',
        skippedBy: 'not-applicable',
        reason: expect.stringMatching(
          /^not applicable: the target ended the process itself \(exit code 0 \d+ ms after SIGTERM, from its own SIGTERM handler\) before its event loop emptied; at exit it held \d+ timers/,
        ),
      });
    }
  });
});

describe("the endless loop of hono's streaming docs", () => {
  it('fails every scenario where a client leaves a running loop, one leaked chain per connection at most', async () => {
    // Through the binary: leak sites are the fixture's TypeScript lines, source-mapped by Node
    // (vitest's own stack mapping does not know modules that tsx loaded).
    const { dir, file } = config();
    writeFileSync(
      file,
      "export default { connections: 60, skipChecks: ['heap'], settings: { warmup: 20, sigtermMix: 20, sigtermOpen: 5, sigtermGraceMs: 2000, sigtermDrainMs: 200 } };\n",
    );
    const { code, stdout, stderr } = await runBinary([
      'run',
      '--target',
      'test/fixtures/leaky/docs-loop.ts',
      '--config',
      file,
      '--report-dir',
      dir,
      '--json',
    ]);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout) as Report;
    const byName = Object.fromEntries(report.scenarios.map((s) => [s.name, s]));
    const site = `test/fixtures/leaky/docs-loop.ts:${
      readFileSync(path.join(packageRoot, 'test/fixtures/leaky/docs-loop.ts'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('await stream.sleep(')) + 1
    }`;
    for (const name of ['clean-close', 'socket-destroy', 'idle-kill', 'pre-aborted']) {
      const s = byName[name]!;
      const timers = s.checks.find((c) => c.meter === 'timers')!;
      expect(s.verdict, name).toBe('fail');
      // Every loop re-armed its sleep many times over the run: still one leak each.
      expect(timers.leaked, name).toBeGreaterThan(0);
      expect(timers.leaked, name).toBeLessThanOrEqual(s.connections);
      expect(
        timers.sites!.map((x) => x.site),
        name,
      ).toEqual([site]);
    }
    for (const name of ['clean-close', 'socket-destroy', 'idle-kill'])
      expect(byName[name]!.checks.find((c) => c.meter === 'timers')!.leaked, name).toBe(60);
    expect(byName.sigterm!.verdict).toBe('fail');
    expect(byName.sigterm!.checks.find((c) => c.meter === 'exit')!.reason).toContain(`setTimeout at ${site}`);
    // In-process with a body nobody reads, the loop stalls on its first write and is collected: no leak to report.
    expect(byName['aborted-request']!.verdict).toBe('pass');
  }, 120_000);
});
