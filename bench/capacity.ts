/**
 * The capacity run (`soak --open <n> --no-churn`) against the reference (`fixed`, as `run`
 * and `soak` serve it: a keepalive every 500 ms) at each n, on both @hono/node-server lines:
 * the bundled 1.19.19, and 2.1.9 (the reference as a target module in a project of its own
 * whose @hono/node-server is the devDependency node-server-2). Each run is the real binary
 * in a fresh process, one at a time. Prints memory per stream, streams per GiB, the fan-out
 * at n, and the wall time of the whole run.
 *
 *   npx tsx bench/capacity.ts [--open 1000,5000,10000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/package-info.ts';
import type { SoakReport } from '../src/soak/soak-report.ts';
import { nodeServer2Project } from '../test/node-server-2-project.ts';

const { values } = parseArgs({ options: { open: { type: 'string', default: '1000,5000,10000' } } });
const counts = values.open.split(',').map(Number);
const bin = path.join(packageRoot, 'bin', 'sse-soak.js');

const project = nodeServer2Project(mkdtempSync(path.join(os.tmpdir(), 'sse-soak-capacity-bench-')));
writeFileSync(
  path.join(project, 'reference.ts'),
  `import { referenceRunOptions } from ${JSON.stringify(path.join(packageRoot, 'src/harness/defaults.ts'))};
import { createReferenceTarget } from ${JSON.stringify(path.join(packageRoot, 'src/reference/reference-target.ts'))};
export default () => createReferenceTarget(referenceRunOptions);
`,
);

function capacityRun(n: number, line: '1.19.19' | '2.1.9'): Promise<{ report: SoakReport; wallMs: number }> {
  const dir = path.join(project, `reports-${line}-${n}`);
  const args = [bin, 'soak', '--open', String(n), '--no-churn', '--report-dir', dir];
  if (line === '2.1.9') args.push('--target', 'reference.ts');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      const file = readdirSync(dir).find((f) => f.endsWith('.json'));
      if (!file) return reject(new Error(`no report (exit ${code}): ${stderr}`));
      resolve({ report: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as SoakReport, wallMs });
    });
  });
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
console.log(
  '| adapter | streams | heap per stream (95 % CI) | RSS per stream (95 % CI) | streams per GiB of RSS | fan-out at n: p50 / p99 / max | held-stream growth | wall |',
);
console.log('| --- | ---: | --- | --- | ---: | --- | --- | ---: |');
try {
  for (const line of ['1.19.19', '2.1.9'] as const) {
    for (const n of counts) {
      const { report, wallMs } = await capacityRun(n, line);
      const c = report.capacity!;
      const f = c.steps.at(-1)!.fanout;
      const held = report.scenarios[0]!.checks.find((x) => x.meter === 'held-stream-growth')!;
      const ps = c.perStream;
      console.log(
        `| ${report.target.adapter?.version ?? '?'} | ${c.held.toLocaleString('en-US')}${c.held < c.asked ? ` of ${c.asked}` : ''} | ${
          ps ? `${kb(ps.heap.bytes)} (${kb(ps.heap.ci95[0])} to ${kb(ps.heap.ci95[1])})` : '-'
        } | ${ps ? `${kb(ps.rss.bytes)} (${kb(ps.rss.ci95[0])} to ${kb(ps.rss.ci95[1])})` : '-'} | ${
          c.streamsPerGiB?.rss?.toLocaleString('en-US') ?? 'not projected'
        } | ${f ? `${f.p50Ms} / ${f.p99Ms} / ${f.maxMs} ms${f.missed ? `, ${f.missed} missed` : ''}` : '-'} | ${
          held.verdict === 'fail' ? `${held.details!.bytesPerChunk} B per chunk` : held.verdict
        } | ${(wallMs / 1000).toFixed(1)} s |`,
      );
    }
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}
