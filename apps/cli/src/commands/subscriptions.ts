import { Command, InvalidArgumentError, Option } from 'commander';
import { call } from '../http';
import type { CliIo } from '../io';
import { table, shortTime } from '../output';
import { requireToken } from '../settings';
import { contextOf, subscriptionPath, type CommandContext } from '../context';

function scopeText(scope: { dataAreas?: unknown; changeIds?: unknown } | undefined): string {
  const list = (v: unknown): string => (v === '*' ? '*' : Array.isArray(v) ? v.join(',') : '?');
  return `dataAreas ${list(scope?.dataAreas)} changeIds ${list(scope?.changeIds)}`;
}

/** Every subscription, following `next` through the pages. */
export async function listSubscriptions(ctx: CommandContext, filter: { status?: string; health?: string; dataArea?: string }): Promise<any[]> {
  const token = requireToken(ctx.settings);
  const items: any[] = [];
  let after: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const query = new URLSearchParams({ limit: '500' });
    if (filter.status) query.set('status', filter.status);
    if (filter.health) query.set('health', filter.health);
    if (filter.dataArea) query.set('dataArea', filter.dataArea);
    if (after) query.set('after', after);
    const { body } = await call('GET', `${ctx.settings.adminUrl}/v1/subscriptions?${query}`, { token });
    items.push(...(body.items as any[]));
    after = body.next;
    if (!after) break;
  }
  return items;
}

