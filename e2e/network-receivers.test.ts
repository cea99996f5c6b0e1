import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { waitForAttempts, waitForDeadLetter } from './support/delivery';
import { report } from './support/load';

// Receivers that misbehave on the wire, built on node:net, each ending in its documented result
// class (docs/subscribers.md) while a healthy subscription is served as usual (docs/faults.md).
// Covered in e2e/delivery-failures.test.ts already, not repeated here: a receiver slower than the
// timeout (accepts, never answers), connection reset before answering, huge body, redirect, down.

const TIMEOUT_MS = 1500;
const SCHEDULE = ['0', '300ms'];
const ATTEMPTS = SCHEDULE.length + 1;

/** A TCP server that answers the connect handshake properly and misbehaves on every delivery. */
interface RawReceiver {
  url: string;
  deliveries: number;
  close(): Promise<void>;
}

async function rawReceiver(misbehave: (socket: Socket) => void): Promise<RawReceiver> {
  const sockets = new Set<Socket>();
  const state = { deliveries: 0 };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let taken = false;
    socket.on('data', (chunk: Buffer) => {
      if (taken) return;
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.subarray(end + 4 + length);
        if (!/\r\nx-orderbus-event-id:/i.test(head)) {
          socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 16\r\n\r\n{"success":true}');
          continue;
        }
        taken = true;
        state.deliveries += 1;
        misbehave(socket);
        return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    get deliveries() {
      return state.deliveries;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes `text` one byte a second until the socket closes. */
function trickle(socket: Socket, text: string): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) {
      clearInterval(timer);
      return;
    }
    socket.write(text[i++]!);
  }, 1000);
  socket.on('close', () => clearInterval(timer));
}

const BEHAVIOURS: Record<string, { misbehave: (socket: Socket) => void; resultClass: string; timesOut?: boolean }> = {
  // Answers one byte a second: the whole attempt has one deadline, not one per read.
  TRICKLEHEAD: { misbehave: (s) => trickle(s, 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 16\r\n\r\n{"success":true}'), resultClass: 'timeout', timesOut: true },
  TRICKLEBODY: {
    misbehave: (s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 64\r\n\r\n');
      trickle(s, `{"success":true,"pad":"${'x'.repeat(40)}"}`);
    },
    resultClass: 'timeout',
    timesOut: true,
  },
  // Not HTTP at all.
  GARBAGE: { misbehave: (s) => s.write('SSH-2.0-OpenSSH_9.6\r\n\u0000\u00ff\u00fe garbage \r\n\r\n'), resultClass: 'network_error' },
  // A head and part of the body, then a TCP reset.
  RESETBODY: {
    misbehave: (s) => {
      s.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n{"success":true,"pad":"${'x'.repeat(100)}`);
      setTimeout(() => s.resetAndDestroy(), 50);
    },
    resultClass: 'connection_reset',
  },
};

jest.setTimeout(120_000);

describe('receivers that misbehave on the wire', () => {
  let bus: TestBus;
  let healthy: TestReceiver;
  const raw: RawReceiver[] = [];

  beforeAll(async () => {
    bus = await startBus({
      env: {
        ORDERBUS_RETRY_SCHEDULE: SCHEDULE.join(','),
        ORDERBUS_RETRY_JITTER: '0',
        ORDERBUS_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
        ORDERBUS_CONNECT_TIMEOUT_MS: '1000',
        ORDERBUS_DELIVERY_CONCURRENCY: '5',
      },
    });
    healthy = await startReceiver();
    await bus.subscribe('HEALTHY', healthy.url, { dataAreas: ['healthy'] });
    for (const [baseCode, behaviour] of Object.entries(BEHAVIOURS)) {
      const receiver = await rawReceiver(behaviour.misbehave);
      raw.push(receiver);
      await bus.subscribe(baseCode, receiver.url, { dataAreas: [baseCode.toLowerCase()] });
    }
    await bus.waitForWorkers(['HEALTHY', ...Object.keys(BEHAVIOURS)]);
  });
  afterAll(async () => {
    await bus?.close();
    await healthy?.close();
    await Promise.all(raw.map((r) => r.close()));
  });

  it('ends each in its result class and dead letter, while a healthy subscription is served as usual', async () => {
    // Every faulty subscription gets a few events: they hold its delivery slots for the whole run.
    for (const baseCode of Object.keys(BEHAVIOURS)) {
      const events = Array.from({ length: 3 }, (_, i) => workOrderEvent({ eventId: `${baseCode.toLowerCase()}-${i}`, dataArea: baseCode.toLowerCase() }));
      expect((await bus.send({ events })).status).toBe(202);
    }
    // Meanwhile a steady stream to the healthy one: 10 events a second until every fault has played out.
    const sentAt = new Map<string, number>();
    let faultsDone = false;
    const stream = (async () => {
      for (let i = 0; !faultsDone && i < 600; i++) {
        const eventId = `healthy-${i}`;
        sentAt.set(eventId, Date.now());
        expect((await bus.send(workOrderEvent({ eventId, dataArea: 'healthy' }))).status).toBe(202);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const outcomes: Record<string, string> = {};
    try {
      for (const [baseCode, behaviour] of Object.entries(BEHAVIOURS)) {
        const eventId = `${baseCode.toLowerCase()}-0`;
        const deadLetter = await waitForDeadLetter(bus, baseCode, eventId, 60_000);
        expect([baseCode, deadLetter.resultClass, deadLetter.attempts]).toEqual([baseCode, behaviour.resultClass, ATTEMPTS]);
        const attempts = await waitForAttempts(bus, baseCode, eventId, ATTEMPTS);
        expect(attempts.map((a) => a.resultClass)).toEqual(Array(ATTEMPTS).fill(behaviour.resultClass));
        if (behaviour.timesOut) {
          // Cut at the attempt timeout although bytes kept coming.
          for (const a of attempts) expect([baseCode, a.durationMs >= TIMEOUT_MS - 50 && a.durationMs < TIMEOUT_MS + 1500]).toEqual([baseCode, true]);
        }
        outcomes[baseCode] = `${deadLetter.resultClass} x${attempts.length} (${attempts.map((a) => a.durationMs).join('/')} ms)`;
      }
    } finally {
      faultsDone = true;
      await stream;
    }

    const ids = [...sentAt.keys()];
    await waitUntil(() => ids.every((id) => healthy.requests.some((r) => r.headers['x-orderbus-event-id'] === id)), {
      timeoutMs: 20_000,
      description: 'every healthy event delivered',
    });
    const latencies = ids
      .map((id) => healthy.requests.find((r) => r.headers['x-orderbus-event-id'] === id)!.receivedAt - sentAt.get(id)!)
      .sort((a, b) => a - b);
    const p = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    report('misbehaving receivers', { ...outcomes, healthyDelivered: `${ids.length}/${ids.length}`, healthyP50Ms: p(0.5), healthyP95Ms: p(0.95), healthyMaxMs: p(1) });
    // Not stuck behind the faulty subscriptions: a delivery that waited for one would take an attempt timeout or more.
    expect(ids.length).toBeGreaterThan(20);
    expect(p(0.5)).toBeLessThan(TIMEOUT_MS / 2);
    expect(p(0.95)).toBeLessThan(TIMEOUT_MS);
  });
});
