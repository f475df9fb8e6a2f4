import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SoakReport } from '../src/soak/run-soak-churn.ts';
import { runBinary } from './run-binary.ts';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'sse-soak-soak-'));
const growth = (r: SoakReport) => r.scenarios[0]!.checks.find((c) => c.meter === 'heap-growth')!;

describe('sse-soak soak (the real binary)', () => {
  it('fixed: a flat line, a pass, a time series and a self-contained HTML report', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary(['soak', '--duration', '5s', '--report-dir', dir]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as SoakReport;
    expect(report.kind).toBe('soak');
    expect(report.series.length).toBeGreaterThanOrEqual(10);
    for (const key of ['t', 'connections', 'heapUsed', 'rss', 'external', 'arrayBuffers', 'timers', 'gauges', 'sockets']) {
      expect(report.series[0]).toHaveProperty(key);
    }
    expect(report.scenarios[0]!.stats!.heldStreamEvents).toBeGreaterThan(0);
    expect(growth(report).verdict).toBe('pass');
    const html = readFileSync(stdout.trim().replace(/\.json$/, '.html'), 'utf8');
    expect(html).toMatch(/<svg[^>]*aria-label="Heap \(object spaces, after GC\) against connections"/);
    expect(html).toContain('warm-up');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('a 2 KiB-per-connection retention fails within 2,000 connections', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary(
      ['soak', '--target', 'reference:retains-per-connection', '--connections', '2000', '--report-dir', dir, '--json'],
    );
    expect(code, stderr).toBe(1);
    const g = growth(JSON.parse(stdout) as SoakReport);
    expect(g.verdict).toBe('fail');
    expect(g.ci95![0]).toBeGreaterThan(1024);
  });

  it('a cache that fills to a cap and stays there passes', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await runBinary(
      ['soak', '--target', 'reference:bounded-cache', '--connections', '5000', '--report-dir', dir, '--json'],
    );
    expect(code, stderr).toBe(0);
    expect(growth(JSON.parse(stdout) as SoakReport).verdict).toBe('pass');
  }, 60_000);

  it.each([
    [['--mix', 'sigterm=10'], /unknown disconnect kind 'sigterm'/],
    [['--duration', 'soon'], /--duration 'soon' is not a duration/],
    [['--concurrency', '0'], /--concurrency <n>' argument '0' is invalid/],
  ])('%j is a usage error', async (args, message) => {
    const { code, stderr } = await runBinary(['soak', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
