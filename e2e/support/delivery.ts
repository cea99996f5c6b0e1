import type { ReceivedRequest } from '@orderbus/testkit';
import { waitUntil } from '@orderbus/testkit';
import type { TestBus } from './bus';

/** Requests of one event at a receiver (the connect handshake and other events left out). */
export const ofEvent =
  (eventId: string) =>
  (r: ReceivedRequest): boolean =>
    r.headers['x-orderbus-event-id'] === eventId;

/** The attempt history of a subscription, oldest first, as the admin API shows it. */
export async function attemptsOf(bus: TestBus, baseCode: string, eventId?: string): Promise<any[]> {
  const res = await bus.admin('GET', `/v1/subscriptions/${baseCode}/attempts?limit=500`);
  if (res.status !== 200) throw new Error(`attempts of ${baseCode}: ${res.status} ${JSON.stringify(res.body)}`);
  const items = (res.body.items as any[]).filter((a) => eventId === undefined || a.eventId === eventId);
  return items.reverse();
}

/** Waits until the event is a dead letter of the subscription; returns the dead-letter item. */
export async function waitForDeadLetter(bus: TestBus, baseCode: string, eventId: string, timeoutMs = 20_000): Promise<any> {
  return waitUntil(
    async () => {
      const res = await bus.admin('GET', `/v1/subscriptions/${baseCode}/dead-letters?limit=500`);
      return (res.body?.items as any[] | undefined)?.find((d) => d.eventId === eventId);
    },
    { timeoutMs, intervalMs: 50, description: `${eventId} dead-lettered at ${baseCode}` },
  );
}

/** Waits until the attempt history of an event at a subscription has `count` attempts. */
export async function waitForAttempts(bus: TestBus, baseCode: string, eventId: string, count: number, timeoutMs = 20_000): Promise<any[]> {
  return waitUntil(
    async () => {
      const attempts = await attemptsOf(bus, baseCode, eventId);
      return attempts.length >= count ? attempts : undefined;
    },
    { timeoutMs, intervalMs: 50, description: `${count} attempts of ${eventId} at ${baseCode}` },
  );
}
