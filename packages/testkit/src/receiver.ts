import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitUntil } from './wait-until';

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The raw body, exactly as sent (signatures are over these bytes). */
  rawBody: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  body: unknown;
  receivedAt: number;
}

/** What the receiver answers: a status, optional headers and body; or a custom handler. */
export type ReceiverBehaviour =
  | { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }
  | ((request: ReceivedRequest, res: ServerResponse) => void | Promise<void>);

/**
 * A real HTTP server on loopback that records every request and answers as
 * told. Tests change its behaviour mid-run to play a receiver that fails,
 * hangs, recovers.
 */
export interface TestReceiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Sets what the next requests get (default: 200 with the seed 002 success body). */
  behave(behaviour: ReceiverBehaviour): void;
  /** Waits until at least `count` requests matching `filter` arrived. */
  waitForRequests(count: number, options?: { timeoutMs?: number; filter?: (r: ReceivedRequest) => boolean }): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export const SUCCESS_REPLY = { result: null, success: true, message: 'success', statusCode: 200 };

export async function startReceiver(behaviour: ReceiverBehaviour = { status: 200, body: SUCCESS_REPLY }): Promise<TestReceiver> {
  let current: ReceiverBehaviour = behaviour;
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers, rawBody, body, receivedAt: Date.now() };
      requests.push(received);
      void respond(received, res);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function respond(request: ReceivedRequest, res: ServerResponse): Promise<void> {
    const b = current;
    if (typeof b === 'function') {
      await b(request, res);
      return;
    }
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    if (res.destroyed) return;
    const payload = b.body === undefined ? '' : typeof b.body === 'string' ? b.body : JSON.stringify(b.body);
    res.writeHead(b.status, { 'content-type': 'application/json', ...(b.headers ?? {}) });
    res.end(payload);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/callback`,
    port,
    requests,
    behave(next) {
      current = next;
    },
    async waitForRequests(count, { timeoutMs = 15_000, filter = () => true } = {}) {
      return waitUntil(
        () => {
          const matching = requests.filter(filter);
          return matching.length >= count ? matching : undefined;
        },
        { timeoutMs, description: `${count} requests at the receiver on port ${port} (have ${requests.filter(filter).length})` },
      );
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
