import { Agent } from 'undici';
import { startReceiver, type TestReceiver } from '@orderbus/testkit';
import { sendAttempt } from '../src';

describe('sendAttempt', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('never sends an attempt it gave up on, even one still waiting for a connection', async () => {
    // One connection: the second attempt waits behind the first, which the receiver holds for 600 ms.
    const agent = new Agent({ connections: 1 });
    receiver.requests.length = 0;
    receiver.behave({ status: 200, body: { success: true }, delayMs: 600 });
    try {
      const send = (id: string, timeoutMs: number) =>
        sendAttempt({ url: receiver.url, headers: { 'content-type': 'application/json', 'x-orderbus-event-id': id }, body: '{}', timeoutMs, maxResponseBytes: 1024 }, agent);
      const first = send('first', 2000);
      const queued = send('queued', 150);
      await expect(queued).rejects.toMatchObject({ name: 'TimeoutError' });
      await expect(first).resolves.toMatchObject({ status: 200 });
      // The queued attempt was recorded as a timeout and will be retried: had it been sent once the
      // connection came free, the receiver would see it after its retry (a work order's event out of line).
      await new Promise((r) => setTimeout(r, 800));
      expect(receiver.requests.map((r) => r.headers['x-orderbus-event-id'])).toEqual(['first']);
    } finally {
      receiver.behave({ status: 200, body: { success: true } });
      await agent.close();
    }
  });
});
