import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultScenarios, scenarios } from '../scenarios/index.ts';
import { executeRun } from '../src/harness/execute-run.ts';
import type { Report, ScenarioResult } from '../src/report/report.ts';
import type { Target } from '../src/target/target.ts';
import { checkOf, countsOnlyConfig, setupKillsOnly } from './report-checks.ts';
import { runBinary } from './run-binary.ts';

/**
 * Every stream and request shape of issue 12, through the binary, with every scenario: a
 * stream quiet at connect (a comment first, headers only, a first event a second late), a
 * POST completion with a JSON body, and a bearer token made fresh for every connection by
 * a request function. Clean ones pass everything; leaky ones fail exactly where their
 * mechanism leaks, with the leaked timers equal to the target's own gauge. The counts are
 * exact, so the runs are small and the heap check is off here (it is proven on the
 * reference server); the reports say so.
 */
const config = countsOnlyConfig('shapes');

const check = checkOf;

interface Shape {
  fixture: string;
  establishment: Report['target']['establishment'] extends infer E ? (E extends { at: infer A } ? A : never) : never;
  request?: Partial<NonNullable<Report['target']['request']>>;
  /** The target has no `publish`: socket-destroy says it went without. */
  noPublish?: true;
  /** The scenarios it fails, each with its own exact expectation; every other one passes. */
  fails?: Record<string, (s: ScenarioResult) => void>;
}

/** Each leaked timer is one the target's gauge counts too. */
const timersMatch = (gauge: string) => (s: ScenarioResult) => {
  const leaked = check(s, `gauge:${gauge}`).leaked!;
  expect(leaked).toBeGreaterThan(0);
  expect(check(s, 'timers').leaked, s.name).toBe(leaked);
};
/** Every measured connection left a completion running. */
const everyConnectionGenerates = (which: 'read' | 'unread' | 'wire-early') => (s: ScenarioResult) => {
  // idle-kill on a loaded machine: a kill that landed before the response is pre-aborted's
  // disconnect (see setupKillsOnly), with its bounds: a fresh clone's suite once saw 4 of
  // 100, then 99 generations and 98 timers.
  if (which === 'read' && (s.stats?.killedBeforeResponse ?? 0) > 0) which = 'wire-early';
  const generations = check(s, 'gauge:generations').leaked!;
  // Over the wire, a client that resets its socket at once can take its unread request with
  // it (the kernel drops it): only the requests that reached the handler generate.
  if (which === 'wire-early') {
    expect(generations, s.name).toBeGreaterThan(0);
    expect(generations, s.name).toBeLessThanOrEqual(s.connections);
  } else expect(generations, s.name).toBe(s.connections);
  // A completion whose body nobody reads waits on its write, with no timer: only the ones
  // that still had a reader re-arm their per-token sleep.
  if (which === 'read') expect(check(s, 'timers').leaked, s.name).toBe(s.connections);
  else expect(check(s, 'timers').leaked ?? 0, s.name).toBeLessThanOrEqual(generations);
};

/** One MCP session left per connection; `pinged`: with @hono/mcp's ping interval too. */
const sessionPerConnection = (pinged: boolean) => (s: ScenarioResult) => {
  expect(check(s, 'gauge:sessions').leaked, s.name).toBe(s.connections);
  expect(check(s, 'timers').leaked ?? 0, s.name).toBe(pinged ? s.connections : 0);
};

