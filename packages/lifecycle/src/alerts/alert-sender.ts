import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger, Metrics } from '@orderbus/observability';
import type { AlertMail } from './alert-mail';
import { ALERT_QUEUE_NAME } from './alert-outbox';

export interface AlertSenderOptions {
  connection: Redis;
  prefix: string;
  /** `smtp://user:pass@host:port` or `smtps://...`; without it mails are logged and dropped. */
  smtpUrl?: string;
  from: string;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * Sends queued alert e-mails with nodemailer. A failed send is retried by the
 * queue with backoff and logged; after the last attempt it is logged as lost.
 * One BullMQ Worker (one blocking connection) serves the mail queue.
 */
export class AlertSender {
  private readonly worker: Worker<AlertMail>;
  private readonly transport: Transporter | undefined;

  constructor(private readonly options: AlertSenderOptions) {
    this.transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : undefined;
    this.worker = new Worker<AlertMail>(ALERT_QUEUE_NAME, (job) => this.send(job.data), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: 2,
    });
    this.worker.on('error', (err) => options.logger.warn('alert mail worker error', { err: err.message }));
    this.worker.on('failed', (job, err) => {
      const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
      options.logger.warn(final ? 'alert mail given up' : 'alert mail failed, will retry', {
        baseCode: job?.data.baseCode,
        kind: job?.data.kind,
        attempt: job?.attemptsMade,
        err: err.message,
      });
    });
  }

  private async send(mail: AlertMail): Promise<void> {
    if (!this.transport) {
      this.options.logger.warn('alert mail not sent: no SMTP server configured (ORDERBUS_SMTP_URL)', { baseCode: mail.baseCode, kind: mail.kind, to: mail.to });
      this.options.metrics?.emailsSent.inc({ kind: mail.kind, outcome: 'skipped' });
      return;
    }
    try {
      await this.transport.sendMail({ from: this.options.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
      this.options.metrics?.emailsSent.inc({ kind: mail.kind, outcome: 'sent' });
      this.options.logger.info('alert mail sent', { baseCode: mail.baseCode, kind: mail.kind });
    } catch (err) {
      this.options.metrics?.emailsSent.inc({ kind: mail.kind, outcome: 'failed' });
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.worker.close();
    this.transport?.close();
  }
}
