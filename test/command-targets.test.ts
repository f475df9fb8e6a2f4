import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-info.ts';
import type { Report, ScenarioResult } from '../src/report/report.ts';
import type { SoakReport } from '../src/soak/soak-report.ts';
import { checkOf, countsOnlyConfig, leaksAt, setupKillsOnly } from './report-checks.ts';
import { runBinary, runReport, twoQuickScenarios } from './run-binary.ts';

/**
 * Users' own servers started as commands (`run --path /events -- node server.js`), each with
 * sse-soak's agent preloaded through NODE_OPTIONS: plain node:http in JavaScript, and Express 5,
 * Fastify 5 and a Hono app on its own `serve()`, each in TypeScript through
 * `node --import tsx` (the user's NODE_OPTIONS and flags kept). Leaky ones fail exactly where
 * their mechanism leaks, at the line in the user's file; clean ones pass every scenario,
 * sigterm included (SIGTERM to the server's own process). Then every way a command goes wrong:
 * one line, the documented exit code, and no process left.
 */
const { dir, file: config } = countsOnlyConfig('commands');
const marker = `sse-soak-test-${process.pid}`;

const check = checkOf;
// Every connection of the three that establish leaks; of pre-aborted's, every one that
// reached the handler (a client that resets at once can take its unread request with it).
const wire = ['clean-close', 'socket-destroy', 'idle-kill', 'pre-aborted'];
const tsx = ['node', '--import', 'tsx'];
/** A server command of one line of JavaScript, given 1.5 s to listen. */
const listensBriefly = (script: string) => ['--path', '/events', '--listen-timeout', '1500', '--', 'node', '-e', script, marker];

