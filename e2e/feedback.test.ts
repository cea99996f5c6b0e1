import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, startSmtpServer, waitUntil, type TestReceiver, type TestSmtpServer } from '@orderbus/testkit';
import { repairSeedJson } from '../packages/core/test/helpers/repair-seed-json';
import { startBus, type TestBus } from './support/bus';
import { customerMessage, ownerCredential, subscribeWith } from './support/families';
import { parsePrometheusText, sum } from './support/prometheus';

/**
 * Error feedback (seed 000's `...-error-customer` topic): a receiver that
 * accepted a delivery and failed to process it later reports it with
 * `POST /v1/events/:eventId/errors`; the report is kept with the event,
 * listed per subscription, counted in health and metrics, and mailed.
 */
describe('receiver error feedback', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  let smtp: TestSmtpServer;
  let credential: string;

  const report = async (eventId: string, body: unknown, token: string, query = '') => {
    const res = await fetch(`${bus.adminUrl}/v1/events/${eventId}/errors${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    bus = await startBus({ env: { ORDERBUS_SMTP_URL: smtp.url } });
    receiver = await startReceiver();
    await subscribeWith(bus, 'FEEDBACK', { callbackUrl: `${receiver.url}/cb`, scope: { events: ['customer.*'] } });
    await subscribeWith(bus, 'BYSTANDER', { callbackUrl: `${receiver.url}/other`, scope: { events: ['org.*'] } });
    credential = await ownerCredential(bus, 'FEEDBACK');
  });

  afterAll(async () => {
    await bus?.close();
    await receiver?.close();
    await smtp?.close();
  });

  it("stores a receiver's seed-000-style error report and shows it in the event, the subscription's list, health and metrics", async () => {
    expect((await bus.send(customerMessage('add', 'cust-fb-1', { msgId: 'fb-1' }))).status).toBe(202);
    await receiver.waitForRequests(1, { filter: (r) => (r.body as { eventId?: string }).eventId === 'fb-1.add' });

    // The seed's own add_error example, as a receiver would forward it (repaired: it is not JSON as printed).
    const seedReport = JSON.parse(repairSeedJson(readFileSync(join(__dirname, '..', 'packages', 'core', 'test', 'fixtures', 'seed-000', 'customer-add-error.txt'), 'utf8')));
    const addError = seedReport.events.add_error;
    const posted = await report('fb-1.add', { status: addError.status, code: addError.code, msg: addError.msg, items: addError.customerList }, credential);
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ eventId: 'fb-1.add', baseCode: 'FEEDBACK', family: 'customer', type: 'add', status: 'CUSTOMER_ADD_ERROR', code: 400, msg: '添加客户失败', receiverErrors: 1 });

    const event = await bus.admin('GET', '/v1/events/fb-1.add');
    expect(event.status).toBe(200);
    expect(event.body.deliveries).toHaveLength(1);
    expect(event.body.deliveries[0]).toMatchObject({ baseCode: 'FEEDBACK', feedback: [{ status: 'CUSTOMER_ADD_ERROR', msg: '添加客户失败', items: [{ name: '姓名' }] }] });

    const list = await bus.admin('GET', '/v1/subscriptions/FEEDBACK/feedback');
    expect(list.body.items.map((f: { eventId: string; status: string }) => [f.eventId, f.status])).toEqual([['fb-1.add', 'CUSTOMER_ADD_ERROR']]);
    // The owner reads its own list too.
    const own = await fetch(`${bus.adminUrl}/v1/subscriptions/FEEDBACK/feedback`, { headers: { authorization: `Bearer ${credential}` } });
    expect(own.status).toBe(200);

    const health = await bus.admin('GET', '/v1/subscriptions/FEEDBACK/health');
    expect(health.body).toMatchObject({ receiverErrors: 1, lastReceiverErrorAt: expect.any(String) });
    const metrics = parsePrometheusText(await (await fetch(`${bus.adminUrl}/metrics`)).text());
    expect(sum(metrics, 'orderbus_receiver_errors_total', { baseCode: 'FEEDBACK' })).toBe(1);

    const [mail] = await smtp.waitForMails(1, { filter: (m) => m.to.includes('feedback@example.com') });
    expect(mail!.subject).toContain('FEEDBACK reported an error processing event fb-1.add');
    expect(mail!.text).toContain('CUSTOMER_ADD_ERROR (400) 添加客户失败');
  });

  it('throttles the e-mail but counts every report', async () => {
    const second = await report('fb-1.add', { status: 'CUSTOMER_ADD_ERROR', msg: 'again' }, credential);
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ code: 400, receiverErrors: 2 });
    expect((await bus.admin('GET', '/v1/subscriptions/FEEDBACK/health')).body.receiverErrors).toBe(2);
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.mails.filter((m) => m.to.includes('feedback@example.com'))).toHaveLength(1);
  });

  it('refuses reports about events the receiver was not sent, and malformed reports', async () => {
    expect((await bus.send({ msgId: 'fb-org', reportTs: 1, profile: { poiCode: 's006', appType: 'org', modelId: 6 }, events: { change: { eventTs: 1, eventType: 1 } } })).status).toBe(202);
    await waitUntil(async () => (await bus.admin('GET', '/v1/events/fb-org.change')).status === 200);
    const notMine = await report('fb-org.change', { status: 'X', msg: 'y' }, credential);
    expect(notMine.status).toBe(404);

    const invalid = await report('fb-1.add', { status: '', code: 'four hundred', note: 'x' }, credential);
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.problems.map((p: { code: string; path: string }) => `${p.code} ${p.path}`).sort()).toEqual(
      ['type /code', 'type /status', 'required /msg', 'unknown_field /note'].sort(),
    );
    // A viewer may not report; an operator reports for a baseCode it names.
    const viewer = await report('fb-1.add', { status: 'X', msg: 'y' }, 'test-viewer-token');
    expect(viewer.status).toBe(403);
    const operator = await report('fb-1.add', { status: 'OPS_NOTE', msg: 'reported by phone' }, 'test-operator-token', '?baseCode=FEEDBACK');
    expect(operator.status).toBe(201);
    expect((await bus.admin('GET', '/v1/subscriptions/FEEDBACK/health')).body.receiverErrors).toBe(3);
  });
});
