import { mkdtempSync, readFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-info.ts';
import type { Report } from '../src/report/report.ts';
import { nodeServer2Project } from './node-server-2-project.ts';
import { lineOf } from './report-checks.ts';
import { runBinary, runReport, twoQuickScenarios } from './run-binary.ts';

const fixture = (name: string) => path.join('test', 'fixtures', name);
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'sse-soak-target-'));

describe('bad targets get one clear line and the documented exit code', () => {
  it.each([
    ['bad/no-default.ts', 2, /target .*no-default\.ts: load: the module has no default export/],
    [
      'bad/wrong-shape.mjs',
      2,
      /target .*wrong-shape\.mjs: load: it needs 'path', the SSE endpoint the scenarios open: for an app exported as it is, export default \{ fetch: app\.fetch, path: '\/events' \}$/m,
    ],
    ['bad/factory-throws.ts', 3, /target .*factory-throws\.ts: load: its factory threw: DATABASE_URL is not set/],
    ['bad/not-found.ts', 3, /target .*: preflight: GET \/evnts answered 404, not 200/],
    ['bad/not-sse.ts', 3, /preflight: GET \/events answered content-type 'application\/json', not text\/event-stream/],
    ['bad/handler-throws.ts', 3, /preflight: GET \/events answered 500, not 200 \(the handler threw\)/],
    [
      'bad/handler-throws-logged.ts',
      3,
      /preflight: GET \/events answered 500, not 200: the handler threw Error: DATABASE_URL is not set at test\/fixtures\/bad\/handler-throws-logged\.ts:5; the target's output \(\d+ lines\): .*\.target\.log/,
    ],
    ['bad/syntax-error.ts', 2, /load: syntax error at test\/fixtures\/bad\/syntax-error\.ts:4:51: Expected "}" but found ";"/],
    ['bad/syntax-error.mjs', 2, /load: syntax error at test\/fixtures\/bad\/syntax-error\.mjs:2:52: Unexpected token ';'/],
    [
      'cjs-scope/top-level-await.ts',
      2,
      /load: syntax error at test\/fixtures\/cjs-scope\/top-level-await\.ts:2:\d+: Top-level await is currently not supported with the "cjs" output format \(its nearest package\.json has no "type": "module", so it is compiled to CommonJS: add that, or name the file \.mts\)$/m,
    ],
    ['bad/never-answers.ts', 3, /preflight: GET \/events got no response within 800 ms/],
    ['bad/missing.ts', 2, /target module not found: .*missing\.ts/],
  ])('%s exits %i', async (file, code, message) => {
    const dir = tempDir();
    const result = await runBinary(['run', '--target', fixture(file), '--timeout', '800', '--report-dir', dir]);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('--verbose adds the cause and its stack', async () => {
    const result = await runBinary(['run', '--target', fixture('bad/factory-throws.ts'), '--verbose']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/caused by: Error: DATABASE_URL is not set\n\s+at /);
  });
});

/**
 * A client that goes away the way the code did not expect can end the process: here an
 * AbortError nobody catches (test/fixtures/crash/). In-process, that process is sse-soak's.
 * It reports the crash and stops: the scenario it happened in is an error naming what was
 * thrown and the target's line, the later ones are not run, the report is written, exit 3.
 */
describe('a target that crashes its process when a client goes away', () => {
  it('in-process: an error naming what it threw and where, the rest not run, a report, exit 3', async () => {
    const { code, stderr, report } = await runReport(['--target', fixture('crash/crash-on-disconnect.ts'), ...twoQuickScenarios]);
    expect(code, stderr).toBe(3);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(report.verdict).toBe('error');
    const [crashed, after] = report.scenarios;
    expect(crashed!.error).toMatchObject({ code: 'SSE_SOAK_TARGET_CRASHED' });
    expect(crashed!.error!.message).toMatch(
      /^the target threw and nothing caught it \(an unhandled rejection\): AbortError: The operation was aborted at test\/fixtures\/crash\/crash-on-disconnect\.ts:\d+; a process of its own would have ended there$/,
    );
    expect(after!.error).toMatchObject({ code: 'SSE_SOAK_TARGET_CRASHED' });
    expect(after!.error!.message).toMatch(/^not run: the target crashed (during|before) clean-close$/);
    expect(stderr).toMatch(/ERROR\s+clean-close .*the target threw and nothing caught it/);
  });

  it('in-process soak: the churn stops, the soak is an error naming it, a report, exit 3', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary([
      'soak',
      '--target',
      fixture('crash/crash-on-disconnect.ts'),
      '--connections',
      '200',
      '--no-snapshots',
      '--report-dir',
      dir,
    ]);
    expect(code, stderr).toBe(3);
    const [soak] = (JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report).scenarios;
    expect(soak!.error).toMatchObject({ code: 'SSE_SOAK_TARGET_CRASHED' });
    expect(soak!.error!.message).toMatch(/^the target threw and nothing caught it \(an unhandled rejection\): AbortError: /);
    expect(soak!.connections).toBeLessThan(200);
  });
});

describe('target modules', () => {
  it('a 4 KiB Buffer kept per request fails the heap check: array buffers are counted, not only their JS wrappers', async () => {
    const { code, stderr, report } = await runReport([
      '--target',
      fixture('leaky/buffer-per-request.ts'),
      '--scenario',
      'clean-close,socket-destroy',
    ]);
    expect(code, stderr).toBe(1);
    for (const s of report.scenarios) {
      expect(
        s.checks.filter((c) => c.verdict === 'fail').map((c) => c.meter),
        s.name,
      ).toEqual(['heap']);
      // About 4 KiB of buffer and its wrapper; on the object spaces alone it read the wrapper,
      // 365 to 440 B for a 2 KiB Buffer, a pass. (At 2 KiB, clean-close was left undecided at
      // the cap, and passed, in 3 runs of 33: a first interval that bent inflated the serial
      // correlation factor to 4.5. At 4 KiB the bend is half as large against the slope.)
      expect(s.checks.find((c) => c.meter === 'heap')!.ci95![0], s.name).toBeGreaterThan(1024);
    }
  });

  it('sigterm measures the server the module host serves the target with, not one the module started as it loaded', async () => {
    const { code, stderr, report } = await runReport(['--target', fixture('clean/own-server.ts'), '--scenario', 'sigterm']);
    expect(code, stderr).toBe(0);
    expect(report.scenarios[0]!.checks.find((c) => c.meter === 'streams-ended')).toMatchObject({ verdict: 'pass' });
  });

  // Every scenario runs against it through the library in examples/hono-app/soak.test.ts;
  // here the binary loads the TypeScript module, in its own process and in sigterm's child.
  it('the README example passes through the binary, sigterm (a child loading the module) included', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary([
      'run',
      '--target',
      'examples/hono-app/soak.target.ts',
      '--scenario',
      'pre-aborted',
      'sigterm',
      '--report-dir',
      dir,
    ]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report;
    expect(report.target.name).toBe('example-hono-app');
    expect(report.scenarios.map((s) => [s.name, s.verdict])).toEqual([
      ['pre-aborted', 'pass'],
      ['sigterm', 'pass'],
    ]);
  }, 120_000);

  it('the README shows the example files as they are', () => {
    const readme = readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
    for (const file of ['examples/hono-app/app.ts', 'examples/hono-app/soak.target.ts', 'examples/hono-app/soak.test.ts']) {
      const source = readFileSync(path.join(packageRoot, file), 'utf8');
      expect(readme, file).toContain(`\`\`\`ts\n// ${file}\n${source}\`\`\``);
    }
  });

  it('a target that leaks on late disconnects fails pre-aborted and sigterm and names the leaking line', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary([
      'run',
      '--target',
      fixture('late-signal-app.ts'),
      '--scenario',
      'pre-aborted',
      'sigterm',
      '--report-dir',
      dir,
      '--json',
    ]);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout) as Report;
    const lines = readFileSync(path.join(packageRoot, fixture('late-signal-app.ts')), 'utf8').split('\n');
    const site = `test/fixtures/late-signal-app.ts:${lines.findIndex((l) => l.includes('setInterval(')) + 1}`;
    const [pre, sigterm] = report.scenarios;
    const timers = pre!.checks.find((c) => c.meter === 'timers')!;
    expect(timers.sites![0]!.site).toBe(site);
    // One per request that closed before its headers, counted on the server.
    expect(timers.leaked).toBe(pre!.stats!['server.closedBeforeHeaders']);
    expect(sigterm!.checks.find((c) => c.meter === 'exit')!.reason).toContain(`setInterval at ${site}`);
  });

  it('a TypeScript target in a CommonJS package names its own line too, in the run and in the sigterm child', async () => {
    // tsx compiles it to CommonJS; loaded through tsx's ESM import, its frames were data: URLs
    // that no source map covers, and the leak was told at hono's line instead of the user's.
    const file = 'cjs-scope/on-abort-after-await.ts';
    const { code, stdout, stderr } = await runBinary([
      'run',
      '--target',
      fixture(file),
      '--scenario',
      'pre-aborted',
      'sigterm',
      '--connections',
      '40',
      '--skip-check',
      'heap',
      '--report-dir',
      tempDir(),
      '--json',
    ]);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout) as Report;
    const site = lineOf(`test/fixtures/${file}`, 'setInterval(');
    const [pre, sigterm] = report.scenarios;
    expect(pre!.checks.find((c) => c.meter === 'timers')!.sites!.map((x) => x.site)).toEqual([site]);
    expect(sigterm!.checks.find((c) => c.meter === 'exit')!.reason).toContain(`setInterval at ${site}`);
  });

  it("serves a target module with its project's own @hono/node-server, or ours when forced; a leak left only in-process is told as such", async () => {
    // A user project whose node_modules has @hono/node-server 2.1.9, which rescues late
    // disconnects on the wire by cancelling the unread body; the in-process contract still leaks.
    const project = nodeServer2Project(tempDir());
    copyFileSync(path.join(packageRoot, fixture('cancel-only-app.ts')), path.join(project, 'soak.target.ts'));
    const args = [
      'run',
      '--target',
      'soak.target.ts',
      '--scenario',
      'pre-aborted',
      'aborted-request',
      '--connections',
      '100',
      '--skip-check',
      'heap',
      '--json',
    ];

    const own = await runBinary(args, { cwd: project });
    expect(own.code, own.stderr).toBe(1);
    const ownReport = JSON.parse(own.stdout) as Report;
    expect(ownReport.target.adapter).toEqual({ name: '@hono/node-server', version: '2.1.9', origin: 'project' });
    expect(ownReport.scenarios.map((s) => [s.name, s.verdict])).toEqual([
      ['pre-aborted', 'pass'],
      ['aborted-request', 'fail'],
    ]);
    expect(ownReport.scenarios[1]!.notes![0]).toMatch(
      /^only the in-process contract leaks: none of the 100 wire disconnects of pre-aborted leaked on @hono\/node-server 2\.1\.9/,
    );
    expect(own.stderr).toMatch(/FAIL\s+aborted-request .*timers \+100.*\n\s+note: only the in-process contract leaks/);

    const bundled = await runBinary([...args, '--adapter', 'bundled'], { cwd: project });
    expect(bundled.code, bundled.stderr).toBe(1);
    const bundledReport = JSON.parse(bundled.stdout) as Report;
    expect(bundledReport.target.adapter).toEqual({ name: '@hono/node-server', version: '1.19.19', origin: 'bundled' });
    expect(bundledReport.scenarios.map((s) => [s.name, s.verdict, s.notes])).toEqual([
      ['pre-aborted', 'fail', undefined],
      ['aborted-request', 'fail', undefined],
    ]);
  });
});
