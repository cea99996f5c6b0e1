import { ORDER_FIELDS, dataSchema, date, text } from './common';

/**
 * changeId 9, order.transferred (转单). The seed's section text says
 * "changeId=7表示：超时" (copied from the timeout section); the heading and
 * the table are the transfer. `createDate` (转单时间) has no format in this
 * table; it is a yyyyMMddHHmmss date like `createDate` in every other table.
 */
export const ORDER_TRANSFERRED_SCHEMA = dataSchema(
  'changeId 9 — order.transferred (转单)',
  'A work order was transferred to another handler.',
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
    requserId: text('Who transferred it (转单人)'),
    reqEuserId: text('Third-party employee id of who transferred it (转单人第三方员工ID)'),
    requserName: text('Name of who transferred it (转单人名称)'),
    createDate: date('Transfer time (转单时间), yyyyMMddHHmmss'),
    remark: text('Transfer opinion (转单意见)'),
    taruserId: text('Target handler (转单目标人)'),
    tarEuserId: text('Target handler external employee id (转单目标人外部员工Id)'),
    taruserName: text('Target handler name (转单目标人名称)'),
  },
  [
    'serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'eCommunityId', 'trackId',
    'trackCode', 'requserId', 'requserName', 'createDate', 'remark', 'taruserId', 'taruserName',
  ],
);
