import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/report.ts';
import { runBinary } from './run-binary.ts';

/**
 * A leak detector must never cry wolf: ten consecutive default runs of the real binary
 * against the fixed reference server all pass. Every run's heap figures are kept in the
 * failure message, so a flaky margin shows its numbers.
 */
const RUNS = 10;

describe('no false positives', () => {
  it(`${RUNS} consecutive default runs against reference:fixed all exit 0`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-fp-'));
    const outcomes: string[] = [];
    let failures = 0;
    for (let i = 0; i < RUNS; i++) {
      const { code, stdout, stderr } = await runBinary(['run', '--report-dir', dir]);
      const report = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Report;
      const heap = report.scenarios.map((s) => `${s.name}:${s.checks.find((c) => c.meter === 'heap')?.ci95?.join('..') ?? '-'}`).join(' ');
      outcomes.push(`run ${i + 1}: exit ${code} ${heap}${code === 0 ? '' : `\n${stderr}`}`);
      if (code !== 0) failures++;
    }
    expect(failures, outcomes.join('\n')).toBe(0);
  }, 600_000);
});
