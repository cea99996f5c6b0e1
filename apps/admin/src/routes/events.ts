import { Router } from 'express';
import type { Cluster, Redis } from 'ioredis';
import {
  AttemptHistory,
  PullableEvents,
  ReceiverFeedback,
  eventDeliveries,
  eventOfSubscription,
  type EventDeliveries,
  parseReceiverErrorReport,
  type FeedbackRecord,
} from '@orderbus/attempts';
import { deliveryJobId, type DeliveryJobData, type SubscriptionQueueHandles } from '@orderbus/queues';
import type { WorkOrderIndex } from '@orderbus/ingest';
import { pageQuery } from '../pagination';
import { OrderbusError, eventFamilyOf, eventTypeOf, type OrderbusEvent } from '@orderbus/core';
import { DEFAULT_DELIVERY_POLICY, fullDeliveryBody } from '@orderbus/delivery';
import type { SubscriptionStore } from '@orderbus/registry';
import { pathParam, type Principal } from '@orderbus/http';
import type { ReceiverErrors } from '@orderbus/lifecycle';
import type { Metrics } from '@orderbus/observability';
import { isOwner } from '../owner-access';

export interface EventRoutesDeps {
  store: SubscriptionStore;
  redis: Redis | Cluster;
  prefix: string;
  /** The process's subscription queue handles. */
  handles: SubscriptionQueueHandles;
  /** Events by work order (written by the producer). */
  workOrders: WorkOrderIndex;
  /** Counts receivers' error reports in health and mails the contact (throttled); without it reports are only stored. */
  receiverErrors?: ReceiverErrors;
  metrics?: Metrics;
}

/**
 * Events: `GET /v1/events/:eventId` — for admins, where the event stands at
 * every subscription (`{eventId, event?, deliveries: [{baseCode, state,
 * attempts, feedback}]}`, 404 when no subscription has its job or an attempt
 * of it); for a receiver with its registration credential, the pull of a
 * thin subscription: the full event as it would have been delivered, only
 * when its own subscription was queued the event (404 otherwise).
 * `POST /v1/events/:eventId/errors`: a receiver reports that it failed to
 * process an event it accepted.
 */
export function eventRoutes(deps: EventRoutesDeps): Router {
  const router = Router();
  const queues = deps.handles;
  // Only reads here: the retention numbers matter to the worker that writes.
  const history = new AttemptHistory(deps.redis, deps.prefix, DEFAULT_DELIVERY_POLICY.retention);
  const pullable = new PullableEvents(deps.redis, deps.prefix);
  const feedback = new ReceiverFeedback(deps.redis, deps.prefix);

  /** The event's deliveries (with receivers' reports), with the event itself while a subscription's job (or pull record) still holds it. */
  async function lookup(eventId: string, baseCodes: string[]): Promise<(EventDeliveries & { event?: unknown }) | undefined> {
    const found = await eventDeliveries(queues, history, baseCodes, eventId);
    if (found.deliveries.length === 0) return undefined;
    // `feedback` only where a receiver reported something: deliveries without reports read as before.
    const deliveries = await Promise.all(
      found.deliveries.map(async (d) => {
        const reports = await feedback.ofEvent(d.baseCode, eventId);
        return reports.length > 0 ? { ...d, feedback: reports } : d;
      }),
    );
    const withFeedback = { ...found, deliveries };
    for (const delivery of found.deliveries) {
      if (delivery.state === 'missing') continue;
      const job = await queues.of(delivery.baseCode).getJob(deliveryJobId(eventId));
      if (job) return { ...withFeedback, event: (job.data as DeliveryJobData).event };
    }
    for (const delivery of found.deliveries) {
      const kept = await pullable.get(delivery.baseCode, eventId);
      if (kept) return { ...withFeedback, event: kept };
    }
    return withFeedback;
  }

  /** The event as `baseCode` was sent it; 404 when its subscription was not queued the event (or it expired). */
  async function ownEvent(baseCode: string, eventId: string): Promise<OrderbusEvent> {
    const event = await eventOfSubscription(queues, pullable, baseCode, eventId);
    if (!event) throw new OrderbusError('not_found', `No event "${eventId}" was delivered to ${baseCode} (or it is no longer kept).`);
    return event;
  }

  router.get('/', async (req, res) => {
    const serviceOrderId = req.query.serviceOrderId;
    if (typeof serviceOrderId !== 'string' || serviceOrderId.length === 0) {
      throw new OrderbusError('bad_request', 'serviceOrderId is required: GET /v1/events?serviceOrderId=<work order id>.');
    }
    const page = pageQuery(req.query);
    const { subscriptions } = await deps.store.list();
    const ids = await deps.workOrders.eventIds(serviceOrderId);
    // Cursor: the last eventId of the previous page (ids are in acceptance order, not sorted by id).
    const start = page.after === undefined ? 0 : ids.indexOf(page.after) + 1;
    const slice = ids.slice(start, start + page.limit);
    const items = (await Promise.all(slice.map((id) => lookup(id, subscriptions.map((s) => s.baseCode))))).filter((i) => i !== undefined);
    const next = start + page.limit < ids.length && slice.length > 0 ? slice[slice.length - 1] : undefined;
    res.json(next ? { items, next } : { items });
  });

  router.get('/:eventId', async (req, res) => {
    const eventId = pathParam(req, 'eventId');
    const principal = res.locals.principal as Principal | undefined;
    if (isOwner(principal)) {
      // The pull: what a full delivery to this subscription would have carried.
      res.json(fullDeliveryBody(await ownEvent(principal.baseCode, eventId), principal.baseCode));
      return;
    }
    const { subscriptions } = await deps.store.list();
    const found = await lookup(eventId, subscriptions.map((s) => s.baseCode));
    if (!found) throw new OrderbusError('not_found', `No subscription has event "${eventId}" (or its history has expired).`);
    res.json(found);
  });

  router.post('/:eventId/errors', async (req, res) => {
    const eventId = pathParam(req, 'eventId');
    const principal = res.locals.principal as Principal | undefined;
    const baseCode = isOwner(principal) ? principal.baseCode : typeof req.query.baseCode === 'string' ? req.query.baseCode : undefined;
    if (principal?.role !== 'operator' && !isOwner(principal)) throw new OrderbusError('forbidden', 'Reporting an error needs the receiver\'s registration credential (or an operator token).');
    if (!baseCode) throw new OrderbusError('bad_request', 'An operator reports for a subscription: POST /v1/events/<eventId>/errors?baseCode=<baseCode>.');
    const report = parseReceiverErrorReport(req.body);
    const event = await ownEvent(baseCode, eventId).catch(async (err: unknown) => {
      // A full subscription's job is gone after an hour; its attempt history still proves the delivery.
      if ((await history.ofEvent(baseCode, eventId)).length > 0) return undefined;
      throw err;
    });
    const record: FeedbackRecord = {
      at: new Date().toISOString(),
      baseCode,
      eventId,
      family: event ? eventFamilyOf(event) : 'unknown',
      type: event ? eventTypeOf(event) : 'unknown',
      status: report.status,
      code: report.code ?? 400,
      msg: report.msg,
      ...(report.items !== undefined ? { items: report.items } : {}),
    };
    const kept = await feedback.record(record);
    deps.metrics?.receiverErrors.inc({ baseCode });
    const count = await deps.receiverErrors?.reported(baseCode, { eventId, family: record.family, type: record.type, status: record.status, code: record.code, msg: record.msg });
    res.status(201).json({ ...kept, ...(count !== undefined ? { receiverErrors: count } : {}) });
  });

  return router;
}
