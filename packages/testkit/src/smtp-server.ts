import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { waitUntil } from './wait-until';

/** One e-mail as the SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  receivedAt: number;
}

/** A real SMTP server in-process on loopback that keeps every mail it receives. */
export interface TestSmtpServer {
  readonly port: number;
  /** `smtp://127.0.0.1:<port>` for nodemailer. */
  readonly url: string;
  readonly mails: ReceivedMail[];
  /** Makes the server refuse (true) or accept (false) the next mails, to play an SMTP outage. */
  refuse(refusing: boolean): void;
  waitForMails(count: number, options?: { timeoutMs?: number; filter?: (m: ReceivedMail) => boolean }): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  let refusing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      if (refusing) {
        stream.resume();
        const err = new Error('mailbox unavailable (test outage)') as Error & { responseCode: number };
        err.responseCode = 451;
        stream.on('end', () => callback(err));
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            receivedAt: Date.now(),
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuse(value) {
      refusing = value;
    },
    async waitForMails(count, { timeoutMs = 15_000, filter = () => true } = {}) {
      return waitUntil(
        () => {
          const matching = mails.filter(filter);
          return matching.length >= count ? matching : undefined;
        },
        { timeoutMs, description: `${count} mails at the SMTP server (have ${mails.filter(filter).length})` },
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
