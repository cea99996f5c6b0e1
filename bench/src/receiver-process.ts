/**
 * The benchmark's receiver, run as its own process: a bare node:http server
 * on 127.0.0.1 that answers every POST 200 (seed 002's success body) as fast
 * as it can, counts the deliveries (requests with an event id header), and
 * records when each arrived. Driven over IPC by support/receiver.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const REPLY = Buffer.from('{"result":null,"success":true,"message":"success","statusCode":200}');
const now = (): number => performance.timeOrigin + performance.now();

let count = 0;
let firstAt = 0;
let lastAt = 0;
let recording = false;
let ids: string[] = [];
let paths: string[] = [];
let times: number[] = [];
let waiter: { target: number; id: number; timer: NodeJS.Timeout } | undefined;

function send(message: unknown): void {
  process.send?.(message);
}

function checkWaiter(): void {
  if (waiter && count >= waiter.target) {
    clearTimeout(waiter.timer);
    send({ id: waiter.id, ok: true, count, firstAt, lastAt });
    waiter = undefined;
  }
}

const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    const eventId = req.headers['x-orderbus-event-id'];
    if (typeof eventId === 'string') {
      const at = now();
      count += 1;
      if (firstAt === 0) firstAt = at;
      lastAt = at;
      if (recording) {
        ids.push(eventId);
        paths.push(req.url ?? '');
        times.push(at);
      }
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': REPLY.length });
    res.end(REPLY);
    checkWaiter();
  });
});
server.keepAliveTimeout = 30_000;
server.headersTimeout = 35_000;

type Command =
  | { cmd: 'reset'; id: number; record: boolean }
  | { cmd: 'stats'; id: number }
  | { cmd: 'arrivals'; id: number }
  | { cmd: 'wait'; id: number; target: number; timeoutMs: number };

process.on('message', (message: Command) => {
  switch (message.cmd) {
    case 'reset':
      count = 0;
      firstAt = 0;
      lastAt = 0;
      recording = message.record;
      ids = [];
      paths = [];
      times = [];
      send({ id: message.id, ok: true });
      break;
    case 'stats':
      send({ id: message.id, ok: true, count, firstAt, lastAt });
      break;
    case 'arrivals':
      send({ id: message.id, ok: true, count, firstAt, lastAt, ids, paths, times });
      break;
    case 'wait':
      if (waiter) {
        clearTimeout(waiter.timer);
        send({ id: waiter.id, ok: false, count, firstAt, lastAt });
      }
      waiter = {
        target: message.target,
        id: message.id,
        timer: setTimeout(() => {
          if (!waiter) return;
          send({ id: waiter.id, ok: false, count, firstAt, lastAt });
          waiter = undefined;
        }, message.timeoutMs),
      };
      checkWaiter();
      break;
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  send({ ready: (server.address() as AddressInfo).port });
});
