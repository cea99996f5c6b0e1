import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AlertMail } from './alert-mail';

/** The BullMQ queue of outgoing alert e-mails (its own hash tag). */
export const ALERT_QUEUE_NAME = '{orderbus-mail}';

/** Mail attempts and their backoff: an SMTP server that is down delays mail, it never blocks delivery. */
export const ALERT_MAIL_ATTEMPTS = 8;
export const ALERT_MAIL_BACKOFF_MS = 5000;

/**
 * Where alerts are written: a durable queue, sent by the worker's mail sender
 * with retries. Enqueueing is one Redis write, so a slow or broken SMTP server
 * never holds up a delivery.
 */
export class AlertOutbox {
  private readonly queue: Queue<AlertMail>;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<AlertMail>(ALERT_QUEUE_NAME, { connection, prefix });
    this.queue.on('error', () => undefined);
  }

  async enqueue(mail: AlertMail): Promise<void> {
    await this.queue.add(mail.kind, mail, {
      attempts: ALERT_MAIL_ATTEMPTS,
      backoff: { type: 'exponential', delay: ALERT_MAIL_BACKOFF_MS },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
