import type { CliIo } from './io';

/** Writes what a command produced: a JSON document with --json, lines for people otherwise. */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** The command's result: JSON with --json; `human` otherwise. */
  result(value: unknown, human: () => string | string[]): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const text = human();
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length > 0) this.io.stdout.write(`${lines.join('\n')}\n`);
  }

  /** One record of a stream (`tail`): a JSON line with --json. */
  record(value: unknown, human: string): void {
    this.io.stdout.write(`${this.json ? JSON.stringify(value) : human}\n`);
  }

  /** Progress and notices, on stderr so that stdout stays parseable. */
  note(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** `2025-01-31T08:00:00.000Z` -> `2025-01-31 08:00:00`. */
export function shortTime(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, '') : '-';
}
