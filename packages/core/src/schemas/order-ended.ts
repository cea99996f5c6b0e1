import { ORDER_FIELDS, code, dataSchema, date, text } from './common';

/** changeId 3, order.ended (工单结束): normal end, cancellation or closure by the system. */
export const ORDER_ENDED_SCHEMA = dataSchema(
  'changeId 3 — order.ended (工单结束)',
  'A work order ended: overType 0 normally, 1 cancelled, 2 closed by the system.',
  {
    serviceOrderId: ORDER_FIELDS.serviceOrderId,
    serviceOrderCode: ORDER_FIELDS.serviceOrderCode,
    templateId: ORDER_FIELDS.templateId,
    templateDifId: ORDER_FIELDS.templateDifId,
    serviceTypeCode: text('Service category code (服务大类编码)'),
    busiTypeId: ORDER_FIELDS.busiTypeId,
    busiTypeCode: text('Business type code (业务类型编码)'),
    organId: ORDER_FIELDS.organId,
    trackId: text('Step id (环节id)'),
    trackCode: text('Step code (环节编码)'),
    trackName: text('Step name (环节名称)'),
    statusName: text('Status name, "结束" (状态名称)'),
    createDate: date('Creation time (创建时间), yyyyMMddHHmmss'),
    handleDate: date('Handling time (处理时间), yyyyMMddHHmmss'),
    overType: code(['0', '1', '2'], 'How it ended: 0 normal (正常完结), 1 cancelled (取消), 2 closed by the system (系统关闭)'),
    operator: text('Who cancelled it, when overType=1 (取消人)'),
    dealAdvise: text('Handling / cancellation opinion (处理(取消)意见)'),
    trackInfo: text('Track text, e.g. "工单结束" (轨迹信息)'),
  },
  [
    'serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'busiTypeCode', 'organId', 'trackId',
    'trackCode', 'trackName', 'statusName', 'createDate', 'handleDate', 'overType', 'trackInfo',
  ],
);
