import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-info.ts';
import type { SoakReport } from '../src/soak/soak-report.ts';
import { nodeServer2Project } from './node-server-2-project.ts';
import { checkOf } from './report-checks.ts';
import { runBinary } from './run-binary.ts';

/**
 * Held-stream growth in `soak`, apart from the churn: the same clean Hono app, soaked with 20
 * streams held open, on the @hono/node-server its project has (2.1.9) and on the one sse-soak
 * bundles (1.19.19). On 1.19.19 the held streams grow by every chunk written to them (the
 * adapter's writer chains a promise per chunk), the check fails and names the adapter, and
 * the churn is judged without it; on 2.1.9 nothing grows.
 */
describe('held-stream growth (soak)', () => {
  it("is the adapter's on @hono/node-server 1.19.19, named as such, and absent on 2.1.9 with the same app", async () => {
    const project = nodeServer2Project(mkdtempSync(path.join(os.tmpdir(), 'sse-soak-held-')));
    for (const f of ['sse-app.ts', 'plain.ts']) copyFileSync(path.join(packageRoot, 'test/fixtures/clean', f), path.join(project, f));
    const args = [
      'soak',
      '--target',
      'plain.ts',
      '--open',
      '20',
      '--connections',
      '800',
      '--sample-every',
      '40',
      '--no-snapshots',
      '--json',
    ];

    const [v2, v1] = await Promise.all([runBinary(args, { cwd: project }), runBinary([...args, '--adapter', 'bundled'], { cwd: project })]);

    const on2 = JSON.parse(v2.stdout) as SoakReport;
    expect(on2.target.adapter).toMatchObject({ version: '2.1.9', origin: 'project' });
    const held2 = checkOf(on2.scenarios[0]!, 'held-stream-growth');
    expect(held2.verdict, JSON.stringify(held2)).toBe('pass');
    expect(v2.code, v2.stderr).toBe(0);

    const on1 = JSON.parse(v1.stdout) as SoakReport;
    expect(on1.target.adapter).toMatchObject({ version: '1.19.19', origin: 'bundled' });
    const held1 = checkOf(on1.scenarios[0]!, 'held-stream-growth');
    expect(held1.verdict, JSON.stringify(held1)).toBe('fail');
    expect(held1.ci95![0]).toBeGreaterThan(held1.limit!);
    expect(held1.reason).toMatch(/^streams that stay open grow by [\d.]+ B for every chunk written to them/);
    expect(held1.reason).toContain('served by @hono/node-server 1.19.19, whose stream writer chains a promise for every chunk');
    // What the adapter keeps per chunk is read with sse-soak's async hooks off, as in
    // production (about 105 B); with them on, as the churn's chunks were written, every link
    // of the chain carries an async id and costs more than four times that.
    const lean = held1.details!.bytesPerChunk as number;
    const underHooks = held1.details!.bytesPerChunkUnderHooks as number;
    expect(lean).toBeGreaterThan(50);
    expect(lean).toBeLessThan(200);
    expect(underHooks).toBeGreaterThan(3 * lean);
    // The churn is judged with the held streams' growth taken off, at the figure its samples
    // hold (with the hooks on): it passes.
    const growth1 = checkOf(on1.scenarios[0]!, 'heap-growth');
    expect(growth1.verdict, JSON.stringify(growth1)).toBe('pass');
    expect(growth1.details!.heldStreamsTakenOff).toMatchObject({ bytesPerChunk: underHooks });
    expect(v1.code, v1.stderr).toBe(1);
    expect(v1.stderr).toMatch(/FAIL\s+soak .*streams that stay open grow by/);
  }, 120_000);
});
