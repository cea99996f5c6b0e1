import { ORDER_FIELDS, dataSchema, date, text } from './common';

/** changeId 4, order.evaluated (用户评价). `evalue` has no value list in this table: a plain string. */
export const ORDER_EVALUATED_SCHEMA = dataSchema(
  'changeId 4 — order.evaluated (用户评价)',
  'The customer evaluated a work order.',
  {
    serviceOrderId: ORDER_FIELDS.serviceOrderId,
    serviceOrderCode: ORDER_FIELDS.serviceOrderCode,
    templateId: ORDER_FIELDS.templateId,
    templateDifId: ORDER_FIELDS.templateDifId,
    busiTypeId: ORDER_FIELDS.busiTypeId,
    organId: ORDER_FIELDS.organId,
    evalue: text('Evaluation value (评价值)'),
    evaluator: text('Evaluator (评价人)'),
    evaluateMsg: text('Evaluation comment (评价意见)'),
    evaluateTime: date('Evaluation time (评价时间), yyyyMMddHHmmss'),
  },
  ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'evalue', 'evaluator', 'evaluateTime'],
);
