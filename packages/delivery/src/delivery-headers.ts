import type { AnyDeliveryBody } from './delivery-body';

/** The orderbus headers of a delivery (signature headers are added by the signer). */
export function deliveryHeaders(body: AnyDeliveryBody, attempt: number, baseCode?: string): Record<string, string> {
  if ('changeId' in body) {
    return {
      'content-type': 'application/json',
      'user-agent': 'orderbus/0.1',
      'x-orderbus-event-id': body.eventId,
      'x-orderbus-base-code': body.baseCode,
      'x-orderbus-change-id': body.changeId,
      'x-orderbus-data-area': body.dataArea,
      'x-orderbus-attempt': String(attempt),
    };
  }
  // Other families, and thin deliveries (whose body has no baseCode): family and type instead of changeId and dataArea.
  const thin = !('profile' in body);
  const to = 'baseCode' in body ? body.baseCode : baseCode;
  return {
    'content-type': 'application/json',
    'user-agent': 'orderbus/0.1',
    'x-orderbus-event-id': body.eventId,
    ...(to !== undefined ? { 'x-orderbus-base-code': to } : {}),
    'x-orderbus-family': body.family,
    'x-orderbus-event-type': body.type,
    'x-orderbus-payload': thin ? 'thin' : 'full',
    'x-orderbus-attempt': String(attempt),
  };
}
