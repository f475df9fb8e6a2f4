import path from 'node:path';
import { describeCheck } from '../report/describe-check.ts';
import { megabytes, size } from '../report/format-bytes.ts';
import { median } from '../stats/theil-sen.ts';
import { internalConstructors } from './heap-snapshots.ts';
import type { SoakReport } from './execute-soak.ts';
import { type ChartOptions, lineChart } from './svg-chart.ts';
import { type CapacityReport, describeCapacity } from './capacity.ts';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const palette = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];

/**
 * The soak as one self-contained HTML page (inline SVG, no script, no network): heap and
 * timers against connections with the fitted line and the warm-up shaded, gauges and
 * memory over time, and the verdict with its numbers.
 */
export function soakHtml(report: SoakReport, htmlFile?: string): string {
  const soak = report.scenarios[0]!;
  const growth = soak.checks.find((c) => c.meter === 'heap-growth');
  const s = report.series;
  const details = growth?.details as { warmupEndsAtConnections?: number } | undefined;
  const warm = details?.warmupEndsAtConnections;
  let fit: ChartOptions['fit'];
  if (growth?.bytesPerConnection !== undefined && warm !== undefined) {
    const after = s.filter((p) => p.connections >= warm);
    const intercept = median(after.map((p) => p.heapUsed - growth.bytesPerConnection! * p.connections).sort((a, b) => a - b));
    fit = {
      slope: growth.bytesPerConnection,
      intercept,
      from: warm,
      to: s[s.length - 1]!.connections,
      label: `Theil-Sen: ${Math.round(growth.bytesPerConnection * 1000).toLocaleString('en-US')} B / 1,000 conns`,
    };
  }
  const gaugeNames = [...new Set(s.flatMap((p) => Object.keys(p.gauges)))];
  const charts = [
    lineChart({
      title: 'Heap (object spaces and array buffers, after GC) against connections',
      xLabel: 'connections',
      yLabel: 'heap used',
      yUnit: 'bytes',
      series: [{ name: 'heap used', colour: palette[0]!, points: s.map((p) => [p.connections, p.heapUsed]) }],
      fit,
      warmupUntil: warm,
    }),
    lineChart({
      title: "Target's live timers against connections",
      xLabel: 'connections',
      yLabel: 'timers',
      yUnit: 'count',
      series: [{ name: 'timers', colour: palette[1]!, points: s.map((p) => [p.connections, p.timers]) }],
      warmupUntil: warm,
    }),
    lineChart({
      title: 'Gauges and open sockets over time',
      xLabel: 'time',
      xUnit: 's',
      yLabel: 'count',
      yUnit: 'count',
      series: [
        ...gaugeNames.map((g, i) => ({
          name: `gauge ${g}`,
          colour: palette[(i + 2) % palette.length]!,
          points: s.map((p) => [p.t / 1000, p.gauges[g] ?? 0] as [number, number]),
        })),
        { name: 'server sockets', colour: '#7f7f7f', points: s.map((p) => [p.t / 1000, p.sockets] as [number, number]) },
      ],
    }),
    lineChart({
      title: 'Process memory over time',
      xLabel: 'time',
      xUnit: 's',
      yLabel: 'memory',
      yUnit: 'bytes',
      series: [
        { name: 'rss', colour: palette[0]!, points: s.map((p) => [p.t / 1000, p.rss]) },
        { name: 'external', colour: palette[2]!, points: s.map((p) => [p.t / 1000, p.external]) },
        { name: 'code', colour: palette[3]!, points: s.map((p) => [p.t / 1000, p.code]) },
      ],
    }),
  ];
  const rows = soak.checks
    .map(
      (c) =>
        `<tr><td>${esc(c.meter)}</td><td class="${c.verdict}">${c.verdict}</td><td>${esc(c.verdict === 'pass' ? (c.reason ?? '') : describeCheck(c))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sse-soak soak: ${esc(report.target.name)}</title>
<style>body{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}
.pass{color:#080}.fail{color:#c00;font-weight:bold}.error{color:#b60}.skipped{color:#888}svg{width:100%;height:auto;margin:1em 0}</style></head>
<body>
<h1>sse-soak soak: <span class="${report.verdict}">${report.verdict}</span></h1>
<p>Target <code>${esc(report.target.name)}</code> on @hono/node-server ${esc(report.target.adapter?.version ?? '?')}, Node ${esc(report.environment.node)};
${soak.connections} connections in ${(report.durationMs / 1000).toFixed(1)} s (${soak.stats?.connectionsPerSecond ?? '?'} per second), ${s.length} samples${report.interrupted ? ', <b>interrupted</b>' : ''}.</p>
<table><tr><th>check</th><th>verdict</th><th>numbers</th></tr>
${rows}
</table>
${charts.join('\n')}
${report.capacity ? capacitySection(report.capacity) : ''}
${retainedSection(report, htmlFile)}
</body></html>
`;
}

/** The held streams opened in steps: memory and fan-out latency against the streams open. */
function capacitySection(c: CapacityReport): string {
  const perChunk = c.chunkGrowthTakenOff?.bytesPerChunk ?? 0;
  const heapAtOpen = c.steps.map((p) => [p.open, p.heapUsed - perChunk * p.chunks] as [number, number]);
  const heap = c.perStream?.heap;
  const fit: ChartOptions['fit'] = heap && {
    slope: heap.bytes,
    intercept: median(heapAtOpen.map(([x, y]) => y - heap.bytes * x).sort((a, b) => a - b)),
    from: 0,
    to: c.held,
    label: `Theil-Sen: ${size(heap.bytes)} / stream`,
  };
  const timed = c.steps.filter((p) => p.fanout && p.fanout.p50Ms !== null);
  return `<h2>Capacity: ${c.held.toLocaleString('en-US')} streams held</h2>
${describeCapacity(c)
  .map((line) => `<p>${esc(line.trim())}</p>`)
  .join('\n')}
${lineChart({
  title: 'Memory against open streams (after GC)',
  xLabel: 'open streams',
  yLabel: 'memory',
  yUnit: 'bytes',
  series: [
    { name: 'rss', colour: palette[2]!, points: c.steps.map((p) => [p.open, p.rss]) },
    { name: 'heap used', colour: palette[0]!, points: c.steps.map((p) => [p.open, p.heapUsed]) },
    ...(perChunk > 0 ? [{ name: 'heap at open', colour: palette[1]!, points: heapAtOpen }] : []),
  ],
  fit,
})}
${
  timed.length
    ? lineChart({
        title: 'Fan-out latency against open streams (publish to every stream reading the event)',
        xLabel: 'open streams',
        yLabel: 'latency',
        yUnit: 'ms',
        series: (['p50Ms', 'p99Ms', 'maxMs'] as const).map((k, i) => ({
          name: k.replace('Ms', ''),
          colour: palette[i]!,
          points: timed.map((p) => [p.open, p.fanout![k]!] as [number, number]),
        })),
      })
    : ''
}`;
}

const signedSize = (n: number) => `${n >= 0 ? '+' : ''}${size(n)}`;

/** Who holds what grew: every cluster of retainer paths, with the snapshot and node id to open in DevTools. */
function heldBy(diff: NonNullable<SoakReport['snapshots']>['diff'], link: (file: string) => string): string {
  const retainers = diff?.retainers;
  if (!retainers) return '';
  if (retainers.clusters.length === 0)
    return `<p>Who holds it: no cluster of new objects reached ${retainers.floor} objects (${
      retainers.leakedPerConnection
        ? "half the rate of the leak the soak's counts found"
        : 'one per ten connections churned between the snapshots'
    }).</p>`;
  const rows = retainers.clusters
    .map((c) => {
      const path = c.path
        .map(
          (s) =>
            `← <code>${esc(s.edge)}</code> ${esc(s.holder)}${s.site ? ` <code>${esc(s.site)}</code>` : ''}${s.writes ? `, written at <code>${esc(s.writes.join(', '))}</code>` : ''}`,
        )
        .join('<br>');
      const holds = c.holds.map((h) => `${esc(h.constructor)} ×${h.count.toLocaleString('en-US')}`).join(', ');
      return `<tr><td>${c.count.toLocaleString('en-US')} × <code>${esc(c.constructor)}</code>${c.site ? ` <code>${esc(c.site)}</code>` : ''}<br><small>${c.perConnection.toFixed(2)} per connection churned</small>${holds ? `<br><small>with ${holds}</small>` : ''}</td><td>${size(c.retainedSize)}</td><td>${path || '(a GC root)'}</td><td>${link(c.example.snapshot)} <code>@${c.example.nodeId}</code></td></tr>`;
    })
    .join('\n');
  return `<h3>Who holds it</h3>
<p>The shortest retainer path of the new objects of the constructors that grew most, clustered by shape, largest retained size first (${retainers.ms} ms). To see one in DevTools: Memory, Load the snapshot, then search the Summary for the node id.</p>
<table><tr><th>objects</th><th>retained</th><th>held by</th><th>open in DevTools</th></tr>
${rows}
</table>`;
}

/** The snapshot diff as a table, and where the snapshot files are (linked relative to the page). */
function retainedSection(report: SoakReport, htmlFile?: string): string {
  const snaps = report.snapshots;
  if (!snaps) return '';
  const link = (file: string) => {
    const rel = htmlFile ? path.relative(path.dirname(htmlFile), file).split(path.sep).join('/') : file;
    return `<a href="${esc(encodeURI(rel))}">${esc(rel)}</a>`;
  };
  const files = snaps.files
    .map(
      (f) =>
        `<li>${f.label === 'warmup' ? 'End of the warm-up' : 'End'}, ${f.connections} connections: ${link(f.file)} (${megabytes(f.bytes)}, ${(f.ms / 1000).toFixed(1)} s)</li>`,
    )
    .join('\n');
  const diff = snaps.diff;
  const rows = (diff?.constructors ?? [])
    .map(
      (d) =>
        `<tr${internalConstructors.has(d.name) ? ' class="skipped"' : ''}><td><code>${esc(d.name)}</code></td><td>${d.countDelta >= 0 ? '+' : ''}${d.countDelta}</td><td>${signedSize(d.sizeDelta)}</td><td>${d.addedCount}</td><td>${d.removedCount}</td></tr>`,
    )
    .join('\n');
  return `<h2>What is retained</h2>
<p>Heap snapshots, both taken with nothing in flight and the held streams open; open them in Chrome DevTools (Memory, Load, then Comparison) or memlab.</p>
<ul>
${files}
</ul>
${
  diff
    ? `<p>Objects alive at the end that were not at the end of the warm-up, by constructor, largest shallow size first (${diff.grewCount} grew; all together ${diff.totalCountDelta >= 0 ? '+' : ''}${diff.totalCountDelta} objects, ${signedSize(diff.totalSizeDelta)}). Grey rows are V8's own code and metadata.</p>
<table><tr><th>constructor</th><th>count</th><th>shallow size</th><th>new</th><th>gone</th></tr>
${rows}
</table>
${heldBy(diff, link)}`
    : `<p>No diff: ${esc(snaps.error ?? 'unknown')}</p>`
}`;
}
