import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (getconf CLK_TCK; 100 on Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
  } catch {
    return 0;
  }
}

/** Resident set size in bytes; 0 when the process is gone. */
export function rssBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The 1-minute load average and the full `uptime` line, to note the machine's state next to the numbers. */
export function machineLoad(): { load1: number; load5: number; load15: number; uptime: string; cpus: number } {
  const [load1, load5, load15] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number) as [number, number, number];
  let uptime = '';
  try {
    uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    uptime = `load average: ${load1}, ${load5}, ${load15}`;
  }
  return { load1, load5, load15, uptime, cpus: cpus().length };
}

/** CPU use of the processes named, over a window: call stop() at the end. */
export class CpuMeter {
  private readonly start: Map<string, number>;
  private readonly startedAt = performance.now();

  constructor(private readonly pids: Record<string, number | undefined>) {
    this.start = new Map(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  }

  /** CPU seconds each process used since construction, and the wall seconds. */
  stop(): { wallSeconds: number; cpuSeconds: Record<string, number> } {
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    const used: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) used[name] = Math.max(0, cpuSeconds(pid) - (this.start.get(name) ?? 0));
    return { wallSeconds, cpuSeconds: used };
  }
}
