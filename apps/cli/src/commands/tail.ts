import { Command } from 'commander';
import { call } from '../http';
import type { CliIo } from '../io';
import { requireToken } from '../settings';
import { contextOf, positiveInt, subscriptionPath, type CommandContext } from '../context';
import { listSubscriptions } from './subscriptions';

/** What tail prints per attempt. */
interface Attempt {
  baseCode: string;
  seq?: number;
  eventId: string;
  attemptNumber: number;
  startedAt: string;
  durationMs: number;
  status?: number;
  resultClass: string;
  message: string;
  nextRetryAt?: string;
  deadLettered?: boolean;
}

const PAGE = 100;
const MAX_PAGES_PER_POLL = 10;
const RELIST_EVERY_MS = 10_000;

/** Remembers what was printed per subscription: the highest `seq`, or (without one) the attempts' keys. */
class Cursor {
  private maxSeq = -1;
  private readonly keys = new Set<string>();

  isNew(a: Attempt): boolean {
    return a.seq !== undefined ? a.seq > this.maxSeq : !this.keys.has(keyOf(a));
  }

  add(a: Attempt): void {
    if (a.seq !== undefined) this.maxSeq = Math.max(this.maxSeq, a.seq);
    this.keys.add(keyOf(a));
    if (this.keys.size > 5000) this.keys.delete(this.keys.values().next().value!);
  }
}

const keyOf = (a: Attempt): string => `${a.eventId}#${a.attemptNumber}@${a.startedAt}`;

function normalise(baseCode: string, raw: any): Attempt {
  const { at, startedAt, ...rest } = raw;
  return { ...rest, baseCode, startedAt: startedAt ?? at };
}

/** New attempts of one subscription, oldest first (pages back until it meets one it has seen). */
async function newAttempts(ctx: CommandContext, token: string, baseCode: string, cursor: Cursor): Promise<Attempt[]> {
  const found: Attempt[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (after) query.set('after', after);
    const { body } = await call('GET', `${ctx.settings.adminUrl}${subscriptionPath(baseCode, '/attempts')}?${query}`, { token });
    const items = (body.items as any[]).map((raw) => normalise(baseCode, raw));
    const fresh = items.filter((a) => cursor.isNew(a));
    found.push(...fresh);
    after = body.next;
    if (!after || fresh.length < items.length) break;
  }
  return found.reverse();
}

function line(a: Attempt): string {
  const time = new Date(a.startedAt).toISOString().slice(11, 23);
  const outcome = a.resultClass === 'ok' ? `ok ${a.status ?? ''}`.trim() : `${a.resultClass}${a.status ? ` ${a.status}` : ''}: ${a.message}`;
  const next = a.deadLettered ? '  -> dead letter' : a.nextRetryAt ? `  -> retry at ${a.nextRetryAt.slice(11, 19)}` : '';
  return `${time}  ${a.baseCode}  ${a.eventId}  #${a.attemptNumber}  ${outcome}  ${a.durationMs} ms${next}`;
}

export function tailCommand(io: CliIo): Command {
  return new Command('tail')
    .description('watch delivery attempts live, across subscriptions (Ctrl-C to stop)')
    .option('--subscription <baseCode>', 'only this subscription (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--max <n>', 'stop after printing n attempts', positiveInt)
    .option('--for <seconds>', 'stop after this many seconds', positiveInt)
    .option('--interval <ms>', 'how often to poll (default 1000)', positiveInt, 1000)
    .action(async (options: { subscription?: string[]; max?: number; for?: number; interval: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const token = requireToken(ctx.settings);
      const started = Date.now();
      const deadline = options.for ? started + options.for * 1000 : Number.POSITIVE_INFINITY;
      const cursors = new Map<string, Cursor>();
      let printed = 0;
      let listedAt = 0;
      let baseCodes: string[] = [];

      const refresh = async (): Promise<void> => {
        baseCodes = options.subscription ?? (await listSubscriptions(ctx, {})).map((s) => s.baseCode as string);
        listedAt = Date.now();
      };
      await refresh();
      // What happened before tail started is history: start from the newest attempt of each.
      for (const baseCode of baseCodes) {
        const cursor = new Cursor();
        for (const a of await newAttempts(ctx, token, baseCode, cursor)) cursor.add(a);
        cursors.set(baseCode, cursor);
      }
      ctx.out.note(`watching ${options.subscription ? baseCodes.join(', ') : `${baseCodes.length} subscriptions`} for delivery attempts (Ctrl-C to stop)`);

      const stop = (): boolean => io.signal?.aborted === true || Date.now() >= deadline || (options.max !== undefined && printed >= options.max);
      while (!stop()) {
        await sleep(Math.min(options.interval, Math.max(0, deadline - Date.now())), io.signal);
        if (stop()) break;
        if (!options.subscription && Date.now() - listedAt > RELIST_EVERY_MS) await refresh();
        const batches = await Promise.all(
          baseCodes.map(async (baseCode) => {
            let cursor = cursors.get(baseCode);
            const isNewSubscription = !cursor;
            if (!cursor) {
              cursor = new Cursor();
              cursors.set(baseCode, cursor);
            }
            const attempts = await newAttempts(ctx, token, baseCode, cursor);
            attempts.forEach((a) => cursor.add(a));
            // A subscription that appeared while tailing: only what happened since tail started.
            return isNewSubscription ? attempts.filter((a) => Date.parse(a.startedAt) >= started) : attempts;
          }),
        );
        const fresh = batches.flat().sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
        for (const attempt of fresh) {
          if (options.max !== undefined && printed >= options.max) break;
          ctx.out.record(attempt, line(attempt));
          printed += 1;
        }
      }
      ctx.out.note(`stopped after ${printed} attempt${printed === 1 ? '' : 's'}`);
    });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
