/**
 * Sensitivity and false positives of `soak`'s growth verdict, measured:
 * - 256 B per connection retained (no timer, no listener): detected within 20,000 connections?
 * - 2 KiB per connection: within 2,000?
 * - `fixed` and a cache that fills to a cap: pass, run after run?
 * - churn during the soak against the same churn with no harness.
 *
 *   npx tsx bench/soak-sensitivity.ts [--clean-runs 10] [--clean-connections 6000]
 */
import { parseArgs } from 'node:util';
import { runSoakChurn } from '../src/soak/run-soak-churn.ts';

const { values } = parseArgs({
  options: { 'clean-runs': { type: 'string', default: '10' }, 'clean-connections': { type: 'string', default: '6000' } },
});
const cleanRuns = Number(values['clean-runs']);
const cleanConnections = Number(values['clean-connections']);

async function soak(variant: string, connections: number, retainBytes?: number) {
  const report = await runSoakChurn({
    target: `reference:${variant}`,
    reference: retainBytes ? { retainBytes } : undefined,
    settings: { connections, durationMs: Number.MAX_SAFE_INTEGER },
  });
  const s = report.scenarios[0]!;
  const g = s.checks.find((c) => c.meter === 'heap-growth')!;
  return { report, s, g };
}

const row = (label: string, r: Awaited<ReturnType<typeof soak>>) =>
  `| ${label} | ${r.s.connections} | ${r.g.verdict} | ${r.g.bytesPerConnection} | ${r.g.ci95?.join(' to ') ?? '-'} | ${r.g.limit} | ${r.s.stats?.connectionsPerSecond} |`;

console.log(`soak sensitivity, node ${process.version}`);
console.log('| target | connections | verdict | B/conn | 95 % CI | limit B/conn | conn/s |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
console.log(row('retains 2 KiB per connection', await soak('retains-per-connection', 2_000)));
console.log(row('retains 256 B per connection', await soak('retains-per-connection', 20_000, 256)));
console.log(row('bounded cache (1,000 × 2 KiB)', await soak('bounded-cache', cleanConnections)));
let passes = 0;
for (let i = 0; i < cleanRuns; i++) {
  const r = await soak('fixed', cleanConnections);
  if (r.g.verdict === 'pass' && r.s.verdict === 'pass') passes++;
  console.log(row(`fixed, run ${i + 1}`, r));
}
let cachePasses = 0;
for (let i = 0; i < cleanRuns; i++) {
  const r = await soak('bounded-cache', cleanConnections);
  if (r.s.verdict === 'pass') cachePasses++;
}
console.log(`\nfixed passed ${passes} of ${cleanRuns}; bounded-cache passed ${cachePasses} of ${cleanRuns} (${cleanConnections} connections each)`);
