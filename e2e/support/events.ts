import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VALID_PAYLOADS } from '../../packages/core/test/helpers/payloads';

let counter = 0;

/** A strictly valid envelope of the given changeId with a unique eventId (or the given one). */
export function workOrderEvent(options: { changeId?: number; dataArea?: string; eventId?: string; serviceOrderId?: string } = {}): Record<string, any> {
  const changeId = (options.changeId ?? 1) as keyof typeof VALID_PAYLOADS;
  const data = { ...VALID_PAYLOADS[changeId] } as Record<string, unknown>;
  if (options.serviceOrderId) data.serviceOrderId = options.serviceOrderId;
  counter += 1;
  return {
    eventId: options.eventId ?? `evt-${process.pid}-${Date.now()}-${counter}`,
    dataArea: options.dataArea ?? 'fwwt',
    changeId: String(changeId),
    data,
  };
}

/** The README's example event (examples/events/new-order.json). */
export function readmeExample(): Record<string, any> {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'events', 'new-order.json'), 'utf8'));
}
