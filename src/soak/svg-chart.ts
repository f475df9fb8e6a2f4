export interface ChartSeries {
  name: string;
  colour: string;
  points: readonly [number, number][];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** A straight line y = intercept + slope * x, drawn dashed over the fitted range. */
  fit?: { slope: number; intercept: number; from: number; to: number; label: string };
  /** x below this is shaded as warm-up. */
  warmupUntil?: number;
  formatY?: (v: number) => string;
}

const W = 760;
const H = 300;
const M = { left: 80, right: 20, top: 30, bottom: 45 };
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A self-contained SVG line chart: no library, no network, readable offline. */
export function lineChart(o: ChartOptions): string {
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]));
  if (xs.length === 0) return `<p>${esc(o.title)}: no samples.</p>`;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const sy = (y: number) => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const fy = o.formatY ?? ((v: number) => String(Math.round(v)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(o.title)}" font-family="sans-serif" font-size="11">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`,
  ];
  if (o.warmupUntil !== undefined && o.warmupUntil > x0) {
    const w = sx(Math.min(o.warmupUntil, x1)) - sx(x0);
    parts.push(`<rect x="${sx(x0)}" y="${M.top}" width="${w}" height="${H - M.top - M.bottom}" fill="#eee"/>`);
    parts.push(`<text x="${sx(x0) + 4}" y="${H - M.bottom - 6}" fill="#888">warm-up</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 6}" y="${sy(y) + 4}" text-anchor="end">${esc(fy(y))}</text>`);
    const x = x0 + ((x1 - x0) * i) / 4;
    parts.push(`<text x="${sx(x)}" y="${H - M.bottom + 16}" text-anchor="middle">${Math.round(x)}</text>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${H / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  for (const s of o.series) {
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.5"><title>${esc(s.name)}</title></path>`);
  }
  if (o.fit) {
    const { slope, intercept, from, to } = o.fit;
    parts.push(
      `<line x1="${sx(from)}" y1="${sy(intercept + slope * from)}" x2="${sx(to)}" y2="${sy(intercept + slope * to)}" stroke="#c00" stroke-dasharray="6 4" stroke-width="1.5"><title>${esc(o.fit.label)}</title></line>`,
    );
  }
  const legend = [...o.series.map((s) => [s.name, s.colour]), ...(o.fit ? [[o.fit.label, '#c00']] : [])];
  legend.forEach(([name, colour], i) => {
    parts.push(`<rect x="${M.left + 10 + i * 170}" y="${M.top + 2}" width="10" height="3" fill="${colour}"/>`);
    parts.push(`<text x="${M.left + 24 + i * 170}" y="${M.top + 7}">${esc(name!)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
