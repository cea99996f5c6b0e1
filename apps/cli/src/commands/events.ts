import { Command } from 'commander';
import { CliError } from '../cli-error';
import { call } from '../http';
import type { CliIo } from '../io';
import { shortTime, table } from '../output';
import { requireToken } from '../settings';
import { contextOf } from '../context';

function attemptTime(a: any): string | undefined {
  return a?.startedAt ?? a?.at;
}

function deliveryRows(eventId: string, deliveries: any[]): string[][] {
  return deliveries.map((d) => {
    const attempts = (d.attempts ?? []) as any[];
    const last = attempts[attempts.length - 1];
    return [
      eventId,
      d.baseCode,
      d.state,
      String(attempts.length),
      last ? `${shortTime(attemptTime(last))} ${last.resultClass}${last.status ? ` ${last.status}` : ''}${last.resultClass === 'ok' ? '' : `: ${last.message ?? ''}`}` : '-',
    ];
  });
}

export function eventsCommand(io: CliIo): Command {
  const command = new Command('events').description('where events stand at each subscription');

  command
    .command('find')
    .description('find an event by its id, or the events of a work order (--order)')
    .argument('[eventId]')
    .option('--order <serviceOrderId>', "the events of this work order (data.serviceOrderId)")
    .action(async (eventId: string | undefined, options: { order?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const token = requireToken(ctx.settings);
      if (!eventId && !options.order) throw new CliError('give an eventId, or --order <serviceOrderId>', 2);
      if (eventId && options.order) throw new CliError('give an eventId or --order, not both', 2);
      if (eventId) {
        const { body } = await call('GET', `${ctx.settings.adminUrl}/v1/events/${encodeURIComponent(eventId)}`, { token });
        ctx.out.result(body, () => table(['EVENT', 'BASECODE', 'STATE', 'ATTEMPTS', 'LAST ATTEMPT'], deliveryRows(body.eventId, body.deliveries ?? [])));
        return;
      }
      // Every page: a work order has a handful of events, rarely more than a page.
      const items: any[] = [];
      let after: string | undefined;
      for (let page = 0; page < 50; page++) {
        const query = new URLSearchParams({ serviceOrderId: options.order!, limit: '500' });
        if (after) query.set('after', after);
        const { body } = await call('GET', `${ctx.settings.adminUrl}/v1/events?${query}`, { token });
        items.push(...((body.items ?? []) as any[]));
        after = body.next;
        if (!after) break;
      }
      ctx.out.result({ items }, () =>
        items.length === 0
          ? `no events of work order ${options.order}`
          : table(
              ['EVENT', 'BASECODE', 'STATE', 'ATTEMPTS', 'LAST ATTEMPT'],
              items.flatMap((e) => (e.deliveries ? deliveryRows(e.eventId, e.deliveries) : [[e.eventId, e.baseCode ?? '-', e.state ?? '-', '-', '-']])),
            ),
      );
    });

  return command;
}
