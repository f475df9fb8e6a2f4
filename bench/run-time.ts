/**
 * Wall time of the whole default `sse-soak run` (the real binary, a fresh process each
 * time), and of each scenario within it. Prints a Markdown table.
 *
 *   npx tsx bench/run-time.ts [--runs 3] [--target <spec>]
 *   npx tsx bench/run-time.ts [--runs 3] --path /events -- node server.js   (a server command)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/package-info.ts';
import type { Report } from '../src/report/report.ts';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, target: { type: 'string', default: 'reference' }, path: { type: 'string' } },
  allowPositionals: true,
});
const what = values.path ? ['--path', values.path, '--', ...positionals] : ['--target', values.target!];
const runs = Number(values.runs);
const dir = mkdtempSync(path.join(os.tmpdir(), 'sse-soak-bench-'));
const walls: number[] = [];
const perScenario = new Map<string, number[]>();
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const out = spawnSync(process.execPath, [path.join(packageRoot, 'bin/sse-soak.js'), 'run', '--report-dir', dir, ...what], {
    encoding: 'utf8',
  });
  walls.push((performance.now() - started) / 1000);
  if (out.status !== 0 && out.status !== 1) throw new Error(`run exited ${out.status}: ${out.stderr}`);
  const report = JSON.parse(readFileSync(out.stdout.trim(), 'utf8')) as Report;
  for (const s of report.scenarios) perScenario.set(s.name, [...(perScenario.get(s.name) ?? []), s.durationMs / 1000]);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `default run against ${values.path ? positionals.join(' ') : values.target}: ${runs} runs, ${os.availableParallelism()} cores, node ${process.version}`,
);
console.log('| what | median (s) | min (s) | max (s) |');
console.log('| --- | --- | --- | --- |');
const row = (name: string, xs: number[]) =>
  console.log(`| ${name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`);
row('whole `sse-soak run` (wall, process start to exit)', walls);
for (const [name, xs] of perScenario) row(`scenario ${name}`, xs);
