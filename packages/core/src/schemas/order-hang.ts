import { ORDER_FIELDS, code, dataSchema, date, optionalDate, text } from './common';

/**
 * changeId 6, order.hang (挂起、解挂). The field names are the TABLE's, even
 * where the table is the odd one out (`hangtime`, `planrelievetime`,
 * `hangremark`); the example's `hangTime`, `planRelieveTime`, `"hangRemark "`
 * are renamed to them by key normalisation. The table types `hangtime` as
 * Object but describes a yyyyMMddHHmmss time and the example sends a string:
 * it is an optional date. `reviewAdvise` has no type nor Y/N: an optional string.
 */
export const ORDER_HANG_SCHEMA = dataSchema(
  'changeId 6 — order.hang (挂起、解挂)',
  'A hang (suspension) of a work order was requested, granted, refused or lifted (hangStatus).',
  {
    serviceOrderId: ORDER_FIELDS.serviceOrderId,
    serviceOrderCode: ORDER_FIELDS.serviceOrderCode,
    templateId: ORDER_FIELDS.templateId,
    templateDifId: ORDER_FIELDS.templateDifId,
    busiTypeId: ORDER_FIELDS.busiTypeId,
    organId: ORDER_FIELDS.organId,
    communityId: text('Project id (项目ID)'),
    eCommunityId: text('External project id (外部项目ID)'),
    trackId: text('Step id (环节id)'),
    trackCode: text('Step code (环节编码)'),
    trackName: text('Step name (环节名称)'),
    userId: text('Applicant id (挂起申请人)'),
    eUserId: text('Applicant third-party user id (挂起申请人第三方用户ID)'),
    userName: text('Applicant name (挂起申请人姓名)'),
    hangtime: optionalDate('Time of the hang request (挂起申请时间), yyyyMMddHHmmss'),
    planrelievetime: date('Planned unhang time (预计解挂时间), yyyyMMddHHmmss'),
    hangremark: text('Reason (挂起原因)'),
    hangStatus: code(['0', '1', '2', '3'], 'Hang result (挂起结果): 0 unhung, 1 requested, 2 hung, 3 hang refused'),
    factRelieveHang: date('Actual unhang time (实际解挂时间), yyyyMMddHHmmss'),
    reviewAdvise: text('Review opinion (审核意见)'),
  },
  [
    'serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'eCommunityId', 'trackId',
    'trackCode', 'userId', 'eUserId', 'userName', 'planrelievetime', 'hangremark', 'hangStatus', 'factRelieveHang',
  ],
);
