/**
 * What the held-stream probe's first heap sample weighs in its slope. The probe's samples
 * take no extra collections (a scenario's first sample does), so a first sample left high
 * would tilt the slope. Soaks the clean app of test/held-streams.test.ts with 20 held streams
 * on @hono/node-server 2.1.9 (its project's, the dev alias node-server-2) and on 1.19.19
 * (sse-soak's own), side by side as that test does, and prints for each soak: the probe's
 * first step against its median step, and its slope (Theil–Sen, B per chunk) with and
 * without the first sample.
 *
 *   npx tsx bench/held-probe-first-step.ts [--runs 5]
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/package-info.ts';
import type { SoakReport } from '../src/soak/soak-report.ts';
import { type Point, theilSen } from '../src/stats/theil-sen.ts';
import { nodeServer2Project } from '../test/node-server-2-project.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const project = nodeServer2Project(mkdtempSync(path.join(os.tmpdir(), 'sse-soak-held-first-')));
for (const f of ['sse-app.ts', 'plain.ts']) copyFileSync(path.join(packageRoot, 'test/fixtures/clean', f), path.join(project, f));
const args = ['soak', '--target', 'plain.ts', '--open', '20', '--connections', '800', '--sample-every', '40', '--no-snapshots', '--json'];

const soak = (extra: string[]) =>
  new Promise<SoakReport>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(packageRoot, 'bin', 'sse-soak.js'), ...args, ...extra], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.once('error', reject);
    child.once('close', () => {
      try {
        resolve(JSON.parse(out) as SoakReport);
      } catch {
        reject(new Error(`soak ${extra.join(' ')} wrote no report`));
      }
    });
  });

const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (adapter: string, run: number, report: SoakReport) => {
  const check = report.scenarios[0]!.checks.find((c) => c.meter === 'held-stream-growth')!;
  if (!check.details?.points) return `| ${run} | ${adapter} | ${check.verdict}: ${check.reason} | | | | |`;
  const points = (check.details.points as [number, number][]).map(([x, y]): Point => ({ x, y }));
  const steps = points.slice(1).map((p, i) => p.y - points[i]!.y);
  const all = theilSen(points)!.slope;
  const rest = theilSen(points.slice(1))!.slope;
  return `| ${run} | ${adapter} | ${check.verdict} | ${kb(steps[0]!)} | ${kb(median(steps))} | ${all.toFixed(1)} | ${rest.toFixed(1)} |`;
};

console.log(`held-stream probe, 20 held streams, 800 connections, ${values.runs} soaks on each adapter, node ${process.version}`);
console.log('| run | adapter | verdict | first step | median step | B/chunk | B/chunk without the first sample |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
try {
  for (let run = 1; run <= Number(values.runs); run++) {
    const [v2, v1] = await Promise.all([soak([]), soak(['--adapter', 'bundled'])]);
    console.log(row('2.1.9', run, v2));
    console.log(row('1.19.19', run, v1));
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}
