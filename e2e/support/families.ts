import mqtt, { type MqttClient } from 'mqtt';
import { waitUntil } from '@orderbus/testkit';
import type { TestBus } from './bus';

/** A real MQTT client subscribed to a topic filter, keeping what it receives. */
export interface MqttListener {
  readonly messages: Array<{ topic: string; body: any; raw: string }>;
  waitFor(count: number, filter?: (m: { topic: string; body: any }) => boolean): Promise<Array<{ topic: string; body: any }>>;
  close(): Promise<void>;
}

export async function listenMqtt(url: string, topic: string): Promise<MqttListener> {
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 200, clientId: `test-${Math.random().toString(16).slice(2)}`, clean: true });
  try {
    await client.subscribeAsync(topic, { qos: 1 });
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }
  const messages: Array<{ topic: string; body: any; raw: string }> = [];
  client.on('message', (t, payload) => {
    const raw = payload.toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    messages.push({ topic: t, body, raw });
  });
  return {
    messages,
    async waitFor(count, filter = () => true) {
      return waitUntil(() => {
        const found = messages.filter(filter);
        return found.length >= count ? found : undefined;
      }, { timeoutMs: 60_000, description: `${count} MQTT message(s) on ${topic}` });
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

/** A customer message in seed 000's shape, valid for its table. */
export function customerMessage(type: 'add' | 'edit' | 'delete', customerId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const customer =
    type === 'delete'
      ? { id: customerId, phone: '13800000000' }
      : { id: customerId, projectId: '1001', name: '张三', phone: '13800000000', idType: 1, sex: 1, age: 30, spaceIds: [], customerGradeId: null, companyIds: ['1117745722292428800'] };
  return {
    reportTs: 1661154622,
    profile: { poiCode: 's0140001', appType: 'customer', modelId: 140001 },
    events: { [type]: { eventTs: 1717171717171, eventType: 1, customerList: [customer] } },
    ...extra,
  };
}

/** An org message in seed 001's shape. */
export function orgMessage(events: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { reportTs: 1709704232689, profile: { poiCode: 's006', appType: 'org', modelId: 6 }, events, ...extra };
}

export const ORG_ADD = {
  eventType: '1',
  id: 'org-123',
  code: 'ACME',
  name: 'Acme Inc.',
  type: 2,
  typeName: '公司',
  projectId: null,
  parentId: 'org-456',
  path: 'org-456/org-123',
  pathName: 'Acme Group/Acme Inc.',
  tenant: 'acme',
  userId: 'user-123',
  time: 1625514100000,
};

/** PUTs a subscription and enables it (connect handshake); returns the PUT answer's body. */
export async function subscribeWith(bus: TestBus, baseCode: string, body: Record<string, unknown>): Promise<any> {
  const put = await bus.admin('PUT', `/v1/subscriptions/${baseCode}`, { contact: { name: `${baseCode} team`, email: `${baseCode.toLowerCase()}@example.com` }, ...body });
  if (put.status !== 201) throw new Error(`subscribe ${baseCode}: ${put.status} ${JSON.stringify(put.body)}`);
  const enabled = await bus.admin('POST', `/v1/subscriptions/${baseCode}/enable`, {});
  if (enabled.status !== 200) throw new Error(`enable ${baseCode}: ${enabled.status} ${JSON.stringify(enabled.body)}`);
  return put.body;
}

/** Issues a registration credential for a baseCode (what the receiver uses to pull and to report). */
export async function ownerCredential(bus: TestBus, baseCode: string): Promise<string> {
  const issued = await bus.admin('POST', `/v1/subscriptions/${baseCode}/credentials`, {});
  if (issued.status !== 201) throw new Error(`credential ${baseCode}: ${issued.status} ${JSON.stringify(issued.body)}`);
  return issued.body.credential as string;
}
