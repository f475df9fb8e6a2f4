import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageInfo } from '../src/package-info.ts';
import type { Report } from '../src/report/report.ts';
import { bin, quickLeak, runBinary } from './run-binary.ts';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'sse-soak-cli-'));

describe('sse-soak (the real binary)', () => {
  it('--version and --help exit 0', async () => {
    expect(await runBinary(['--version'])).toMatchObject({ code: 0, stdout: `${packageInfo.version}\n` });
    const help = await runBinary(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--target <spec>/);
    expect(help.stdout).toMatch(/Exit status: 0 every check passed, 1 a leak was found/);
  });

  it('a reader that stops early (| head) ends the output quietly: exit 0, no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [bin, 'soak', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the read end closes before the help is written, as head's does
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('list prints every scenario and variant, one line each', async () => {
    const { code, stdout } = await runBinary(['list']);
    expect(code).toBe(0);
    for (const name of [
      'clean-close',
      'socket-destroy',
      'idle-kill',
      'pre-aborted',
      'sigterm',
      'reference:fixed',
      'reference:cancel-only',
    ]) {
      expect(stdout.split('\n').filter((l) => l.split(/\s+/)[1] === name)).toHaveLength(1);
    }
  });

  it('exit 0 on a clean target: the report path on stdout, the summary on stderr; scenarios may be comma-separated', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary([
      'run',
      '--scenario',
      'socket-destroy,pre-aborted',
      '--connections',
      '40',
      '--skip-check',
      'heap',
      '--report-dir',
      dir,
    ]);
    expect(code, stderr).toBe(0);
    const file = stdout.trim();
    expect(stdout.split('\n')).toHaveLength(2); // one line and its newline
    expect(path.dirname(path.resolve(file))).toBe(dir);
    const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    expect(report).toMatchObject({ schemaVersion: 1, verdict: 'pass', target: { name: 'reference:fixed', source: 'reference:fixed' } });
    expect(stderr).toMatch(/PASS\s+socket-destroy/);
    expect(report.scenarios.map((s) => s.name)).toEqual(['socket-destroy', 'pre-aborted']);
    // The heap check turned off: skipped as the user asked, and not one forced collection for it.
    for (const s of report.scenarios) {
      expect(
        s.checks.find((c) => c.meter === 'heap'),
        s.name,
      ).toEqual({
        meter: 'heap',
        verdict: 'skipped',
        skippedBy: 'user',
        reason: 'turned off (--skip-check heap)',
      });
      expect(s.decision, s.name).toMatchObject({ heap: 'not-measured', heapSamples: 0 });
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('exit 1 on a leak, and --json prints the report and nothing else on stdout', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary([...quickLeak(dir), '--json']);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout) as Report;
    expect(report.verdict).toBe('fail');
    expect(report.scenarios[0]!.checks.find((c) => c.meter === 'timers')!.verdict).toBe('fail');
    expect(stderr).toMatch(/FAIL\s+pre-aborted .*timers \+\d+ \(\d+ × setInterval at src\/reference\/stream-session\.ts:\d+/);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it.each([
    [['run', '--scenario', 'nope'], /unknown scenario 'nope'/],
    [['run', '--connections', '0'], /--connections <n>' argument '0' is invalid/],
    [['run', '--target', './does-not-exist.ts'], /target module not found: .*does-not-exist\.ts/],
    [['run', '--target', 'reference:nope'], /unknown reference variant 'nope'/],
    [['run', '--target', 'http://example.com'], /neither 'reference\[:<variant>\]' nor a module path/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [
      ['run', '--connections', '100'],
      /--connections 100 is too few for a heap slope: clean-close runs 40 connections a wave .*use --connections 280 or more, or --skip-check heap/,
    ],
    [['run', '--skip-check', 'heep'], /--skip-check: unknown check 'heep'/],
  ])('exit 2 and one clear line for %j, no report written', async (args, message) => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary([...args, ...(args[0] === 'run' ? ['--report-dir', dir] : [])]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')[0]).toMatch(message); // the error is the first line
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('exit 130 on SIGINT, with a report that says it was interrupted', async () => {
    const dir = tempDir();
    let sent = false;
    const { code, stdout, stderr } = await runBinary(['run', '--report-dir', dir], {
      onStderr: (text, child) => {
        if (!sent && /PASS\s+clean-close/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(code, stderr).toBe(130);
    const report = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report;
    expect(report.interrupted).toBe(true);
    expect(report.verdict).toBe('error');
    expect(report.scenarios.length).toBeGreaterThanOrEqual(1);
    expect(report.scenarios.length).toBeLessThan(5);
  });

  it("idle-kill that never killed a stream is an error that says why; the target's output goes to its log, or live with --verbose", async () => {
    const dir = tempDir();
    const args = [
      'run',
      '--target',
      'test/fixtures/slow-setup.ts',
      '--scenario',
      'idle-kill',
      '--connections',
      '50',
      '--skip-check',
      'heap',
      '--report-dir',
      dir,
      '--json',
    ];
    const { code, stdout, stderr } = await runBinary(args);
    expect(code, stderr).toBe(3);
    const report = JSON.parse(stdout) as Report; // stdout is the report alone, whatever the target logs
    const kills = report.scenarios[0]!.checks.find((c) => c.meter === 'idle-kills')!;
    expect(kills).toMatchObject({ verdict: 'error', details: { killedBeforeResponse: 50, killedBeforeFirstEvent: 0, killedMidStream: 0 } });
    expect(stderr).toMatch(
      /ERROR idle-kill .*idle-kills: could not measure: every kill \(50\) landed before the response started: the target's setup takes longer than the 150 ms idle timeout/,
    );
    const log = readdirSync(dir).find((f) => f.endsWith('.target.log'))!;
    expect(readFileSync(path.join(dir, log), 'utf8')).toMatch(/^GET \/events from /);
    expect(stderr).toMatch(new RegExp(`the target wrote \\d+ lines of output: .*${log.replaceAll('.', '\\.')}`));
    expect(stderr).not.toMatch(/GET \/events from/);

    const verbose = await runBinary([...args, '--verbose']);
    expect(verbose.stderr).toMatch(/GET \/events from/);
  });
});