const shapes: Shape[] = [
  { fixture: 'shapes/comment-first', establishment: 'response' },
  { fixture: 'shapes/headers-only', establishment: 'response' },
  { fixture: 'shapes/slow-first-event', establishment: 'response' },
  {
    fixture: 'shapes/comment-first-leaky',
    establishment: 'response',
    // @hono/node-server 1.19 never cancels the body of a client that left during the setup
    // await, so `stream.onAbort` never fires for it (DOMAIN.md).
    fails: { 'pre-aborted': timersMatch('listeners'), 'idle-kill': setupKillsOnly, 'aborted-request': timersMatch('listeners') },
  },
  {
    fixture: 'shapes/post-completion',
    noPublish: true,
    establishment: 'first-event',
    request: { method: 'POST', headers: ['accept', 'content-type'], bodyBytes: 33, perConnection: false },
  },
  {
    fixture: 'shapes/post-completion-leaky',
    noPublish: true,
    establishment: 'first-event',
    request: { method: 'POST' },
    fails: {
      'clean-close': everyConnectionGenerates('read'),
      'socket-destroy': everyConnectionGenerates('read'),
      'idle-kill': everyConnectionGenerates('read'),
      'pre-aborted': everyConnectionGenerates('wire-early'),
      'aborted-request': everyConnectionGenerates('unread'),
    },
  },
  // MCP Streamable HTTP on the real @hono/mcp and @modelcontextprotocol/sdk: a request
  // function does the initialize handshake per connection; the stream is the session's GET.
  {
    fixture: 'mcp/mcp-sessions',
    noPublish: true,
    establishment: 'response',
    request: { method: 'GET', headers: ['accept', 'mcp-protocol-version', 'mcp-session-id'], perConnection: true },
    // Every session stays until a DELETE that a vanished client never sends.
    fails: {
      'clean-close': sessionPerConnection(false),
      'socket-destroy': sessionPerConnection(false),
      'idle-kill': sessionPerConnection(false),
      'pre-aborted': sessionPerConnection(false),
      'aborted-request': sessionPerConnection(true),
    },
  },
  {
    fixture: 'mcp/mcp-close-on-disconnect',
    noPublish: true,
    establishment: 'response',
    // Ends a session when its GET stream goes: but @hono/mcp binds that (and its 30 s ping
    // interval) to stream.onAbort, which a request aborted before its body is read never fires.
    fails: { 'aborted-request': sessionPerConnection(true) },
  },
  {
    fixture: 'shapes/bearer-once',
    establishment: 'first-event',
    request: { method: 'GET', headers: ['accept', 'authorization'], bodyBytes: 0, perConnection: true },
  },
];

