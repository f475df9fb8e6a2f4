import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultScenarios, scenarios } from '../scenarios/index.ts';
import { executeRun } from '../src/harness/execute-run.ts';
import type { Report, ScenarioResult } from '../src/report/report.ts';
import { checkOf, countsOnlyConfig, leaksAt, setupKillsOnly } from './report-checks.ts';
import { runBinary } from './run-binary.ts';

/**
 * Servers that are not fetch handlers, as `listener` targets served by node:http: Express 5,
 * Fastify 5 (`fastify.routing` after `ready()`) and a plain node:http handler, each clean and
 * leaky, through the binary with every scenario that applies (`aborted-request` needs a fetch
 * handler and is left out, and the report says so). Leaky ones fail exactly where their
 * mechanism leaks, at the line in the server file, with the leaked timers equal to the
 * server's own listener gauge. Counts only and small runs (the heap is on in one default run
 * of a clean one below).
 */
const { dir, file: config } = countsOnlyConfig('listeners');

const check = checkOf;
// Every connection of the three that establish leaks; of pre-aborted's, every one that
// reached the handler (a client that resets at once can take its unread request with it).
const wire = ['clean-close', 'socket-destroy', 'idle-kill', 'pre-aborted'];

const servers: { fixture: string; fails: Record<string, (s: ScenarioResult) => void>; heap?: true }[] = [
  { fixture: 'express-clean', fails: {} },
  // res.on('finish') fires only when the response ends: never for a client that went away.
  { fixture: 'express-leaky', fails: Object.fromEntries(wire.map((n) => [n, leaksAt('servers/express-app.ts', n !== 'pre-aborted')])) },
  { fixture: 'fastify-clean', fails: {} },
  // onResponse hooks never run for a hijacked reply.
  { fixture: 'fastify-leaky', fails: Object.fromEntries(wire.map((n) => [n, leaksAt('servers/fastify-app.ts', n !== 'pre-aborted')])) },
  { fixture: 'node-http-clean', fails: {} },
  // req.on('close') added after the await misses the clients that left during it.
  { fixture: 'node-http-leaky', fails: { 'pre-aborted': leaksAt('servers/node-http-server.mjs', false), 'idle-kill': setupKillsOnly } },
];

describe('node:http listener targets: Express, Fastify and plain node:http, through the binary', () => {
  it(`${servers.map((s) => s.fixture).join(', ')}; and express-clean with the heap check on`, async () => {
    const queue: { fixture: string; fails: Record<string, (s: ScenarioResult) => void>; heap?: true }[] = [
      ...servers,
      { fixture: 'express-clean', fails: {}, heap: true },
    ];
    const failures: string[] = [];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const { code, stdout, stderr } = await runBinary([
          'run',
          '--target',
          `test/fixtures/servers/${job.fixture}.ts`,
          ...(job.heap ? [] : ['--config', config]),
          '--report-dir',
          dir,
        ]);
        try {
          const failing = Object.keys(job.fails);
          expect(code, stderr).toBe(failing.length ? 1 : 0);
          const report = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report;
          expect(report.target.adapter).toEqual({ name: 'node:http', version: process.versions.node });
          expect(report.omitted).toEqual([{ scenario: 'aborted-request', reason: expect.stringMatching(/node:http listener/) }]);
          expect(report.scenarios.map((s) => s.name)).toEqual(defaultScenarios.map((s) => s.name).filter((n) => n !== 'aborted-request'));
          for (const s of report.scenarios) {
            const expectation = job.fails[s.name];
            if (expectation) expectation(s);
            else
              expect(
                s.verdict,
                `${job.fixture} ${s.name}: ${JSON.stringify(s.error ?? s.checks.filter((c) => c.verdict !== 'pass'))}`,
              ).toBe('pass');
          }
          if (job.heap)
            expect(report.scenarios.filter((s) => s.name !== 'sigterm').every((s) => check(s, 'heap').verdict === 'pass')).toBe(true);
          expect(stderr).toMatch(/on node:http \(a request listener\)/);
          expect(stderr).toMatch(/aborted-request left out: the target is a node:http listener/);
        } catch (error) {
          failures.push(`${job.fixture}${job.heap ? ' (heap)' : ''}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures).toEqual([]);
  }, 300_000);

  it('asking for aborted-request on a listener target is a usage error that says why', async () => {
    await expect(
      executeRun(scenarios, {
        target: { path: '/events', listener: (_req, res) => res.end() },
        scenarios: ['aborted-request'],
      }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^scenario 'aborted-request' cannot run: the target is a node:http listener/),
    });
  });

  it('a target with both fetch and listener, or neither, is a usage error naming the fields', async () => {
    const fetch = () => new Response(null);
    await expect(executeRun(scenarios, { target: { path: '/e', fetch, listener: () => {} } })).rejects.toThrow(
      /give 'fetch' or 'listener', not both/,
    );
    await expect(executeRun(scenarios, { target: { path: '/e' } as never })).rejects.toThrow(/it needs 'fetch' .* or 'listener'/);
  });
});
