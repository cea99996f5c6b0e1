/**
 * Baseline (b): the ceiling of HTTP ingest in Node — a trivial Express app
 * that parses the JSON body (express.json, 5 MB like the producer) and
 * answers 202. Reports its port over IPC.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.post('/v1/events', express.json({ limit: 5 * 1024 * 1024 }), (req, res) => {
  const body = req.body as { events?: unknown[] } | undefined;
  res.status(202).json({ accepted: Array.isArray(body?.events) ? body.events.length : 1 });
});
const server = app.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));
server.keepAliveTimeout = 30_000;
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
