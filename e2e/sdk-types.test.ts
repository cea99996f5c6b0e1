import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CHANGE_CATALOGUE, CHANGE_IDS, DATA_SCHEMAS, type JsonSchema } from '@orderbus/core';
import type { DeliveredEvent, EventData, EventInput, ProducerClient } from '@orderbus/sdk';

/*
 * Type tests: `turbo run typecheck` compiles this file (e2e's tsconfig), so a
 * `@ts-expect-error` that stops being an error — a required field the types
 * no longer require — fails the build. The functions below are compiled,
 * never called.
 */

const order: EventData<1> = {
  serviceOrderId: '1', serviceOrderCode: 'c', templateId: 't', templateInstName: 'n', busiTypeId: 'b', busiTypeCode: 'bc',
  busiTypeName: 'bn', trackId: 'k', trackCode: 'kc', transportTypeId: '1', transportTypeName: 'app', userId: 'u', userType: '1',
  organId: 'o', organName: 'on', communityId: 'c1', eCommunityId: 'e1', createDate: '20250101000000', remark: '', categoryId: '1', isBespeak: '0',
};

export function typedEmit(client: ProducerClient): void {
  void client.emit({ changeId: 1, dataArea: 'fwwt', data: order });
  void client.emit({ changeId: '1', dataArea: 'fwwt', data: { ...order, templateName: 'an extra field is allowed' } });

  const { trackId: _trackId, ...withoutTrackId } = order;
  // @ts-expect-error trackId is required for changeId 1 (order.created)
  void client.emit({ changeId: 1, dataArea: 'fwwt', data: withoutTrackId });

  // @ts-expect-error userType is '1' | '2'
  void client.emit({ changeId: 1, dataArea: 'fwwt', data: { ...order, userType: '3' } });

  // @ts-expect-error changeId 4's data is an evaluation, not a new order
  void client.emit({ changeId: 4, dataArea: 'fwwt', data: order });

  // @ts-expect-error there is no changeId 11
  void client.emit({ changeId: 11, dataArea: 'fwwt', data: order });

  // @ts-expect-error dataArea is required
  void client.emit({ changeId: 1, data: order });

  const evaluation: EventInput<4> = {
    changeId: 4,
    dataArea: 'fwwt',
    // @ts-expect-error evaluateTime is required for changeId 4
    data: { serviceOrderId: '1', serviceOrderCode: 'c', templateId: 't', busiTypeId: 'b', organId: 'o', evalue: '5', evaluator: 'e' },
  };
  void evaluation;
}

export function narrowedDelivery(event: DeliveredEvent): string {
  switch (event.changeId) {
    case '1':
      return event.data.templateInstName;
    case '3':
      return event.data.overType; // '0' | '1' | '2'
    case '4':
      // @ts-expect-error an evaluation has no templateInstName
      return event.data.templateInstName;
    default:
      return event.data.serviceOrderId;
  }
}

/** Required fields of a generated interface, read from the type: the keys that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: string extends K ? never : {} extends Pick<T, K> ? never : K }[keyof T];
const REQUIRED_OF_1: Record<RequiredKeys<EventData<1>>, true> = {
  serviceOrderId: true, serviceOrderCode: true, templateId: true, templateInstName: true, busiTypeId: true, busiTypeCode: true,
  busiTypeName: true, trackId: true, trackCode: true, transportTypeId: true, transportTypeName: true, userId: true, userType: true,
  organId: true, organName: true, communityId: true, eCommunityId: true, createDate: true, remark: true, categoryId: true, isBespeak: true,
};
const REQUIRED_OF_7: Record<RequiredKeys<EventData<7>>, true> = {
  serviceOrderId: true, serviceOrderCode: true, templateId: true, busiTypeId: true, organId: true, eCommunityId: true, trackId: true, trackCode: true, supflag: true,
};

describe('typed events generated from the JSON Schemas', () => {
  it('generated.ts is what the generator writes from the current DATA_SCHEMAS (run it after changing a schema)', () => {
    const script = join(__dirname, '..', 'packages', 'sdk', 'scripts', 'generate-event-types.mjs');
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('the required fields of the types are the required fields of the schemas', () => {
    // The compile-time lists above are checked by typecheck against the types; here against the schemas.
    expect(Object.keys(REQUIRED_OF_1).sort()).toEqual([...(DATA_SCHEMAS[1].required ?? [])].sort());
    expect(Object.keys(REQUIRED_OF_7).sort()).toEqual([...(DATA_SCHEMAS[7].required ?? [])].sort());
  });

  it('every changeId has a schema the generator names after the catalogue', () => {
    for (const changeId of CHANGE_IDS) {
      const schema: JsonSchema = DATA_SCHEMAS[changeId];
      expect(schema.type).toBe('object');
      expect(CHANGE_CATALOGUE[changeId].name).toMatch(/^[a-z]+\.[a-z]+$/);
    }
  });
});
