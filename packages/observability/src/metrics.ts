import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of orderbus, one registry per process. Names are
 * defined here once so every app reports the same series.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    eventsAccepted: new Counter({
      name: 'orderbus_events_accepted_total',
      help: 'Events accepted by the producer, by changeId.',
      labelNames: ['changeId'],
      registers: [registry],
    }),
    eventsDuplicate: new Counter({
      name: 'orderbus_events_duplicate_total',
      help: 'Events answered as duplicates of an earlier ingest.',
      registers: [registry],
    }),
    eventsRejected: new Counter({
      name: 'orderbus_events_rejected_total',
      help: 'Ingest requests rejected, by error code.',
      labelNames: ['code'],
      registers: [registry],
    }),
    eventProblems: new Counter({
      name: 'orderbus_event_problems_total',
      help: 'Schema problems let through in compat mode, by problem code.',
      labelNames: ['code'],
      registers: [registry],
    }),
    keysRenamed: new Counter({
      name: 'orderbus_event_keys_renamed_total',
      help: 'Payload keys normalised to the field table name (userid -> userId ...).',
      registers: [registry],
    }),
    jobsFannedOut: new Counter({
      name: 'orderbus_jobs_enqueued_total',
      help: 'Delivery jobs written by fan-out (one per matching subscription).',
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'orderbus_deliveries_total',
      help: 'Delivery attempts by outcome and HTTP status class.',
      labelNames: ['outcome', 'statusClass'],
      registers: [registry],
    }),
    deliveryDuration: new Histogram({
      name: 'orderbus_delivery_duration_seconds',
      help: 'Duration of one delivery attempt (request sent to response read).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    emailsSent: new Counter({
      name: 'orderbus_emails_sent_total',
      help: 'Alert e-mails to subscription contacts, by kind and outcome (sent, failed, skipped).',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    servedQueues: new Gauge({
      name: 'orderbus_worker_subscription_queues',
      help: 'Subscription queues this worker process serves.',
      registers: [registry],
    }),
    familyEventsAccepted: new Counter({
      name: 'orderbus_family_events_accepted_total',
      help: 'Events of the domain-model families (customer, org...) accepted by the producer, by family and type.',
      labelNames: ['family', 'type'],
      registers: [registry],
    }),
    receiverErrors: new Counter({
      name: 'orderbus_receiver_errors_total',
      help: 'Errors receivers reported after accepting a delivery (POST /v1/events/:eventId/errors), by baseCode.',
      labelNames: ['baseCode'],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
