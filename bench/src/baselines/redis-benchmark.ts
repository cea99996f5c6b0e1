import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface RedisBenchmarkRow {
  test: string;
  pipeline: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Baseline (c): the Redis ceiling on this machine, with `redis-benchmark`
 * (ships with redis-server) against the scenario's own AOF-everysec server:
 * SET and LPUSH, 50 clients, without and with pipelining.
 */
export async function redisBenchmark(port: number, requests: number, pipelines: readonly number[]): Promise<RedisBenchmarkRow[]> {
  const rows: RedisBenchmarkRow[] = [];
  for (const pipeline of pipelines) {
    const { stdout } = await promisify(execFile)(
      'redis-benchmark',
      ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,lpush', '-n', String(requests), '-c', '50', '-P', String(pipeline), '-q', '--csv'],
      { timeout: 120_000 },
    );
    for (const line of stdout.split('\n').slice(1)) {
      const cells = line.split(',').map((c) => c.replace(/"/g, ''));
      if (cells.length < 7) continue;
      rows.push({ test: cells[0]!, pipeline, rps: Number(cells[1]), p50Ms: Number(cells[4]), p99Ms: Number(cells[6]) });
    }
  }
  return rows;
}
