import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { CliError } from '../cli-error';
import { call } from '../http';
import type { CliIo } from '../io';
import { table } from '../output';
import { requireProducerKey } from '../settings';
import { contextOf } from '../context';

async function readInput(file: string, io: CliIo): Promise<string> {
  if (file !== '-') {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
    }
  }
  if (!io.stdin) throw new CliError('no standard input to read', 2);
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export function sendCommand(io: CliIo): Command {
  return new Command('send')
    .description('POST an event, or a batch {"events": [...]}, from a JSON file (- for standard input) to the producer')
    .argument('<file>')
    .action(async (file: string, _options: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const key = requireProducerKey(ctx.settings);
      const text = await readInput(file, io);
      // Sent as read: the producer reports malformed JSON with its line and column.
      const { status, body } = await call('POST', `${ctx.settings.producerUrl}/v1/events`, { token: key, raw: text });
      const receipts = (body.events ?? [body]) as Array<{ eventId: string; duplicate: boolean; queuedFor: number; problems?: unknown[] }>;
      ctx.out.result(body, () => [
        `${status}: accepted ${receipts.length} event${receipts.length === 1 ? '' : 's'}`,
        ...table(
          ['EVENT', 'DUPLICATE', 'QUEUED FOR', 'PROBLEMS'],
          receipts.map((r) => [r.eventId, r.duplicate ? 'yes (sent before; nothing new queued)' : 'no', `${r.queuedFor} subscription${r.queuedFor === 1 ? '' : 's'}`, String(r.problems?.length ?? 0)]),
        ),
      ]);
    });
}
