import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { packageRoot } from '../src/package-info.ts';
import type { Check, ScenarioResult } from '../src/report/report.ts';
import type { SoakReport } from '../src/soak/execute-soak.ts';
import { runBinary } from './run-binary.ts';

/** The `file:line` (1-based) of the first occurrence of `needle` in a file of the package. */
export function lineOf(file: string, needle: string): string {
  const lines = readFileSync(path.join(packageRoot, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  expect(i, `${needle} in ${file}`).toBeGreaterThanOrEqual(0);
  return `${file}:${i + 1}`;
}

/** A scenario's check of `meter`, which must be there. */
export function checkOf(s: ScenarioResult, meter: string): Check {
  const c = s.checks.find((x) => x.meter === meter);
  expect(c, `${s.name}: ${meter}`).toBeDefined();
  return c!;
}

/**
 * A report folder and a config for small runs that judge the exact counts only: the heap
 * check off (it is proven on the reference server), short warm-ups, 40 connections per
 * scenario and a short sigterm mix. A count is exact from the first connection, so 40 tell a
 * leak per connection as surely as 400; pre-aborted's sweep still gives each of its 13 delays
 * three connections, so a leak only during a setup await still shows. About 40 % of the
 * CPU of the same runs at the default 100 to 400 (a counts-only run of a stream shape: 2.1 s
 * against 3.3, of the MCP fixture 5.4 against 9.7).
 */
export function countsOnlyConfig(prefix: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `sse-soak-${prefix}-`));
  const file = path.join(dir, 'sse-soak.config.mjs');
  writeFileSync(
    file,
    "export default { connections: 40, skipChecks: ['heap'], settings: { warmup: 20, scenarioWarmup: 10, sigtermMix: 40, sigtermOpen: 10 } };\n",
  );
  return { dir, file };
}

/**
 * The stream fixtures' leak: one keepalive interval and one bus listener per leaking stream,
 * the timers equal to the server's own listener gauge, at the line in `test/fixtures/<file>`.
 * `every`: every measured connection leaked.
 */
export const leaksAt = (file: string, every: boolean) => (s: ScenarioResult) => {
  expect(s.verdict, s.name).toBe('fail');
  const listeners = checkOf(s, 'gauge:listeners').leaked!;
  // Every connection, except one whose socket closed before the server wrote its headers
  // when that was before the handler set its stream up: idle-kill on a loaded machine
  // (a fresh clone's suite: 9 kills before the response, 1 before the headers, 99 of 100).
  // A server started as a command keeps no such tally; there the bound is the kills that
  // landed before any response (a connection whose response started was handled, and leaked),
  // some of which the server may never have handled (a fresh clone's suite: Express, cleanup
  // on finish, 39 of 40; its stats were not kept, so they are in the message now).
  const early = s.name === 'idle-kill' ? (s.stats?.['server.closedBeforeHeaders'] ?? s.stats?.killedBeforeResponse ?? 0) : 0;
  if (every) {
    expect(listeners, `${s.name}: ${JSON.stringify(s.stats)}`).toBeGreaterThanOrEqual(s.connections - early);
    expect(listeners, s.name).toBeLessThanOrEqual(s.connections);
  } else expect(listeners, s.name).toBeGreaterThan(0);
  expect(checkOf(s, 'timers').leaked, s.name).toBe(listeners);
  expect(checkOf(s, 'timers').sites![0]!.site).toMatch(new RegExp(`^test/fixtures/${file}:\\d+$`));
};

/**
 * idle-kill on a target that leaks only when a client leaves during its setup await: it
 * passes, unless the proxy's idle timeout fired while a handler was still in that await (a
 * loaded CI machine makes a setup outlast 150 ms). Then it leaks exactly as pre-aborted
 * does, no more than the kills that landed there, and the report says so.
 */
export const setupKillsOnly = (s: ScenarioResult) => {
  if (s.verdict === 'pass') return;
  expect(s.verdict, JSON.stringify(s.checks)).toBe('fail');
  expect(s.notes?.join('\n'), JSON.stringify({ stats: s.stats, checks: s.checks })).toMatch(
    /idle-kill's kills landed before the response started/,
  );
};

/**
 * A soak of the heap-only leak (`retains-per-connection`, 1,500 connections) through the
 * binary, with its snapshots: its report, its HTML file and its stderr. Its verdict is not
 * the subject of the tests that use it (who holds it, the HTML report): at 1,500
 * connections a 2 KiB leak is below the soak's documented reach (2,000), and under a
 * loaded suite the slope can stay undecided, so a pass or a fail are both accepted.
 *
 * Run once per suite (`sharedOnce`): two files read the same soak, in two workers.
 */
export function heapOnlyLeakSoak(): Promise<{ report: SoakReport; html: string; stderr: string }> {
  return sharedOnce('heap-only-soak', async (dir) => {
    const { code, stdout, stderr } = await runBinary([
      'soak',
      '--target',
      'reference:retains-per-connection',
      '--connections',
      '1500',
      '--report-dir',
      dir,
    ]);
    expect([0, 1], stderr).toContain(code);
    const file = stdout.trim();
    return { report: JSON.parse(readFileSync(file, 'utf8')) as SoakReport, html: file.replace(/\.json$/, '.html'), stderr };
  });
}

/**
 * `make`'s result, made once per test run however many workers ask: the first to ask makes
 * it, in a folder of its own, and the others wait for the file it writes (or for its
 * failure, which they share). The run is told apart by SSE_SOAK_TEST_RUN (vitest.config.ts);
 * outside a test run each call makes its own.
 */
export async function sharedOnce<T>(key: string, make: (dir: string) => Promise<T>, waitMs = 180_000): Promise<T> {
  const run = process.env.SSE_SOAK_TEST_RUN;
  if (!run) return make(mkdtempSync(path.join(os.tmpdir(), `sse-soak-${key}-`)));
  const dir = path.join(os.tmpdir(), `sse-soak-shared-${run}-${key}`);
  const done = path.join(dir, 'result.json');
  let mine = true;
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    mine = false;
  }
  if (mine) {
    let outcome: { value?: T; error?: string };
    try {
      outcome = { value: await make(dir) };
    } catch (error) {
      outcome = { error: error instanceof Error ? error.message : String(error) };
    }
    writeFileSync(`${done}.tmp`, JSON.stringify(outcome));
    renameSync(`${done}.tmp`, done);
  }
  for (const until = Date.now() + waitMs; !existsSync(done); ) {
    if (Date.now() > until) throw new Error(`${key}: another worker started it and has not finished in ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const outcome = JSON.parse(readFileSync(done, 'utf8')) as { value?: T; error?: string };
  if (outcome.error !== undefined) throw new Error(`${key} failed: ${outcome.error}`);
  return outcome.value as T;
}
