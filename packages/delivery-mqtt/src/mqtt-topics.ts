import { TOPIC_LEVEL_PATTERN, WORK_ORDER_TOPIC, domainEventType, isDomainEvent, type OrderbusEvent } from '@orderbus/core';
import type { Subscription, SubscriptionChannel } from '@orderbus/registry';
import { MqttDeliveryError } from './mqtt-errors';

type MqttChannel = Extract<SubscriptionChannel, { type: 'mqtt' }>;

const LEVEL = new RegExp(TOPIC_LEVEL_PATTERN);

/** The topic of the connect handshake of an MQTT subscription. */
export function connectTopic(baseCode: string): string {
  return `orderbus/${baseCode}/connect`;
}

/**
 * The topic an event is published on, from the catalogue's template (the
 * seed's scheme: `{tenant}/proj_{projectId}/v1-business-model-customer`,
 * `{tenant}/default/v1-business-model-change-org`; work-order events
 * `orderbus/{baseCode}/{dataArea}`). `{tenant}` and `{projectId}` come from
 * the event (the message's `tenant`/`projectId`, or the payload: an org
 * event's tenant, the customers' common project), else from the
 * subscription's channel; when neither has one the delivery fails for good
 * (`topic_unresolved`): publishing under a made-up tenant would reach the
 * wrong readers.
 */
export function topicFor(event: OrderbusEvent, subscription: Pick<Subscription, 'baseCode'>, channel: MqttChannel): string {
  const template = isDomainEvent(event) ? domainEventType(event.family, event.type)?.topic : WORK_ORDER_TOPIC;
  if (!template) throw new MqttDeliveryError('topic_unresolved', `no topic for ${isDomainEvent(event) ? `${event.family}.${event.type}` : 'this event'}: not in the catalogue`);
  const values: Record<string, string | undefined> = {
    baseCode: subscription.baseCode,
    dataArea: isDomainEvent(event) ? undefined : event.dataArea,
    tenant: (isDomainEvent(event) ? event.tenant : undefined) ?? channel.tenant,
    projectId: (isDomainEvent(event) ? event.projectId : undefined) ?? channel.projectId,
  };
  return template.replace(/\{([A-Za-z]+)\}/g, (_all, name: string) => {
    const value = values[name];
    if (value === undefined || !LEVEL.test(value)) {
      throw new MqttDeliveryError(
        'topic_unresolved',
        `the topic ${template} needs {${name}}: the event names none and the subscription's channel sets no ${name}`,
      );
    }
    return value;
  });
}
