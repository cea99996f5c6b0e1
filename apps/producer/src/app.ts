import express, { type Express } from 'express';
import type { IngestService } from '@orderbus/ingest';
import type { Logger, Metrics } from '@orderbus/observability';
import { errorHandler, jsonBody, notFound, probes, rateLimit, requestId, requireBearer, type TokenEntry } from '@orderbus/http';

export interface ProducerAppDeps {
  ingest: IngestService;
  producerKeys: readonly TokenEntry[];
  maxBodyBytes: number;
  /** Events per second per producer key in this process (0: no limit), and the burst. */
  rateLimit?: { eventsPerSecond: number; burst: number };
  logger: Logger;
  metrics: Metrics;
  ready: () => Promise<boolean>;
}

/**
 * The ingest API: `POST /v1/events` with one envelope or `{"events": [...]}`.
 * 202 only once every event is in the queue of every matching subscription.
 */
export function createProducerApp(deps: ProducerAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // A 202 receipt is never cached or revalidated: hashing each one for an ETag is work nobody reads.
  app.set('etag', false);
  app.use(requestId());
  app.use(probes({ ready: deps.ready, registry: deps.metrics.registry }));

  // Counted in events (a batch costs its length), per producer key, before anything is validated or written.
  const limit = rateLimit({
    ratePerSecond: deps.rateLimit?.eventsPerSecond ?? 0,
    burst: deps.rateLimit?.burst || (deps.rateLimit?.eventsPerSecond ?? 0),
    key: (_req, res) => (res.locals.principal as { name: string }).name,
    cost: (req) => {
      const events = (req.body as { events?: unknown } | undefined)?.events;
      return Array.isArray(events) ? events.length : 1;
    },
    unit: 'events',
  });

  app.post('/v1/events', requireBearer(deps.producerKeys, 'orderbus-producer'), jsonBody(deps.maxBodyBytes), limit, async (req, res) => {
    if (req.body === undefined) {
      res.status(400).json({ error: { code: 'bad_request', message: 'The request has no body; send an event envelope or {"events": [...]}.' } });
      return;
    }
    const result = await deps.ingest.ingest(req.body);
    const producer = (res.locals.principal as { name: string }).name;
    if (result.batch) {
      const eventIds = result.receipts.flatMap((r) => ('events' in r ? r.events.map((e) => e.eventId) : [r.eventId]));
      deps.logger.info('batch accepted', { requestId: res.locals.requestId, producer, events: eventIds.length, eventIds });
      res.status(202).json({ events: result.receipts });
    } else {
      deps.logger.info('event accepted', { requestId: res.locals.requestId, producer, ...result.receipt });
      res.status(202).json(result.receipt);
    }
  });

  app.use(notFound());
  app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    const code = (err as { code?: string }).code;
    deps.metrics.eventsRejected.inc({ code: typeof code === 'string' ? code : 'internal' });
    next(err);
  });
  app.use(errorHandler(deps.logger));
  return app;
}
