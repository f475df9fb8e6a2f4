/**
 * The run's heap sensitivity at the limit: the `retains-per-connection` variant keeping
 * 1 KiB per request (the default limit is 1024 B per connection), through the scenarios
 * whose heap series decide it, several times. Prints each scenario's verdict, its slope
 * and where the sequential test stopped.
 *
 *   npx tsx bench/run-sensitivity.ts [--runs 5] [--bytes 1024] [--connections 600]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { scenarios } from '../scenarios/index.ts';
import { defaultSettings } from '../src/harness/defaults.ts';
import { executeRun } from '../src/harness/execute-run.ts';
import { packageRoot } from '../src/package-info.ts';
import type { Report } from '../src/report/report.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    bytes: { type: 'string', default: '1024' },
    scenarios: { type: 'string', default: 'clean-close,socket-destroy,pre-aborted' },
    connections: { type: 'string', default: String(defaultSettings.connections) },
    one: { type: 'boolean', default: false },
  },
});
const names = values.scenarios!.split(',');
const selected = scenarios.filter((s) => names.includes(s.name));
const bytes = Number(values.bytes);
if (values.one) {
  const report = await executeRun(selected, {
    target: 'reference:retains-per-connection',
    // By name: an opt-in scenario (server-close) runs only when it is asked for.
    scenarios: names,
    cwd: packageRoot,
    reference: { retainBytes: bytes },
    settings: { connections: Number(values.connections) },
  });
  process.stdout.write(JSON.stringify(report));
  process.exit(0);
}
const failed = new Map<string, number>(names.map((n) => [n, 0]));
/** A miss, told with its series: the heap's step from each sample to the next, in KB. */
const misses: string[] = [];
console.log(
  `retains-per-connection at ${bytes} B per request, cap ${values.connections} connections, ${values.runs} runs, node ${process.version}`,
);
console.log('| run | scenario | heap verdict | B/conn | stopped at | why |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (let run = 1; run <= Number(values.runs); run++) {
  // Each run in a fresh process, as a user's `sse-soak run` is: the first scenario of a
  // fresh process is the hardest (the JIT still warming up), which one long-lived process
  // running every run after the other never shows.
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', ...process.argv.slice(2)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`run ${run} failed: ${child.stderr}`);
  const report = JSON.parse(child.stdout) as Report;
  for (const s of report.scenarios) {
    const heap = s.checks.find((c) => c.meter === 'heap');
    if (heap?.verdict === 'fail') failed.set(s.name, failed.get(s.name)! + 1);
    else {
      const points = (heap?.details?.points ?? []) as [number, number][];
      const steps = points.slice(1).map(([, y], i) => ((y - points[i]![1]) / 1024).toFixed(0));
      misses.push(
        `run ${run} ${s.name}: 95 % interval ${heap?.ci95?.join(' to ') ?? '-'} B/conn; steps (KB) from sample to sample: ${steps.join(' ')}`,
      );
    }
    console.log(
      `| ${run} | ${s.name} | ${heap?.verdict ?? '-'} | ${heap?.bytesPerConnection ?? '-'} | ${s.decision?.connections ?? '-'} of ${s.decision?.cap ?? '-'} | ${s.decision?.reason ?? '-'}, ${s.decision?.heap ?? '-'} |`,
    );
  }
}
console.log(`\nheap failed: ${[...failed].map(([n, k]) => `${n} ${k} of ${values.runs}`).join(', ')}`);
for (const miss of misses) console.log(`missed: ${miss}`);
