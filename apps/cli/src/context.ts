import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from './io';
import { Output } from './output';
import { settingsOf, type GlobalOptions, type Settings } from './settings';

/** What every command action gets: the resolved settings and where to write. */
export interface CommandContext {
  io: CliIo;
  settings: Settings;
  out: Output;
}

export function contextOf(command: Command, io: CliIo): CommandContext {
  const settings = settingsOf(command.optsWithGlobals<GlobalOptions>(), io);
  return { io, settings, out: new Output(io, settings.json) };
}

/** `/v1/subscriptions/<baseCode>` with the baseCode escaped. */
export function subscriptionPath(baseCode: string, rest = ''): string {
  return `/v1/subscriptions/${encodeURIComponent(baseCode)}${rest}`;
}

/** Parses `--limit`-style integers; commander passes the previous value as the second argument. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${value} is not a positive integer.`);
  return n;
}

/** `2025-01-31T08:00:00Z`, or a duration back from now: `90s`, `30m`, `2h`, `7d`. */
export function parseSince(value: string, now = Date.now()): string {
  const relative = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (relative) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(relative[1]) * unit).toISOString();
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new Error(`${value} is neither an ISO 8601 time (2025-01-31T08:00:00Z) nor a duration (30m, 2h, 7d)`);
  return new Date(at).toISOString();
}
