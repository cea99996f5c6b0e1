/**
 * Small SVG charts (line and grouped bar) for the benchmark report; turned
 * into PNG by @resvg/resvg-js, so they need nothing but the npm registry.
 */

export interface Series {
  name: string;
  points: Array<[number, number]>;
  color: string;
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  yLog?: boolean;
  width?: number;
  height?: number;
}

export interface BarChart {
  title: string;
  yLabel: string;
  groups: Array<{ label: string; bars: Array<{ name: string; value: number; color: string }> }>;
  width?: number;
  height?: number;
}

export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'];

const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Ticks of a log axis: the powers of ten in [min, max], with 2 and 5 between them when there are few decades. */
function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  const decades = Math.log10(max) - Math.log10(min);
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of decades <= 2 ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
    }
  }
  return out;
}

/** Round tick steps (1, 2, 5 × 10^n) covering [min, max]. */
function ticks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(v % 1e6 === 0 ? 0 : 1)}M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(v % 1e3 === 0 ? 0 : 1)}k`;
  return String(Number(v.toPrecision(4)));
}

export function lineChartSvg(chart: LineChart): string {
  const width = chart.width ?? 900;
  const height = chart.height ?? 520;
  const m = { left: 80, right: 30, top: 50, bottom: 70 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const all = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (xMin === xMax) {
    xMin -= 1;
    xMax += 1;
  }
  const yMax = Math.max(...ys, 0) * 1.1 || 1;
  const positive = ys.filter((y) => y > 0);
  const yLogMin = chart.yLog ? 10 ** Math.floor(Math.log10(Math.min(...positive, yMax))) : 0;
  const yLogMax = chart.yLog ? 10 ** Math.ceil(Math.log10(Math.max(...positive, 1))) : 0;
  const xMap = chart.xLog
    ? (x: number) => m.left + ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)) * pw
    : (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const yMap = chart.yLog
    ? (y: number) => m.top + ph - ((Math.log10(Math.max(y, yLogMin)) - Math.log10(yLogMin)) / (Math.log10(yLogMax) - Math.log10(yLogMin) || 1)) * ph
    : (y: number) => m.top + ph - (y / yMax) * ph;
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold" ${FONT}>${esc(chart.title)}</text>`);
  for (const t of chart.yLog ? logTicks(yLogMin, yLogMax) : ticks(0, yMax)) {
    const y = yMap(t);
    parts.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y + 4}" text-anchor="end" font-size="12" ${FONT}>${fmt(t)}</text>`);
  }
  const xTicks = chart.xLog ? logTicks(xMin, xMax) : ticks(xMin, xMax);
  for (const t of xTicks) {
    const x = xMap(t);
    parts.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${x}" y="${m.top + ph + 18}" text-anchor="middle" font-size="12" ${FONT}>${fmt(t)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 22}" text-anchor="middle" font-size="14" ${FONT}>${esc(chart.xLabel)}</text>`);
  parts.push(
    `<text x="20" y="${m.top + ph / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 20 ${m.top + ph / 2})" ${FONT}>${esc(chart.yLabel)}</text>`,
  );
  for (const s of chart.series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.yLog || y > 0)).sort((a, b) => a[0] - b[0]);
    if (pts.length === 0) continue;
    const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${xMap(x).toFixed(1)},${yMap(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="8 5"' : ''}/>`);
    for (const [x, y] of pts) parts.push(`<circle cx="${xMap(x).toFixed(1)}" cy="${yMap(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
  }
  // Legend, top left inside the plot.
  const lh = 20;
  const lw = Math.max(...chart.series.map((s) => s.name.length)) * 7.5 + 50;
  parts.push(`<rect x="${m.left + 10}" y="${m.top + 10}" width="${lw}" height="${chart.series.length * lh + 10}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  chart.series.forEach((s, i) => {
    const y = m.top + 25 + i * lh;
    parts.push(`<line x1="${m.left + 18}" y1="${y - 4}" x2="${m.left + 46}" y2="${y - 4}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="8 5"' : ''}/>`);
    parts.push(`<text x="${m.left + 52}" y="${y}" font-size="12" ${FONT}>${esc(s.name)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

export function barChartSvg(chart: BarChart): string {
  const width = chart.width ?? 900;
  const height = chart.height ?? 520;
  const m = { left: 80, right: 30, top: 50, bottom: 90 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const yMax = Math.max(...chart.groups.flatMap((g) => g.bars.map((b) => b.value)), 0) * 1.15 || 1;
  const yMap = (y: number) => m.top + ph - (y / yMax) * ph;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="white"/>`];
  parts.push(`<text x="${width / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold" ${FONT}>${esc(chart.title)}</text>`);
  for (const t of ticks(0, yMax)) {
    const y = yMap(t);
    parts.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y + 4}" text-anchor="end" font-size="12" ${FONT}>${fmt(t)}</text>`);
  }
  parts.push(
    `<text x="20" y="${m.top + ph / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 20 ${m.top + ph / 2})" ${FONT}>${esc(chart.yLabel)}</text>`,
  );
  const gw = pw / Math.max(1, chart.groups.length);
  chart.groups.forEach((g, gi) => {
    const bw = Math.min(70, (gw * 0.8) / Math.max(1, g.bars.length));
    const x0 = m.left + gi * gw + (gw - bw * g.bars.length) / 2;
    g.bars.forEach((b, bi) => {
      const x = x0 + bi * bw;
      const y = yMap(b.value);
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${(m.top + ph - y).toFixed(1)}" fill="${b.color}"/>`);
      parts.push(`<text x="${(x + (bw - 4) / 2).toFixed(1)}" y="${(y - 5).toFixed(1)}" text-anchor="middle" font-size="11" ${FONT}>${fmt(Math.round(b.value))}</text>`);
      parts.push(
        `<text x="${(x + (bw - 4) / 2).toFixed(1)}" y="${m.top + ph + 14}" text-anchor="middle" font-size="10" ${FONT}>${esc(b.name)}</text>`,
      );
    });
    parts.push(`<text x="${(m.left + gi * gw + gw / 2).toFixed(1)}" y="${m.top + ph + 36}" text-anchor="middle" font-size="13" font-weight="bold" ${FONT}>${esc(g.label)}</text>`);
  });
  parts.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#333"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}
