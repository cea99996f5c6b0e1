/**
 * A runnable orderbus receiver: verifies each delivery's signature,
 * skips event ids it has handled already, and handles the typed event.
 *
 *   ORDERBUS_SIGNING_SECRET=whsec_... PORT=3000 node examples/receiver/dist/main.js
 *
 * See examples/receiver/README.md.
 */
import express from 'express';
import { MemoryDedupStore, handleDelivery, type DeliveredEvent } from '@orderbus/sdk';

const secrets = (process.env.ORDERBUS_SIGNING_SECRET ?? '').split(/[\s,]+/).filter(Boolean);
if (secrets.length === 0) {
  process.stderr.write(
    'ORDERBUS_SIGNING_SECRET is not set: give the signing secret (whsec_...) orderbus showed when the subscription was registered.\n' +
      'During a secret rotation give both, comma-separated.\n',
  );
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

/** Your business logic: one typed event, narrowed by changeId. Throw to have orderbus retry it. */
async function onEvent(event: DeliveredEvent): Promise<void> {
  switch (event.changeId) {
    case '1':
      console.log(`new work order ${event.data.serviceOrderCode} (${event.data.templateInstName}) in ${event.dataArea}`);
      break;
    case '3':
      console.log(`work order ${event.data.serviceOrderCode} ended (overType ${event.data.overType})`);
      break;
    default:
      console.log(`changeId ${event.changeId} for work order ${event.data.serviceOrderId}`);
  }
}

// In memory: fine for one process. Several processes share a RedisDedupStore instead.
const dedup = new MemoryDedupStore({ maxEntries: 100_000 });
const handled: Array<{ eventId: string; changeId: string; baseCode: string; at: string }> = [];

const app = express();
// The raw body: the signature covers the exact bytes, not re-serialised JSON.
app.post('/callback', express.raw({ type: () => true, limit: '5mb' }), async (req, res) => {
  const answer = await handleDelivery(
    { headers: req.headers, rawBody: req.body as Buffer },
    async (event) => {
      await onEvent(event);
      handled.unshift({ eventId: event.eventId, changeId: event.changeId, baseCode: event.baseCode, at: new Date().toISOString() });
      handled.length = Math.min(handled.length, 100);
    },
    { secret: secrets, dedup },
  );
  if (answer.outcome === 'rejected') console.warn(`refused a delivery: ${answer.error?.code}: ${answer.error?.message}`);
  if (answer.outcome === 'duplicate') console.log(`skipped ${answer.event?.eventId}: handled before`);
  res.status(answer.status).set(answer.headers).send(JSON.stringify(answer.body));
});
// What this receiver handled, newest first (for trying it out).
app.get('/handled', (_req, res) => {
  res.json(handled);
});

app.listen(port, host, () => {
  console.log(`orderbus example receiver on http://${host}:${port}/callback (GET /handled lists what it handled)`);
});
