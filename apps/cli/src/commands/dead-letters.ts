import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { CliError } from '../cli-error';
import { call } from '../http';
import type { CliIo } from '../io';
import { shortTime, table } from '../output';
import { requireToken } from '../settings';
import { contextOf, parseSince, positiveInt, subscriptionPath, type CommandContext } from '../context';

function lastErrorText(d: { resultClass?: string; lastError?: string }): string {
  const error = d.lastError ?? '';
  return d.resultClass && !error.startsWith(d.resultClass) ? `${d.resultClass}: ${error}` : error;
}

/** A subscription's dead letters, newest failure first, up to `limit` (following `next`). */
async function deadLetters(ctx: CommandContext, baseCode: string, limit: number): Promise<any[]> {
  const token = requireToken(ctx.settings);
  const items: any[] = [];
  let after: string | undefined;
  while (items.length < limit) {
    const query = new URLSearchParams({ limit: String(Math.min(500, limit - items.length)) });
    if (after) query.set('after', after);
    const { body } = await call('GET', `${ctx.settings.adminUrl}${subscriptionPath(baseCode, '/dead-letters')}?${query}`, { token });
    items.push(...(body.items as any[]));
    after = body.next;
    if (!after || body.items.length === 0) break;
  }
  return items;
}

export function deadLettersCommand(io: CliIo): Command {
  const command = new Command('dead-letters').alias('dlq').description('events that used up their retries: list and replay');

  command
    .command('list')
    .description("list a subscription's dead letters, newest first")
    .argument('<baseCode>')
    .option('--limit <n>', 'most to list', positiveInt, 100)
    .action(async (baseCode: string, options: { limit: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const items = await deadLetters(ctx, baseCode, options.limit);
      ctx.out.result({ items }, () =>
        items.length === 0
          ? `${baseCode} has no dead letters`
          : table(
              ['FAILED', 'EVENT', 'CHANGE', 'ORDER', 'ATTEMPTS', 'LAST ERROR'],
              items.map((d) => [shortTime(d.failedAt), d.eventId, `${d.changeId}/${d.dataArea}`, d.orderKey ?? '-', String(d.attempts), lastErrorText(d)]),
            ),
      );
    });

  command
    .command('replay')
    .description('put dead letters back in the queue (same event id, attempts from 1): one by its eventId, or all of them (oldest first, with --since only the recent ones)')
    .argument('<baseCode>')
    .argument('[eventId]', 'replay only this event')
    .option('--since <time>', 'only those that failed since: an ISO time (2025-01-31T08:00:00Z) or a duration back from now (30m, 2h, 7d)')
    .action(async (baseCode: string, eventId: string | undefined, options: { since?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const token = requireToken(ctx.settings);
      if (eventId && options.since) throw new CliError('give an eventId or --since, not both', 2);
      if (eventId) {
        const { body } = await call('POST', `${ctx.settings.adminUrl}${subscriptionPath(baseCode, `/dead-letters/${encodeURIComponent(eventId)}/replay`)}`, { token, body: {} });
        ctx.out.result({ eventId, replayed: body.replayed === true }, () =>
          body.replayed ? `${eventId} is back in the queue of ${baseCode}` : `${eventId} is not a dead letter of ${baseCode} (already replayed, waiting or delivered): nothing to do`,
        );
        return;
      }
      let since: string | undefined;
      try {
        since = options.since ? parseSince(options.since) : undefined;
      } catch (err) {
        throw new CliError(`--since: ${(err as Error).message}`, 2);
      }
      const all = await deadLetters(ctx, baseCode, 1_000_000);
      // Oldest first: a work order's events go back in the order they were accepted.
      const chosen = all.filter((d) => !since || Date.parse(d.failedAt) >= Date.parse(since)).reverse();
      const bar = !ctx.settings.json && io.stderr.isTTY && chosen.length > 1
        ? new SingleBar({ format: 'replaying {bar} {value}/{total} dead letters of ' + baseCode, stream: io.stderr as NodeJS.WritableStream, hideCursor: true, clearOnComplete: false })
        : undefined;
      bar?.start(chosen.length, 0);
      const replayed: string[] = [];
      const skipped: string[] = [];
      try {
        for (const item of chosen) {
          if (io.signal?.aborted) break;
          const { body } = await call('POST', `${ctx.settings.adminUrl}${subscriptionPath(baseCode, `/dead-letters/${encodeURIComponent(item.eventId)}/replay`)}`, { token, body: {} });
          (body.replayed ? replayed : skipped).push(item.eventId);
          bar?.increment();
        }
      } finally {
        bar?.stop();
      }
      ctx.out.result({ replayed: replayed.length, skipped: skipped.length, eventIds: replayed, ...(since ? { since } : {}) }, () =>
        chosen.length === 0
          ? `${baseCode} has no dead letters${since ? ` that failed since ${since}` : ''}: nothing to replay`
          : `replayed ${replayed.length} of ${chosen.length} dead letters of ${baseCode}${skipped.length ? ` (${skipped.length} were no longer dead letters)` : ''}`,
      );
    });

  return command;
}