export function subscriptionsCommand(io: CliIo): Command {
  const command = new Command('subscriptions').alias('subs').description('list, show, enable, disable subscriptions, rotate their signing secrets, issue registration credentials');

  command
    .command('list')
    .description('list subscriptions (all pages)')
    .addOption(new Option('--status <status>', 'only this status').choices(['enabled', 'disabled', 'auto-disabled']))
    .addOption(new Option('--health <health>', 'only this health').choices(['healthy', 'degraded', 'failing', 'unknown']))
    .option('--data-area <dataArea>', 'only subscriptions that receive this dataArea')
    .action(async (options: { status?: string; health?: string; dataArea?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const items = await listSubscriptions(ctx, options);
      ctx.out.result({ items }, () =>
        items.length === 0
          ? 'no subscriptions'
          : table(
              ['BASECODE', 'STATUS', 'CALLBACK', 'SCOPE', 'CHANGED'],
              items.map((s) => [s.baseCode, s.status, s.callbackUrl, scopeText(s.scope), `${shortTime(s.statusChangedAt)} by ${s.statusChangedBy}`]),
            ),
      );
    });

  command
    .command('show')
    .description('show a subscription with its health and queue')
    .argument('<baseCode>')
    .action(async (baseCode: string, _options: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const token = requireToken(ctx.settings);
      const base = `${ctx.settings.adminUrl}${subscriptionPath(baseCode)}`;
      const subscription = (await call('GET', base, { token })).body;
      // Health and queue are extras: an owner credential or an older admin may not have them.
      const [health, queue] = await Promise.all([
        call('GET', `${base}/health`, { token }).then((r) => r.body, () => undefined),
        call('GET', `${base}/queue`, { token }).then((r) => r.body, () => undefined),
      ]);
      ctx.out.result({ subscription, health, queue }, () => {
        const lines = [
          `baseCode     ${subscription.baseCode}${subscription.systemName ? ` (${subscription.systemName})` : ''}`,
          `status       ${subscription.status} since ${shortTime(subscription.statusChangedAt)} by ${subscription.statusChangedBy}${subscription.statusReason ? `: ${subscription.statusReason}` : ''}`,
          `callback     ${subscription.callbackUrl}`,
          `scope        ${scopeText(subscription.scope)}`,
          `contact      ${subscription.contact?.name ?? '-'} <${subscription.contact?.email ?? '-'}>`,
          `ordering     ${subscription.ordering === false ? 'off' : 'per work order'}`,
        ];
        if (health) {
          lines.push(
            `health       ${health.state}, success rate ${Math.round((health.successRate ?? 0) * 100)}% of the last ${health.window ?? 0} attempts, ${health.consecutiveFailures ?? 0} failures in a row`,
          );
          if (health.lastError) lines.push(`last error   ${shortTime(new Date(health.lastError.at ?? Date.now()).toISOString())} ${health.lastError.resultClass ?? ''} ${health.lastError.message ?? ''}`.trimEnd());
        }
        if (queue) {
          lines.push(`queue        ${queue.waiting} waiting, ${queue.active} active, ${queue.delayed} retrying later, ${queue.deadLetters} dead letters${queue.paused ? ', paused' : ''}`);
        }
        if (subscription.status === 'auto-disabled') {
          lines.push('', `orderbus disabled it after persistent failure. Fix the receiver, then: orderbus subscriptions enable ${subscription.baseCode}`);
        }
        return lines;
      });
    });

  command
    .command('enable')
    .description('send the connect request to the callback and, if it answers success, enable the subscription (also re-enables an auto-disabled one)')
    .argument('<baseCode>')
    .option('--reason <text>', 'why (kept in the status history)')
    .option('--discard-backlog', 'drop the events queued while it was auto-disabled instead of delivering them')
    .action(async (baseCode: string, options: { reason?: string; discardBacklog?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const token = requireToken(ctx.settings);
      const body = { ...(options.reason ? { reason: options.reason } : {}), ...(options.discardBacklog ? { discardBacklog: true } : {}) };
      const { body: answer } = await call('POST', `${ctx.settings.adminUrl}${subscriptionPath(baseCode, '/enable')}`, { token, body });
      ctx.out.result(answer, () => `${answer.baseCode} is ${answer.status} (the callback answered the connect request: ${answer.handshake?.message ?? 'ok'})`);
    });

  command
    .command('disable')
    .description('disable a subscription: nothing more is queued for it')
    .argument('<baseCode>')
    .option('--reason <text>', 'why (kept in the status history)')
    .action(async (baseCode: string, options: { reason?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const token = requireToken(ctx.settings);
      const { body: answer } = await call('POST', `${ctx.settings.adminUrl}${subscriptionPath(baseCode, '/disable')}`, { token, body: options.reason ? { reason: options.reason } : {} });
      ctx.out.result(answer, () => `${answer.baseCode} is ${answer.status}`);
    });

  command
    .command('rotate-secret')
    .description('issue a new signing secret; the previous one keeps signing until it expires')
    .argument('<baseCode>')
    .option('--grace-seconds <seconds>', 'how long the previous secret stays valid (default: 24 h)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${v} is not a whole number of seconds.`);
      return n;
    })
    .action(async (baseCode: string, options: { graceSeconds?: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const token = requireToken(ctx.settings);
      const { body: answer } = await call('POST', `${ctx.settings.adminUrl}${subscriptionPath(baseCode, '/rotate-secret')}`, {
        token,
        body: options.graceSeconds !== undefined ? { graceSeconds: options.graceSeconds } : {},
      });
      ctx.out.result(answer, () => [
        `new signing secret of ${baseCode} (shown once; give it to the receiver now):`,
        `  ${answer.signingSecret}`,
        `deliveries carry signatures of both secrets until ${answer.previousSecretExpiresAt ?? 'the previous one expires'}; verify with both until then.`,
      ]);
    });

  command
    .command('issue-credential')
    .description("issue a registration credential (obr_<baseCode>.<secret>) with which the subscriber system registers and manages its own baseCode")
    .argument('<baseCode>', 'may not exist yet: the owner registers it with the credential')
    .action(async (baseCode: string, _options: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const token = requireToken(ctx.settings);
      const { body: answer } = await call('POST', `${ctx.settings.adminUrl}${subscriptionPath(baseCode, '/credentials')}`, { token, body: {} });
      ctx.out.result(answer, () => [
        `registration credential for ${baseCode} (shown once; hand it to the team of that system):`,
        `  ${answer.credential}`,
        `with it they can PUT, enable, disable and read ${subscriptionPath(baseCode)}, and nothing else.`,
      ]);
    });

  return command;
}
