// A self-contained chart of a soak run: six small line charts (SVG, rendered to PNG by
// @resvg/resvg-js), the warm-up shaded, so "flat after warm-up" can be seen at a glance.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const MB = 1024 * 1024;

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Rounds a maximum up to a tidy axis end (1, 2, 5 × 10^n). */
function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value) ?? 10 * power;
}

function panel({ x, y, width, height, title, unit, series, tMax, warmup }) {
  const left = x + 56;
  const right = x + width - 12;
  const top = y + 28;
  const bottom = y + height - 36;
  const yMax = niceMax(Math.max(...series.flatMap((s) => s.points.map(([, v]) => v)), 0) * 1.1);
  const sx = (t) => left + ((right - left) * t) / Math.max(1, tMax);
  const sy = (v) => bottom - ((bottom - top) * v) / yMax;
  const parts = [];
  parts.push(`<text x="${x + width / 2}" y="${y + 16}" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${sx(Math.min(warmup, tMax)) - left}" height="${bottom - top}" fill="#eeeeee"/>`);
  parts.push(`<text x="${left + 4}" y="${top + 12}" font-size="10" fill="#777">warm-up</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${left}" x2="${right}" y1="${sy(v)}" y2="${sy(v)}" stroke="#dddddd"/>`);
    parts.push(`<text x="${left - 6}" y="${sy(v) + 4}" text-anchor="end" font-size="10">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    parts.push(`<text x="${sx(t)}" y="${bottom + 14}" text-anchor="middle" font-size="10">${Math.round(t)}</text>`);
  }
  parts.push(`<text x="${(left + right) / 2}" y="${bottom + 28}" text-anchor="middle" font-size="10">seconds</text>`);
  parts.push(`<text x="${x + 12}" y="${(top + bottom) / 2}" font-size="10" transform="rotate(-90 ${x + 12} ${(top + bottom) / 2})" text-anchor="middle">${escape(unit)}</text>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#333"/><line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points.map(([t, v]) => `${sx(t).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<rect x="${right - 120}" y="${top + 6 + i * 14}" width="10" height="3" fill="${color}"/>`);
    parts.push(`<text x="${right - 106}" y="${top + 10 + i * 14}" font-size="10">${escape(s.name)}</text>`);
  });
  return parts.join('\n');
}

/** Draws the samples of a soak run as one PNG at `file`; returns the file. */
export function drawChart(samples, file, { warmupSeconds, title }) {
  const tMax = samples.length ? samples[samples.length - 1].t : 1;
  const line = (f) => samples.map((s) => [s.t, f(s)]);
  const panels = [
    { title: 'RSS of the apps', unit: 'MB', series: [
      { name: 'worker', points: line((s) => s.workerRss / MB) },
      { name: 'producer', points: line((s) => s.producerRss / MB) },
      { name: 'admin', points: line((s) => s.adminRss / MB) },
    ] },
    { title: 'V8 heap used', unit: 'MB', series: [
      { name: 'worker', points: line((s) => s.workerHeap / MB) },
      { name: 'producer', points: line((s) => s.producerHeap / MB) },
      { name: 'admin', points: line((s) => s.adminHeap / MB) },
    ] },
    { title: 'Redis used_memory', unit: 'MB', series: [{ name: 'used_memory', points: line((s) => s.redisUsedMemory / MB) }] },
    { title: 'Redis connections (CLIENT LIST)', unit: 'connections', series: [{ name: 'open', points: line((s) => s.redisConnections) }] },
    { title: 'Backlog (waiting + active + delayed)', unit: 'jobs', series: [{ name: 'backlog', points: line((s) => s.backlog) }] },
    { title: 'Deliveries per second', unit: 'deliveries/s', series: [{ name: 'delivered', points: line((s) => s.deliveriesPerSecond) }] },
  ];
  const width = 1200;
  const cell = { width: 600, height: 260 };
  const height = 40 + Math.ceil(panels.length / 2) * cell.height;
  const body = panels
    .map((p, i) => panel({ ...p, x: (i % 2) * cell.width, y: 40 + Math.floor(i / 2) * cell.height, width: cell.width, height: cell.height, tMax, warmup: warmupSeconds }))
    .join('\n');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="26" text-anchor="middle" font-size="18" font-weight="bold">${escape(title)}</text>
${body}
</svg>`;
  writeFileSync(file.replace(/\.png$/, '.svg'), svg);
  const { Resvg } = require('@resvg/resvg-js');
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'original' } }).render().asPng();
  writeFileSync(file, png);
  return file;
}