interface Job {
  name: string;
  path: string;
  command: string[];
  fails: Record<string, (s: ScenarioResult) => void>;
  args?: string[];
  heap?: true;
  /** More to check of scenarios that pass. */
  passes?: Record<string, (s: ScenarioResult) => void>;
}
const jobs: Job[] = [
  {
    // The opt-in server-close, through the end() the server registered with the agent.
    name: 'node:http, server-close through its registered end()',
    path: '/events',
    command: ['node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth'],
    args: ['--scenario', 'server-close'],
    fails: {},
  },
  {
    // An HTTP/2 server (gRPC's kind) listens first; the SSE server is still the one measured.
    name: 'node:http, close listener before the auth await, an HTTP/2 server listening first',
    path: '/events',
    command: ['node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', 'h2-first'],
    fails: {},
  },
  {
    name: 'node:http, close listener after the auth await',
    path: '/events',
    command: ['node', 'test/fixtures/servers/node-http-server.mjs', 'after-auth'],
    fails: { 'pre-aborted': leaksAt('servers/node-http-server.mjs', false), 'idle-kill': setupKillsOnly },
  },
  { name: 'Express, cleanup on close', path: '/events', command: [...tsx, 'test/fixtures/servers/express-server.ts', 'close'], fails: {} },
  {
    name: 'Express, cleanup on finish',
    path: '/events',
    command: [...tsx, 'test/fixtures/servers/express-server.ts', 'finish'],
    fails: Object.fromEntries(wire.map((n) => [n, leaksAt('servers/express-app.ts', n !== 'pre-aborted')])),
  },
  { name: 'Fastify, raw close', path: '/events', command: [...tsx, 'test/fixtures/servers/fastify-server.ts', 'raw-close'], fails: {} },
  {
    name: 'Fastify, onResponse on a hijacked reply',
    path: '/events',
    command: [...tsx, 'test/fixtures/servers/fastify-server.ts', 'on-response'],
    fails: Object.fromEntries(wire.map((n) => [n, leaksAt('servers/fastify-app.ts', n !== 'pre-aborted')])),
  },
  {
    name: 'Hono on its own serve(), cleanup on the signal too',
    path: '/stream',
    command: [...tsx, 'test/fixtures/servers/hono-server.ts', 'both'],
    fails: {},
  },
  {
    name: 'Hono on its own serve(), cleanup on onAbort only',
    path: '/stream',
    command: [...tsx, 'test/fixtures/servers/hono-server.ts', 'on-abort'],
    fails: { 'pre-aborted': leaksAt('shapes/shape-app.ts', false), 'idle-kill': setupKillsOnly },
  },
  {
    name: 'node:http that only stops accepting on SIGTERM',
    path: '/events',
    command: ['node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', 'close-only'],
    args: ['--scenario', 'sigterm'],
    fails: {
      sigterm: (s) => {
        expect(s.verdict).toBe('fail');
        expect(check(s, 'exit').reason).toMatch(
          /^did not exit within 5000 ms of SIGTERM and was killed; kept alive by 10 × setInterval at test\/fixtures\/servers\/node-http-server\.mjs:\d+/,
        );
        expect(check(s, 'streams-ended').leaked).toBe(10);
        expect(check(s, 'timers').leaked).toBe(10);
      },
    },
  },
  {
    // A metrics server listens first; the program names its SSE server to the agent
    // (globalThis.sseSoak?.measure), which measures that one. Unnamed, the preflight meets
    // the metrics server.
    name: 'node:http that names its SSE server, a metrics server listening first',
    path: '/events',
    command: ['node', 'test/fixtures/servers/metrics-first.mjs', 'named'],
    args: ['--scenario', 'pre-aborted'],
    fails: { 'pre-aborted': leaksAt('servers/node-http-server.mjs', false) },
  },
  {
    // Behind Express's compression, flushed after every event: the clients that accept gzip
    // (fetch, EventSource) read it compressed, the raw ones plain.
    name: 'Express behind compression, flushed after every event',
    path: '/events',
    command: [...tsx, 'test/fixtures/servers/express-compressed.ts', 'flush'],
    args: ['--scenario', 'clean-close,socket-destroy'],
    fails: {},
  },
  {
    // Ends by raising SIGTERM again once its handler is gone, as NestJS's enableShutdownHooks
    // does after its hooks: no 'exit' event, the signal ends it. Judged on that exit.
    name: 'node:http that re-raises SIGTERM after its shutdown',
    path: '/events',
    command: ['node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', 'reraise'],
    args: ['--scenario', 'sigterm'],
    fails: {},
    passes: {
      sigterm: (s) => {
        expect(check(s, 'exit').details).toMatchObject({ reraised: 'SIGTERM' });
        expect(check(s, 'timers').reason).toMatch(
          /^not applicable: the target ended the process itself \(by raising SIGTERM again \d+ ms after SIGTERM/,
        );
      },
    },
  },
  {
    // Its writes ignore res.write()'s false: what a stalled client does not read waits in
    // the socket's own buffer, through the agent's readings.
    name: 'Express, a stalled reader',
    path: '/events',
    command: [...tsx, 'test/fixtures/servers/express-server.ts', 'close'],
    args: ['--scenario', 'stalled-reader'],
    fails: {
      'stalled-reader': (s) => {
        expect(s.checks.filter((c) => c.verdict === 'fail').map((c) => c.meter)).toEqual(['stall']);
        expect(check(s, 'stall').ci95![0]).toBeGreaterThan(check(s, 'stall').limit!);
      },
    },
  },
  {
    // Drops a full socket's events until it drains: backed up, and holding nothing more.
    name: 'node:http that respects backpressure, a stalled reader',
    path: '/events',
    command: ['node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', 'backpressure'],
    args: ['--scenario', 'stalled-reader'],
    fails: {},
  },
  {
    // Behind a one-time token per connection: --request's function gets one from POST /session
    // for every stream, the preflight's, sigterm's and every scenario's.
    name: 'node:http behind a one-time token per connection, made by --request',
    path: '/events',
    command: ['node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', 'sessions'],
    args: ['--request', 'test/fixtures/servers/session-request.mjs'],
    fails: {},
  },
  {
    name: 'Express, cleanup on close, default settings (heap on)',
    path: '/events',
    command: [...tsx, 'test/fixtures/servers/express-server.ts', 'close'],
    fails: {},
    heap: true,
  },
];

const processesLeft = () => {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};

describe('servers started as commands, through the binary', () => {
  it(jobs.map((j) => j.name).join('; '), async () => {
    const queue = [...jobs];
    const failures: string[] = [];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const { code, stdout, stderr } = await runBinary([
          'run',
          ...(job.heap ? [] : ['--config', config]),
          ...(job.args ?? []),
          '--report-dir',
          dir,
          '--path',
          job.path,
          '--',
          ...job.command,
        ]);
        try {
          expect(code, stderr).toBe(Object.keys(job.fails).length ? 1 : 0);
          const report = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report;
          expect(report.target).toMatchObject({ source: 'command', command: job.command });
          for (const s of report.scenarios) {
            const expectation = job.fails[s.name];
            if (expectation) expectation(s);
            else {
              expect(s.verdict, `${s.name}: ${JSON.stringify(s.error ?? s.checks.filter((c) => c.verdict !== 'pass'))}`).toBe('pass');
              job.passes?.[s.name]?.(s);
            }
          }
          if (job.args?.includes('--request'))
            expect(report.target.request).toMatchObject({ method: 'GET', headers: ['accept', 'authorization'], perConnection: true });
          if (!job.args || job.args.includes('--request')) {
            expect(report.scenarios.map((s) => s.name)).toEqual(['clean-close', 'socket-destroy', 'idle-kill', 'pre-aborted', 'sigterm']);
            expect(report.omitted).toEqual([{ scenario: 'aborted-request', reason: expect.stringMatching(/runs as a command/) }]);
          }
          if (job.args?.includes('server-close')) {
            const [s] = report.scenarios;
            expect(s!.name).toBe('server-close');
            expect(s!.stats?.endedByServer).toBe(s!.connections);
          }
          if (job.args?.includes('stalled-reader') && !job.fails['stalled-reader'])
            expect(check(report.scenarios[0]!, 'stall').details).toMatchObject({ kind: 'backed-up', closedDuring: 0 });
          if (job.heap)
            expect(report.scenarios.filter((s) => s.name !== 'sigterm').every((s) => check(s, 'heap').verdict === 'pass')).toBe(true);
          expect(stderr).toMatch(/on its own process \(pid \d+, 127\.0\.0\.1:\d+\), node v/);
        } catch (error) {
          failures.push(`${job.name}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures).toEqual([]);
  }, 300_000);

  it.each([
    [
      'a command that is not found',
      ['--path', '/events', '--', `no-such-command-${marker}`],
      2,
      /^sse-soak: error: command not found: no-such-command-/,
    ],
    [
      'a server that exits before it listens',
      ['--path', '/events', '--', 'node', '-e', "console.error('missing DATABASE_URL'); process.exit(4)", marker],
      3,
      /exited \(code 4\) before its server listened; its stderr: missing DATABASE_URL; the target's output \(1 line\): /,
    ],
    [
      // Express's compression middleware holds a stream's bytes, headers included, until its
      // buffer fills, for a client that accepts gzip as browsers do.
      'a server whose compression holds its events back',
      ['--path', '/events', '--', ...tsx, 'test/fixtures/servers/express-compressed.ts', marker],
      3,
      /preflight: GET \/events sent its first event at once, but asked as browsers and fetch ask \(accept-encoding: gzip, deflate, br\) it answered nothing, not even its headers, within 1000 ms: compression holds the stream's bytes back until its buffer fills; flush after every event/,
    ],
    ['a server that never listens', listensBriefly('setInterval(() => {}, 1000)'), 3, /its server did not listen within 1500 ms/],
    [
      // It did listen, but not with anything sse-soak's plain HTTP/1.1 clients can reach.
      'a server that listens only with HTTPS',
      listensBriefly("require('node:https').createServer().listen(+process.env.PORT)"),
      3,
      /its server did not listen within 1500 ms: the only servers it started were HTTPS \(node:https\) on port \d+, which sse-soak cannot reach: its clients speak HTTP\/1\.1, without TLS, over TCP/,
    ],
    [
      'a server that listens only with HTTP/2',
      listensBriefly("require('node:http2').createServer().listen(+process.env.PORT)"),
      3,
      /its server did not listen within 1500 ms: the only servers it started were HTTP\/2 without TLS \(node:http2 createServer\) on port \d+, which sse-soak cannot reach/,
    ],
    [
      // Behind nginx, a server may listen on a UNIX socket instead of a port.
      'a server that listens only on a UNIX socket',
      listensBriefly("require('node:http').createServer().listen(require('node:os').tmpdir() + '/sse-soak-' + process.pid + '.sock')"),
      3,
      /its server did not listen within 1500 ms: the only servers it started were HTTP \(node:http\) on the UNIX socket \/\S+\.sock, which sse-soak cannot reach/,
    ],
    [
      'a path that answers 404',
      ['--path', '/nope', '--', 'node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', marker],
      3,
      /preflight: GET \/nope answered 404, not 200/,
    ],
    ['a command with no --path', ['--', 'node', 'server.js'], 2, /a server command needs --path <the SSE endpoint>/],
    [
      'an endpoint that wants a token, with none given',
      ['--path', '/events', '--', 'node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', 'sessions', marker],
      3,
      /preflight: GET \/events answered 401, not 200: the endpoint wants credentials; give them with --header .* or with --request <module>/,
    ],
    [
      '--request and --header together',
      ['--request', 'r.mjs', '--header', 'a: b', '--path', '/events', '--', 'node', 'server.js'],
      2,
      /give --request <module> or --method\/--header\/--body, not both/,
    ],
    [
      'a --request module that does not exist',
      ['--request', 'no-such-request.mjs', '--path', '/events', '--', 'node', 'server.js'],
      2,
      /--request no-such-request\.mjs: no such file/,
    ],
    [
      'a --request module whose default export is neither a request nor a function',
      ['--request', 'test/fixtures/servers/express-app.ts', '--path', '/events', '--', 'node', 'server.js'],
      2,
      /--request test\/fixtures\/servers\/express-app\.ts: its default export must be the request .* not missing/,
    ],
    [
      '--target and a command',
      ['--target', 'reference', '--path', '/e', '--', 'node', 'server.js'],
      2,
      /give --target or a server command after --, not both/,
    ],
  ] as const)('%s: one line, the documented exit code, nothing left running', async (_name, args, exit, message) => {
    const { code, stderr } = await runBinary(['run', '--report-dir', dir, ...args]);
    expect(code, stderr).toBe(exit);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(processesLeft()).toBe('');
  });

  it('a server that crashes when a client goes away: the scenario names the exit and what it threw, the rest are not run, exit 3', async () => {
    const crashing = ['--path', '/events', '--', 'node', 'test/fixtures/crash/crash-on-disconnect.mjs', marker];
    const { code, stderr, report } = await runReport([...twoQuickScenarios, ...crashing]);
    expect(code, stderr).toBe(3);
    const [crashed, after] = report.scenarios;
    expect(crashed!.error).toMatchObject({ code: 'SSE_SOAK_SERVER_EXITED' });
    // Node's own crash report names the error and the line; its last lines ("Node.js v20...") do not.
    expect(crashed!.error!.message).toMatch(
      /^the server \(pid \d+\) exited \(code 1\) (during|before) clean-close: it threw and nothing caught it \(an unhandled rejection\): AbortError: The operation was aborted at test\/fixtures\/crash\/crash-on-disconnect\.mjs:\d+$/,
    );
    // Before, when the preflight's own disconnect had already ended it.
    expect(after!.error).toMatchObject({ code: 'SSE_SOAK_SERVER_EXITED' });
    expect(after!.error!.message).toMatch(/^not run: the server exited (during|before) clean-close$/);
    expect(stderr).not.toMatch(/ECONNREFUSED/);
    expect(processesLeft()).toBe('');

    // The same crash when the signal is relayed through a web Request (tRPC's node-http
    // adapter does this): the AbortError's ten frames are all Node's, and its cause names the line.
    const relayed = await runReport([...twoQuickScenarios, ...crashing, 'relayed']);
    expect(relayed.report.scenarios[0]!.error!.message).toMatch(
      /: it threw and nothing caught it \(an unhandled rejection\): AbortError: The operation was aborted \(its cause, AbortError: This operation was aborted, at test\/fixtures\/crash\/crash-on-disconnect\.mjs:\d+\)$/,
    );

    // A soak of it: the preflight's own disconnect ends the server before the churn; the
    // report says so, as run's does (it used to stop with one line and no report).
    const soak = await runBinary(['soak', '--report-dir', dir, '--connections', '200', ...crashing]);
    expect(soak.code, soak.stderr).toBe(3);
    const soakReport = JSON.parse(readFileSync(soak.stdout.trim(), 'utf8')) as SoakReport;
    expect(soakReport.verdict).toBe('error');
    expect(soakReport.scenarios[0]!.error).toMatchObject({ code: 'SSE_SOAK_SERVER_EXITED' });
    expect(soakReport.scenarios[0]!.error!.message).toMatch(
      /^the server \(pid \d+\) exited \(code 1\) (before the churn|during the soak|during the churn \([a-z-]+\)): it threw and nothing caught it \(an unhandled rejection\): AbortError: The operation was aborted at test\/fixtures\/crash\/crash-on-disconnect\.mjs:\d+$/,
    );
    expect(processesLeft()).toBe('');
  });

  it("a server that dies with the agent's calls unread (a reset, not a close): the scenario names the exit, exit 3, and sse-soak does not crash", async () => {
    // Seen against a real tRPC server: the reset reached sse-soak as an 'error' on the agent's
    // socket with no listener, and ended it with exit 1 (read as "a leak was found") and no report.
    const { code, stderr, report } = await runReport([
      '--scenario',
      'socket-destroy',
      '--path',
      '/events',
      '--',
      'node',
      'test/fixtures/crash/die-on-publish.mjs',
      marker,
    ]);
    expect(code, stderr).toBe(3);
    expect(stderr).not.toMatch(/ECONNRESET/);
    expect(report.scenarios[0]!.error).toMatchObject({ code: 'SSE_SOAK_SERVER_EXITED' });
    expect(report.scenarios[0]!.error!.message).toMatch(/^the server \(pid \d+\) exited \(signal SIGKILL\) during socket-destroy/);
    expect(processesLeft()).toBe('');
  });

  it("a node:cluster server: its worker's counts still catch the leak; its heap is not judged, and the report says why", async () => {
    const { code, stderr, report } = await runReport([
      '--scenario',
      'pre-aborted',
      '--path',
      '/events',
      '--',
      'node',
      'test/fixtures/servers/cluster-server.mjs',
      '2',
      marker,
    ]);
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/on its own process \(pid \d+, [\d.]+:\d+\), a node:cluster worker, node v/);
    const [s] = report.scenarios;
    expect(check(s!, 'timers')).toMatchObject({ verdict: 'fail' });
    expect(check(s!, 'timers').leaked).toBeGreaterThan(0);
    expect(check(s!, 'heap')).toMatchObject({
      verdict: 'error',
      reason: expect.stringMatching(/^could not measure: the server is a node:cluster worker/),
    });
    expect(s!.decision).toMatchObject({ heap: 'not-measured', heapSamples: 0 });
    expect(processesLeft()).toBe('');
  });

  it('an agent that cannot load (the command runs a Node too old): one line, exit 3, nothing left running', async () => {
    const { code, stderr } = await runBinary(
      ['run', '--report-dir', dir, '--path', '/events', '--', 'node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', marker],
      { env: { NODE_OPTIONS: '--import=./test/fixtures/servers/as-node-18.mjs' } },
    );
    expect(code, stderr).toBe(3);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/sse-soak's agent could not load: the agent needs Node 20\.19 or later; this process runs Node v18\.20\.4/);
    expect(processesLeft()).toBe('');
  });

  it('Ctrl-C mid-run: exit 130, a report that says so, and the server gone', async () => {
    const { code, stdout } = await runBinary(
      ['run', '--report-dir', dir, '--path', '/events', '--', 'node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', marker],
      {
        onStderr: (text, child) => {
          if (/PASS\s+clean-close/.test(text) && !child.killed) child.kill('SIGINT');
        },
      },
    );
    expect(code).toBe(130);
    expect((JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report).interrupted).toBe(true);
    expect(processesLeft()).toBe('');
  });

  it('sse-soak killed outright (SIGKILL, no cleanup of its own): its server does not outlive it', async () => {
    await runBinary(
      ['run', '--report-dir', dir, '--path', '/events', '--', 'node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', marker],
      {
        onStderr: (text, child) => {
          if (/PASS\s+clean-close/.test(text) && !child.killed) child.kill('SIGKILL');
        },
      },
    );
    // The agent sees its socket close and ends its process.
    const until = Date.now() + 3_000;
    while (processesLeft() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(processesLeft()).toBe('');
  });

  it('soak: a clean server as a command passes, with heap snapshots its agent took in its own process; a leaky one fails at its line', async () => {
    const snaps = path.join(dir, 'command-snaps');
    const soak = (args: string[], command: string[]) =>
      runBinary([
        'soak',
        '--connections',
        '1500',
        '--sample-every',
        '50',
        '--json',
        '--report-dir',
        dir,
        ...args,
        '--path',
        '/events',
        '--',
        ...command,
      ]);
    const [clean, leaky] = await Promise.all([
      soak(['--snapshots', snaps], ['node', 'test/fixtures/servers/node-http-server.mjs', 'before-auth', marker]),
      soak(['--snapshots', `${snaps}-leaky`], [...tsx, 'test/fixtures/servers/express-server.ts', 'finish', marker]),
    ]);
    expect(clean.code, clean.stderr).toBe(0);
    const passed = JSON.parse(clean.stdout) as SoakReport;
    expect(passed.target).toMatchObject({ source: 'command' });
    expect(passed.omitted?.[0]?.scenario).toBe('aborted-request');
    // The server's heap alone (a few MB), not sse-soak's.
    expect(passed.snapshots!.files.map((f) => path.basename(f.file))).toEqual(['1-warmup.heapsnapshot', '2-end.heapsnapshot']);
    expect(passed.snapshots!.files[0]!.bytes).toBeLessThan(20_000_000);
    expect(passed.snapshots!.diff).toBeDefined();
    // The --open streams (10) opened in steps: memory read in the server's process by its
    // agent, fan-out timed from the agent's publish to every held stream.
    expect(passed.capacity).toMatchObject({ asked: 10, held: 10, keptUpTo: 10 });
    expect(passed.capacity!.steps.map((s) => s.fanout?.missed ?? 0)).toEqual(Array(9).fill(0));
    expect(passed.capacity!.steps[0]!.heapUsed).toBeLessThan(20_000_000);
    expect(leaky.code, leaky.stderr).toBe(1);
    const failed = JSON.parse(leaky.stdout) as SoakReport;
    const growth = failed.scenarios[0]!.checks.find((c) => c.meter === 'heap-growth')!;
    expect(growth.verdict).toBe('fail');
    expect(checkOf(failed.scenarios[0]!, 'timers').sites![0]!.site).toMatch(/^test\/fixtures\/servers\/express-app\.ts:\d+$/);
    // Who holds it, in the server's own heap, with its closures' lines mapped by its agent
    // through the source maps tsx keeps in that process (unmapped, every one read as line 1).
    const [held] = failed.snapshots!.diff!.retainers!.clusters;
    const at = /^test\/fixtures\/servers\/express-app\.ts:(\d+)$/.exec(held!.path.at(-1)!.site ?? '');
    expect(at, JSON.stringify(held)).not.toBeNull();
    const source = readFileSync(path.join(packageRoot, 'test/fixtures/servers/express-app.ts'), 'utf8').split('\n');
    expect(source[Number(at![1]) - 1], `line ${at![1]}`).toMatch(/=>|function/);
    expect(processesLeft()).toBe('');
  });
});
