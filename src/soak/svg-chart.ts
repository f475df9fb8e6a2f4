export interface ChartSeries {
  name: string;
  colour: string;
  points: readonly [number, number][];
}

export interface ChartOptions {
  title: string;
  /** The x axis: its quantity, and its unit when it has one (`connections`; `time`, `s`). */
  xLabel: string;
  xUnit?: string;
  /** The y axis: a count, bytes (ticks in MB), or milliseconds. */
  yLabel: string;
  yUnit: 'count' | 'bytes' | 'ms';
  series: readonly ChartSeries[];
  /** A straight line y = intercept + slope * x, drawn dashed over the fitted range. */
  fit?: { slope: number; intercept: number; from: number; to: number; label: string };
  /** x below this is shaded as warm-up. */
  warmupUntil?: number;
}

const W = 760;
const H = 300;
const M = { left: 80, right: 20, top: 30, bottom: 45 };
const MiB = 1_048_576;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * Round ticks from zero: a step of 1, 2 or 5 × 10^n, the smallest that covers `max` in
 * about `target` steps. The axis ends at the last tick.
 */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / target;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const ticks: number[] = [];
  // Rounded to the step's decimals, so 0.1 × 3 is 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let i = 0; ; i++) {
    const t = Number((i * step).toFixed(decimals));
    ticks.push(t);
    if (t >= max) break;
  }
  return ticks;
}

const counted = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/**
 * A self-contained SVG line chart, read offline with no script: axes from zero with round
 * ticks and units, a legend, and every sample a point whose tooltip (SVG <title>, shown on
 * hover by every browser) gives its values. No charting library: the report must have no
 * script and load nothing, and this is all a time series of a few hundred samples needs.
 */
export function lineChart(o: ChartOptions): string {
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]));
  if (xs.length === 0) return `<p>${esc(o.title)}: no samples.</p>`;
  const bytes = o.yUnit === 'bytes';
  const scaleY = bytes ? MiB : 1;
  const xTicks = niceTicks(Math.max(...xs));
  const yTicks = niceTicks(Math.max(...ys, ...(o.fit ? [o.fit.intercept + o.fit.slope * o.fit.to] : [])) / scaleY);
  const x1 = xTicks.at(-1)!;
  const y1 = yTicks.at(-1)! * scaleY;
  const sx = (x: number) => M.left + (x / x1) * (W - M.left - M.right);
  const sy = (y: number) => H - M.bottom - (Math.max(0, y) / y1) * (H - M.top - M.bottom);
  const fy = (v: number) => (bytes ? `${counted(v / MiB)} MB` : o.yUnit === 'ms' ? `${counted(v)} ms` : counted(v));
  const fx = (v: number) => `${counted(v)}${o.xUnit ? ` ${o.xUnit}` : ` ${o.xLabel}`}`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(o.title)}" font-family="sans-serif" font-size="11">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`,
  ];
  if (o.warmupUntil !== undefined && o.warmupUntil > 0) {
    const w = sx(Math.min(o.warmupUntil, x1)) - sx(0);
    parts.push(`<rect x="${sx(0)}" y="${M.top}" width="${w}" height="${H - M.top - M.bottom}" fill="#eee"/>`);
    parts.push(`<text x="${sx(0) + 4}" y="${H - M.bottom - 6}" fill="#888">warm-up</text>`);
  }
  for (const t of yTicks) {
    const y = sy(t * scaleY);
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text class="y-tick" x="${M.left - 6}" y="${y + 4}" text-anchor="end">${esc(counted(t))}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<text class="x-tick" x="${sx(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(counted(t))}</text>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}${o.xUnit ? ` (${esc(o.xUnit)})` : ''}</text>`);
  parts.push(
    `<text transform="translate(14 ${H / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}${bytes ? ' (MB)' : o.yUnit === 'ms' ? ' (ms)' : ''}</text>`,
  );
  // The fit first: the samples' points are drawn over it, so hovering one gives its values.
  if (o.fit) {
    const { slope, intercept, from, to } = o.fit;
    parts.push(
      `<line x1="${sx(from)}" y1="${sy(intercept + slope * from)}" x2="${sx(to)}" y2="${sy(intercept + slope * to)}" stroke="#c00" stroke-dasharray="6 4" stroke-width="1.5"><title>${esc(o.fit.label)}</title></line>`,
    );
  }
  for (const s of o.series) {
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.5"><title>${esc(s.name)}</title></path>`);
    for (const [x, y] of s.points) {
      parts.push(
        `<circle class="point" cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.colour}" fill-opacity="0.25"><title>${esc(`${s.name}: ${fy(y)} at ${fx(x)}`)}</title></circle>`,
      );
    }
  }
  const legend = [...o.series.map((s) => [s.name, s.colour]), ...(o.fit ? [[o.fit.label, '#c00']] : [])];
  legend.forEach(([name, colour], i) => {
    parts.push(`<rect x="${M.left + 10 + i * 170}" y="${M.top + 2}" width="10" height="3" fill="${colour}"/>`);
    parts.push(`<text x="${M.left + 24 + i * 170}" y="${M.top + 7}">${esc(name!)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
