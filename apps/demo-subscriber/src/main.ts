import express, { type Request } from 'express';
import { createLogger } from '@orderbus/observability';
import { orderbusReceiver, replyOk, type OrderbusDelivery } from '@orderbus/sdk';
import { readDemoSubscriberEnv } from './env';

/**
 * A tiny third-party receiver for trying orderbus out: it logs every delivery
 * and answers in the seed 002 reply format. With DEMO_SUBSCRIBER_SECRET set it
 * verifies signatures (@orderbus/sdk) and refuses what does not verify.
 * `GET /received` lists the last deliveries it got.
 */
async function main(): Promise<void> {
  const env = readDemoSubscriberEnv();
  const logger = createLogger({ service: 'demo-subscriber', level: env.ORDERBUS_LOG_LEVEL });
  const received: unknown[] = [];
  const app = express();

  const remember = (delivery: unknown, req: Request): void => {
    logger.info('delivery received', {
      eventId: req.header('webhook-id') ?? req.header('x-orderbus-event-id'),
      baseCode: req.header('x-orderbus-base-code'),
      changeId: req.header('x-orderbus-change-id'),
      attempt: req.header('x-orderbus-attempt'),
      verified: Boolean(env.DEMO_SUBSCRIBER_SECRET),
    });
    received.unshift({ at: new Date().toISOString(), headers: req.headers, body: delivery });
    received.length = Math.min(received.length, 100);
  };

  if (env.DEMO_SUBSCRIBER_SECRET) {
    const secrets = env.DEMO_SUBSCRIBER_SECRET.split(/[\s,]+/).filter(Boolean);
    app.post('/callback', orderbusReceiver({ secret: secrets, onEvent: (delivery: OrderbusDelivery, req) => remember(delivery, req) }));
  } else {
    app.post('/callback', express.json({ limit: '5mb' }), (req, res) => {
      remember(req.body, req);
      res.json(replyOk(req.header('webhook-id') ?? req.header('x-orderbus-event-id') ?? ''));
    });
  }
  // Container and orchestrator probes: the process is up; it depends on nothing else.
  app.get(['/healthz', '/readyz'], (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/received', (_req, res) => {
    res.json(received);
  });

  app.listen(env.DEMO_SUBSCRIBER_PORT, env.DEMO_SUBSCRIBER_HOST, () => {
    logger.info('demo subscriber listening', {
      url: `http://${env.DEMO_SUBSCRIBER_HOST}:${env.DEMO_SUBSCRIBER_PORT}/callback`,
      verifying: Boolean(env.DEMO_SUBSCRIBER_SECRET),
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`demo subscriber failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