describe('stream and request shapes, every scenario through the binary', () => {
  it(`${shapes.map((s) => s.fixture).join(', ')}`, async () => {
    const queue = [...shapes];
    const failures: string[] = [];
    // Two runs at a time, each its own process (the suite runs two files at once on two cores).
    const worker = async () => {
      for (let shape = queue.shift(); shape; shape = queue.shift()) {
        const { code, stdout, stderr } = await runBinary([
          'run',
          '--target',
          `test/fixtures/${shape.fixture}.ts`,
          '--config',
          config.file,
          '--report-dir',
          config.dir,
        ]);
        try {
          expect(code, stderr).toBe(shape.fails ? 1 : 0);
          const report = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report;
          expect(report.target.establishment?.at).toBe(shape.establishment);
          if (shape.request) expect(report.target.request).toMatchObject(shape.request);
          expect(report.scenarios.map((s) => s.name)).toEqual(defaultScenarios.map((s) => s.name));
          for (const s of report.scenarios) {
            const expectation = shape.fails?.[s.name];
            if (expectation) {
              if (expectation !== setupKillsOnly) expect(s.verdict, s.name).toBe('fail');
              expectation(s);
            } else {
              expect(s.verdict, `${s.name}: ${JSON.stringify(s.error ?? s.checks.filter((c) => c.verdict !== 'pass'))}`).toMatch(
                /^(pass)$/,
              );
            }
          }
          const destroy = report.scenarios.find((s) => s.name === 'socket-destroy')!;
          if (shape.noPublish)
            expect(destroy.notes?.[0]).toMatch(
              /^the target has no publish: \d+ connections that would have left after a published event left without one$/,
            );
          else expect(destroy.notes).toBeUndefined();
          if (shape.establishment === 'response') expect(stderr).toMatch(/streams established at their response \(no event within/);
        } catch (error) {
          failures.push(`${shape.fixture}: ${(error as Error).message}`);
        }
      }
    };
    // The soak's mix sends the same per-connection requests: a reused token would be refused.
    const soak = async () => {
      const { code, stdout, stderr } = await runBinary([
        'soak',
        '--target',
        'test/fixtures/shapes/bearer-once.ts',
        '--connections',
        '800',
        // The requests are the subject: no held streams, whose growth on the bundled
        // 1.19.19 is the adapter's and fails the soak (test/held-streams.test.ts).
        '--open',
        '0',
        '--sample-every',
        '40',
        '--no-snapshots',
        '--json',
        '--report-dir',
        config.dir,
      ]);
      try {
        expect(code, stderr).toBe(0);
        const report = JSON.parse(stdout) as Report;
        expect(report.target.request).toMatchObject({ headers: ['accept', 'authorization'], perConnection: true });
        expect(report.scenarios[0]!.connections).toBe(800);
      } catch (error) {
        failures.push(`soak bearer-once: ${(error as Error).message}`);
      }
    };
    await Promise.all([worker(), soak().then(worker)]);
    expect(failures).toEqual([]);
  }, 300_000);
});

describe('a request the endpoint refuses says what to change, in one line, before any scenario', () => {
  const sse = () =>
    new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('event: ready\ndata: {}\n\n')) }), {
      headers: { 'content-type': 'text/event-stream' },
    });
  const run = (target: Target) => executeRun(scenarios, { target, scenarios: ['clean-close'] });

  it.each([
    [
      '401: it wants credentials',
      { path: '/s', fetch: (r: Request) => (r.headers.get('authorization') ? sse() : new Response('no', { status: 401 })) },
      /^target target: preflight: GET \/s answered 401, not 200: the endpoint wants credentials; give them in the target's `request`/,
    ],
    [
      '405: it names the methods allowed',
      {
        path: '/s',
        fetch: (r: Request) => (r.method === 'POST' ? sse() : new Response(null, { status: 405, headers: { allow: 'POST, OPTIONS' } })),
      },
      /preflight: GET \/s answered 405, not 200: the endpoint does not take this method \(it allows POST, OPTIONS\); set the method in the target's `request`/,
    ],
    [
      'a request function that throws: its message and the line that threw',
      {
        path: '/s',
        fetch: sse,
        request: () => {
          throw new Error('no token service');
        },
      },
      /preflight: the target's request function threw for connection 0: Error: no token service at test\/stream-shapes\.test\.ts:\d+/,
    ],
  ] as const)('%s', async (_name, target, message) => {
    await expect(run(target as unknown as Target)).rejects.toThrow(message);
  });

  it('a fixed request that cannot be sent is a usage error naming the field', async () => {
    await expect(run({ path: '/s', fetch: sse, request: { body: '{}' } })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/'request': a GET request cannot have a body; set 'method'/),
    });
  });

  it('sends the same method, headers and body from every in-process client, and calls a request function once per connection', async () => {
    const seen: string[] = [];
    const indexes: number[] = [];
    const report = await executeRun(scenarios, {
      target: {
        path: '/s',
        fetch: async (r: Request) => {
          seen.push(`${r.method} ${r.headers.get('x-n')} ${await r.text()}`);
          return r.method === 'PUT' ? sse() : new Response(null, { status: 405 });
        },
        request: ({ index }) => {
          indexes.push(index);
          return { method: 'put', headers: { 'x-n': String(index) }, body: `body ${index}` };
        },
      },
      scenarios: ['aborted-request'],
      skipChecks: ['heap'],
      settings: { warmup: 10, connections: 100, minConnections: 100 },
    });
    expect(report.scenarios[0]!.verdict).toBe('pass');
    expect(report.target.request).toEqual({ method: 'PUT', headers: ['accept', 'x-n'], bodyBytes: 6, perConnection: true });
    // The preflight's connection, the warm-up's and the measured ones: each index once, each request its own.
    expect(indexes).toEqual(Array.from({ length: indexes.length }, (_, i) => i));
    expect(indexes.length).toBeGreaterThanOrEqual(111);
    expect([...seen].sort()).toEqual(indexes.map((i) => `PUT ${i} body ${i}`).sort());
  });
});
