import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  frame: string;
  /** Share of the non-idle samples, percent. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled seconds that were not idle. */
  busySeconds: number;
  /** Self time by where the code lives (package, orderbus package, node internals, GC), percent of busy. */
  byModule: FrameShare[];
  /**
   * Self time charged to the nearest package on the stack: node internals and
   * native calls (socket writes, hashing...) count for the package that called them.
   */
  byCallingModule: FrameShare[];
  /** Functions with the most self time. */
  topSelf: FrameShare[];
  /** Functions of packages (orderbus's and npm's) with the most inclusive time (themselves and what they call). */
  topInclusive: FrameShare[];
}

/** Where a frame's code lives: an npm package, an orderbus package or app, node's internals, or V8's pseudo-frames. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(program)') return '(program: V8/native)';
    if (functionName === '(idle)') return '(idle)';
    return `(native ${functionName || 'anonymous'})`;
  }
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pnpm) return pnpm[1]!;
  const plain = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (plain) return plain[1]!;
  const own = /\/(packages|apps)\/([^/]+)\/dist\//.exec(url);
  if (own) return `@orderbus/${own[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? url.replace(/^.*\/(node_modules\/\.pnpm\/[^/]+\/node_modules\/|packages\/|apps\/)/, '').replace(/^file:\/\//, '') : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

const UNCHARGED = new Set(['GC', '(program: V8/native)', '(idle)', 'node internals']);

/**
 * Summarises a .cpuprofile (node --cpu-prof): self time by module and
 * function, inclusive time of package functions. With `window` (CLOCK_MONOTONIC
 * microseconds, the clock V8 stamps samples with, as process.hrtime in
 * another process reads it), only the samples inside it count: start-up and
 * shutdown are left out.
 */
export function summariseProfile(file: string, top = 15, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Each sample's duration is the next time delta (the last one gets the mean).
  const deltas = profile.timeDeltas;
  const mean = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  const calling = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += deltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const node = byId.get(id);
    if (!node) return;
    const us = deltas[i + 1] ?? mean;
    const module = moduleOf(node.callFrame.url, node.callFrame.functionName);
    if (module === '(idle)') return;
    busy += us;
    modules.set(module, (modules.get(module) ?? 0) + us);
    let charged = module;
    if (module !== 'GC' && module !== '(program: V8/native)' && (UNCHARGED.has(module) || module.startsWith('(native'))) {
      for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
        const frame = byId.get(up)!.callFrame;
        const m = moduleOf(frame.url, frame.functionName);
        if (!UNCHARGED.has(m) && !m.startsWith('(native') && m !== '(root)') {
          charged = m;
          break;
        }
      }
    }
    calling.set(charged, (calling.get(charged) ?? 0) + us);
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)!;
      const m = moduleOf(n.callFrame.url, n.callFrame.functionName);
      if (UNCHARGED.has(m) || m.startsWith('(')) continue;
      const key = frameName(n);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  });
  const share = (m: Map<string, number>, limit: number): FrameShare[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([frame, us]) => ({ frame, percent: Math.round((1000 * us) / Math.max(1, busy)) / 10 }));
  return {
    file,
    busySeconds: Math.round(busy / 1e4) / 100,
    byModule: share(modules, 20),
    byCallingModule: share(calling, 20),
    topSelf: share(self, top),
    topInclusive: share(inclusive, 25),
  };
}
