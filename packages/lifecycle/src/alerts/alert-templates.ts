import type { Subscription } from '@orderbus/registry';
import type { FailedAttempt } from '../health';
import type { AlertMail } from './alert-mail';

/** What the templates can say about the situation. */
export interface AlertContext {
  subscription: Subscription;
  /** The last failed attempts, newest first: the "log info and error codes" seed 002 asks for. */
  failures: FailedAttempt[];
  consecutiveFailures?: number;
  failingSince?: number;
  reason?: string;
  /** Link to the subscription in the admin console, when configured. */
  consoleUrl?: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function attemptLines(failures: FailedAttempt[]): string[] {
  return failures.map(
    (f) =>
      `${new Date(f.at).toISOString()}  event ${f.eventId}  attempt ${f.attemptNumber}  ${f.status ?? '-'}  ${f.resultClass}  ${f.message}`,
  );
}

function render(kind: AlertMail['kind'], ctx: AlertContext, subject: string, paragraphs: string[]): AlertMail {
  const s = ctx.subscription;
  const lines = attemptLines(ctx.failures);
  const header = [`Subscription: ${s.baseCode}${s.systemName ? ` (${s.systemName})` : ''}`, `Callback URL: ${s.callbackUrl}`];
  const link = ctx.consoleUrl ? [`Console: ${ctx.consoleUrl}`] : [];
  const text = [
    `Hello ${s.contact.name},`,
    '',
    ...paragraphs,
    '',
    ...header,
    ...link,
    ...(lines.length > 0 ? ['', 'Last failed attempts (time, event, attempt, HTTP status, error code, message):', ...lines] : []),
    '',
    '-- orderbus',
  ].join('\n');
  const html = [
    `<p>Hello ${escapeHtml(s.contact.name)},</p>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p>${header.map(escapeHtml).join('<br>')}${ctx.consoleUrl ? `<br><a href="${escapeHtml(ctx.consoleUrl)}">Open in the console</a>` : ''}</p>`,
    lines.length > 0
      ? `<p>Last failed attempts:</p><table border="1" cellpadding="4" cellspacing="0"><tr><th>Time</th><th>Event</th><th>Attempt</th><th>Status</th><th>Error code</th><th>Message</th></tr>${ctx.failures
          .map(
            (f) =>
              `<tr><td>${new Date(f.at).toISOString()}</td><td>${escapeHtml(f.eventId)}</td><td>${f.attemptNumber}</td><td>${f.status ?? '-'}</td><td>${escapeHtml(f.resultClass)}</td><td>${escapeHtml(f.message)}</td></tr>`,
          )
          .join('')}</table>`
      : '',
    '<p>-- orderbus</p>',
  ].join('\n');
  return { kind, baseCode: s.baseCode, to: s.contact.email, subject, text, html };
}

/** The subscription turned failing: deliveries keep being retried. */
export function failingAlert(ctx: AlertContext): AlertMail {
  const since = ctx.failingSince ? ` since ${new Date(ctx.failingSince).toISOString()}` : '';
  return render('failing', ctx, `[orderbus] Deliveries to ${ctx.subscription.baseCode} are failing`, [
    `Deliveries to your callback have been failing${since} (${ctx.consecutiveFailures ?? ctx.failures.length} failed attempts in a row).`,
    'orderbus keeps retrying on its schedule. If the failures go on, the subscription is disabled automatically and events wait in its backlog until you re-enable it.',
    'Please check your receiving service.',
  ]);
}

/** The bus disabled the subscription after persistent failure (or a 410). */
export function autoDisabledNotice(ctx: AlertContext): AlertMail {
  return render('auto-disabled', ctx, `[orderbus] Subscription ${ctx.subscription.baseCode} was disabled automatically`, [
    `orderbus has disabled pushes to your callback: ${ctx.reason ?? 'deliveries failed persistently'}. Its health is marked abnormal.`,
    'New events are still kept in the backlog (up to its limits; older ones go to the dead letters), nothing is lost in the meantime.',
    'What to do: fix the receiving service, then re-enable the subscription (admin console, CLI or API). Re-enabling sends a connect request first; once it succeeds, the backlog is delivered in order.',
  ]);
}

/** The subscription was enabled again after being auto-disabled. */
export function reEnabledNotice(ctx: AlertContext): AlertMail {
  return render('re-enabled', ctx, `[orderbus] Subscription ${ctx.subscription.baseCode} is enabled again`, [
    `Pushes to your callback are enabled again (${ctx.reason ?? 're-enabled'}); the connect request succeeded.`,
    'Events queued while it was disabled are now being delivered in order.',
  ]);
}

/** What a receiver reported about an event it accepted (POST /v1/events/:eventId/errors). */
export interface ReceiverErrorNote {
  eventId: string;
  family: string;
  type: string;
  status: string;
  code: number;
  msg: string;
}

/** A receiver reported that it failed to process events it had accepted (throttled like failure alerts). */
export function receiverErrorAlert(ctx: AlertContext & { report: ReceiverErrorNote; count: number }): AlertMail {
  const r = ctx.report;
  return render('receiver-error', ctx, `[orderbus] ${ctx.subscription.baseCode} reported an error processing event ${r.eventId}`, [
    `Your system accepted event ${r.eventId} (${r.family}.${r.type}) and then reported that processing it failed: ${r.status} (${r.code}) ${r.msg}.`,
    `It has reported ${ctx.count} such error${ctx.count === 1 ? '' : 's'} since its health was last reset. orderbus does not retry events it delivered; the reports are listed in the admin API (GET /v1/subscriptions/${ctx.subscription.baseCode}/feedback).`,
    'Please check the processing on your side; the event can be fetched again with GET /v1/events/<eventId> while it is kept.',
  ]);
}
