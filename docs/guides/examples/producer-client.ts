import { createProducerClient, type EventRejection } from '@orderbus/sdk';

/**
 * The work-order system's side: one client for the process, created at
 * start-up and closed at shutdown.
 */
export async function main(): Promise<string[]> {
  const client = createProducerClient({
    url: process.env.ORDERBUS_PRODUCER_URL!, // e.g. http://orderbus-producer:8080
    key: process.env.ORDERBUS_PRODUCER_KEY!,
    batch: { maxEvents: 100, maxWaitMs: 20 },
    retry: { initialDelayMs: 200, maxDelayMs: 30_000 },
    // Every event is written here before emit() resolves; kept while orderbus is unreachable.
    spool: { path: process.env.ORDERBUS_SPOOL_PATH ?? '/var/lib/workorder/orderbus-spool.jsonl', maxBytes: 64 * 1024 * 1024 },
    // The event itself is wrong (422, 409): fix it, park it, alert someone. It is not retried.
    onRejected: (rejection: EventRejection) => {
      console.error(`orderbus refused ${rejection.event.eventId}: ${rejection.code}`, rejection.problems ?? rejection.message);
    },
  });

  // data is typed by changeId: leave out a required field and it does not compile.
  const created = await client.emit({
    changeId: 1,
    dataArea: 'fwwt',
    data: {
      serviceOrderId: '4503599741262310', serviceOrderCode: '0120190802003060',
      templateId: '8103', templateInstName: '房屋问题',
      busiTypeId: '110000228', busiTypeCode: 'dian', busiTypeName: '电',
      trackId: '450359974126231001', trackCode: 'NODE_DS_SUBMIT',
      transportTypeId: '1', transportTypeName: 'APP终端接入',
      userId: '110640113', userType: '1',
      organId: '671024', organName: '海文花园',
      communityId: '139912543382896', eCommunityId: '139912543382896',
      createDate: '20190802161622', remark: '厨房漏水',
      categoryId: '1', isBespeak: '0',
    },
  });
  const ended = await client.emit({
    changeId: 3,
    dataArea: 'fwwt',
    occurredAt: new Date(),
    data: {
      serviceOrderId: '4503599741262310', serviceOrderCode: '0120190802003060',
      templateId: '8103', busiTypeId: '110000228', busiTypeCode: 'dian', organId: '671024',
      trackId: '450359974126231009', trackCode: 'NODE_END', trackName: '结束', statusName: '已完成',
      createDate: '20190802161622', handleDate: '20190803090000', overType: '0', trackInfo: '工单已完成',
    },
  });

  // At shutdown: send what waits (what cannot be sent stays in the spool for the next start).
  await client.flush({ timeoutMs: 10_000 });
  console.log(client.stats()); // { pending: 0, accepted: 2, ... }
  await client.close();
  return [created, ended];
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
