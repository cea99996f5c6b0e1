import type { Row } from '../results';
import type { ProfileSummary } from './cpu-profile';

function cell(value: number | string | undefined): string {
  if (value === undefined || value === '') return '';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  return value;
}

/** The summary table (markdown): orderbus and its baseline side by side, the ratio, the target. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = ['| scenario | measure | orderbus | baseline | ratio | target |', '|---|---|---:|---:|---:|---|'];
  for (const r of rows) {
    const baseline = r.baseline === undefined || r.baseline === '' ? '' : `${cell(r.baseline)}${r.baselineLabel ? ` (${r.baselineLabel})` : ''}`;
    const ratio = r.ratio === undefined || !Number.isFinite(r.ratio) ? '' : r.ratio.toFixed(2);
    const target = r.target ? `${r.target}${r.pass === undefined ? '' : r.pass ? ' ✅' : ' ❌'}` : '';
    lines.push(`| ${r.scenario} | ${r.measure}${r.unit ? ` (${r.unit})` : ''} | ${cell(r.orderbus)} | ${baseline} | ${ratio} | ${target} |`);
  }
  return lines.join('\n');
}

/** A CPU profile's summary as markdown. */
export function profileMarkdown(title: string, s: ProfileSummary): string {
  const list = (items: ProfileSummary['byModule']): string => items.map((i) => `| ${i.percent.toFixed(1)} % | \`${i.frame}\` |`).join('\n');
  return [
    `#### ${title} (${s.busySeconds} s of CPU sampled)`,
    '',
    'Self time by module:',
    '',
    '| share | module |',
    '|---:|---|',
    list(s.byModule.slice(0, 12)),
    '',
    'Self time charged to the nearest package on the stack (node internals and native calls count for their caller):',
    '',
    '| share | module |',
    '|---:|---|',
    list(s.byCallingModule.slice(0, 12)),
    '',
    'Top functions by self time:',
    '',
    '| share | function |',
    '|---:|---|',
    list(s.topSelf),
    '',
    ...(s.topInclusive.length ? ['Functions by inclusive time (with what they call):', '', '| share | function |', '|---:|---|', list(s.topInclusive), ''] : []),
  ].join('\n');
}

/** The MONITOR sample as markdown: top-level Redis commands per event and per delivery, by connection. */
export function monitorMarkdown(
  title: string,
  commands: ReadonlyArray<{ connection: string; command: string; calls: number; perDelivery: number; perEvent?: number }>,
  minCalls = 2,
): string {
  const rows = commands.filter((c) => c.calls >= minCalls && c.command !== 'monitor' && c.command !== 'info');
  return [
    `#### ${title}`,
    '',
    '| connection | command | per event | per delivery |',
    '|---|---|---:|---:|',
    ...rows.map((c) => `| ${c.connection} | \`${c.command.replace(/\|/g, '\\|')}\` | ${c.perEvent ?? ''} | ${c.perDelivery} |`),
    '',
  ].join('\n');
}
