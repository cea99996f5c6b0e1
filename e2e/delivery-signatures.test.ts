import { Webhook } from 'standardwebhooks';
import { verifyDelivery } from '@orderbus/sdk';
import { startReceiver, type ReceivedRequest, type TestReceiver } from '@orderbus/testkit';
import { VIEWER_TOKEN, startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { ofEvent } from './support/delivery';

describe('signed deliveries across a secret rotation', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  let original: string;

  beforeAll(async () => {
    bus = await startBus({ env: { ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '5000' } });
    receiver = await startReceiver();
    original = await bus.subscribe('SIGNED', receiver.url);
    await bus.waitForWorkers(['SIGNED']);
  });
  afterAll(async () => {
    await bus.close();
    await receiver.close();
  });

  async function deliver(eventId: string): Promise<ReceivedRequest> {
    expect((await bus.send(workOrderEvent({ eventId }))).status).toBe(202);
    const [request] = await receiver.waitForRequests(1, { filter: ofEvent(eventId) });
    return request!;
  }

  const verifies = (secret: string, r: ReceivedRequest): boolean => {
    try {
      new Webhook(secret).verify(r.rawBody, r.headers);
      return true;
    } catch {
      return false;
    }
  };

  it('signs every delivery in the Standard Webhooks format, with the orderbus headers', async () => {
    const r = await deliver('sig-1');
    expect(r.headers).toMatchObject({
      'webhook-id': 'sig-1',
      'x-orderbus-event-id': 'sig-1',
      'x-orderbus-base-code': 'SIGNED',
      'x-orderbus-change-id': '1',
      'x-orderbus-data-area': 'fwwt',
      'x-orderbus-attempt': '1',
      'content-type': 'application/json',
    });
    expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(r.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(new Webhook(original).verify(r.rawBody, r.headers)).toMatchObject({ eventId: 'sig-1', baseCode: 'SIGNED' });
    expect(verifyDelivery({ secret: original, headers: r.headers, rawBody: r.rawBody }).eventId).toBe('sig-1');
  });

  it('signs with the new and the old secret during the grace period, then with the new one only', async () => {
    expect((await bus.admin('POST', '/v1/subscriptions/SIGNED/rotate-secret', {}, VIEWER_TOKEN)).status).toBe(403);
    expect((await bus.admin('POST', '/v1/subscriptions/NOPE/rotate-secret', {})).status).toBe(404);
    expect((await bus.admin('POST', '/v1/subscriptions/SIGNED/rotate-secret', { graceSeconds: -1 })).status).toBe(400);

    const rotated = await bus.admin('POST', '/v1/subscriptions/SIGNED/rotate-secret', { graceSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ signingSecret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: expect.any(String) });
    const next = rotated.body.signingSecret as string;
    expect(next).not.toBe(original);
    expect(Math.abs(Date.parse(rotated.body.previousSecretExpiresAt) - (Date.now() + 3_600_000))).toBeLessThan(30_000);
    // The secret is shown only in the rotation's answer.
    expect(JSON.stringify((await bus.admin('GET', '/v1/subscriptions/SIGNED')).body)).not.toContain('whsec_');

    const during = await deliver('sig-2');
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(next, during)).toBe(true);
    expect(verifies(original, during)).toBe(true);
    expect(verifyDelivery({ secret: next, headers: during.headers, rawBody: during.rawBody }).eventId).toBe('sig-2');

    // Rotating again with no grace: only the newest secret signs from now on.
    const last = (await bus.admin('POST', '/v1/subscriptions/SIGNED/rotate-secret', { graceSeconds: 0 })).body.signingSecret as string;
    const after = await deliver('sig-3');
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifies(last, after)).toBe(true);
    expect(verifies(next, after)).toBe(false);
    expect(verifies(original, after)).toBe(false);
  });
});
