import type { Redis } from 'ioredis';

/** `INFO <section>` as a map of field -> value. */
export async function info(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

export async function usedMemory(redis: Redis): Promise<number> {
  return Number((await info(redis, 'memory')).used_memory);
}

export async function aofSize(redis: Redis): Promise<number> {
  return Number((await info(redis, 'persistence')).aof_current_size ?? 0);
}

export interface ClientEntry {
  addr: string;
  name: string;
  cmd: string;
}

/** `CLIENT LIST`, parsed. */
export async function clientList(redis: Redis): Promise<ClientEntry[]> {
  const text = (await redis.call('CLIENT', 'LIST')) as string;
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = Object.fromEntries(
        line
          .trim()
          .split(' ')
          .map((kv) => {
            const at = kv.indexOf('=');
            return [kv.slice(0, at), kv.slice(at + 1)];
          }),
      );
      return { addr: fields.addr ?? '', name: fields.name ?? '', cmd: fields.cmd ?? '' };
    });
}

/** Connections that are in `after` but not in `before` (by address), grouped by client name. */
export function newConnections(before: readonly ClientEntry[], after: readonly ClientEntry[]): { total: number; byName: Record<string, number> } {
  const known = new Set(before.map((c) => c.addr));
  const added = after.filter((c) => !known.has(c.addr));
  const byName: Record<string, number> = {};
  for (const c of added) byName[c.name || '(unnamed)'] = (byName[c.name || '(unnamed)'] ?? 0) + 1;
  return { total: added.length, byName };
}

/** `INFO commandstats`: calls and microseconds per command. */
export async function commandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number }>> {
  const fields = await info(redis, 'commandstats');
  const stats: Record<string, { calls: number; usec: number }> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!key.startsWith('cmdstat_')) continue;
    const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
    const usec = Number(/usec=(\d+)/.exec(value)?.[1] ?? 0);
    stats[key.slice('cmdstat_'.length)] = { calls, usec };
  }
  return stats;
}

/** The difference of two commandstats snapshots, busiest first. */
export function commandStatsDelta(
  before: Record<string, { calls: number; usec: number }>,
  after: Record<string, { calls: number; usec: number }>,
): Array<{ command: string; calls: number; usec: number }> {
  return Object.entries(after)
    .map(([command, a]) => ({ command, calls: a.calls - (before[command]?.calls ?? 0), usec: a.usec - (before[command]?.usec ?? 0) }))
    .filter((d) => d.calls > 0)
    .sort((x, y) => y.usec - x.usec);
}
