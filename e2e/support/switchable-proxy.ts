import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP proxy on loopback in front of an app, that a test can take down
 * (the port refuses connections) and bring back on the same port: the
 * network outage between a work-order system and orderbus. It records the
 * eventIds of every request that reached the app, in order.
 */
export interface SwitchableProxy {
  readonly url: string;
  /** Every proxied request: status and the eventIds of its body. */
  readonly requests: Array<{ status: number; eventIds: string[] }>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSwitchableProxy(target: string): Promise<SwitchableProxy> {
  const requests: SwitchableProxy['requests'] = [];
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body.length ? { body } : {}) })
        .then(async (answer) => {
          const text = await answer.text();
          let eventIds: string[] = [];
          try {
            const parsed = JSON.parse(body.toString('utf8')) as { events?: Array<{ eventId?: string }>; eventId?: string };
            eventIds = (parsed.events ?? [parsed]).map((e) => e.eventId ?? '');
          } catch {
            // not JSON
          }
          requests.push({ status: answer.status, eventIds });
          const out: Record<string, string> = { 'content-type': answer.headers.get('content-type') ?? 'application/json' };
          const retryAfter = answer.headers.get('retry-after');
          if (retryAfter) out['retry-after'] = retryAfter;
          res.writeHead(answer.status, out).end(text);
        })
        .catch(() => res.destroy());
    });
  };

  async function up(): Promise<void> {
    if (server) return;
    const s = createServer(handle);
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  async function down(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await up();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    up,
    down,
    close: down,
  };
}
