import { ATTRIBUTE_ITEM, ORDER_FIELDS, USER_TYPES, arrayOf, code, dataSchema, date, text } from './common';

/**
 * changeId 2, step.handled (环节处理). `evalue` is not an enum: the table
 * lists "1：1星，2:2星..." without an end.
 */
export const STEP_HANDLED_SCHEMA = dataSchema(
  'changeId 2 — step.handled (环节处理)',
  'A step of a work order was handled.',
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
    statusName: text('Status name, "已XX" (状态名称)'),
    createDate: date('Creation time, equal to handleDate (创建时间), yyyyMMddHHmmss'),
    handleDate: date('Handling time (处理时间), yyyyMMddHHmmss'),
    userType: code(USER_TYPES, 'Handler type (人员类型): 1 customer, 2 employee', { optional: true }),
    currentUserId: text('Handler id (处理人ID)'),
    currentEuserId: text('Third-party handler id (第三方处理人ID)'),
    currentUserName: text('Handler name (处理人名称)'),
    currentUserTel: text('Handler phone (处理人电话)'),
    trackInfo: text('Track text, e.g. "刘凯已派单" (轨迹信息)'),
    reviewResult: code(['1', '2'], 'Review result (审核结果): 1 passed, 2 not passed; review/revisit steps only', { optional: true }),
    evalue: text('Evaluation, 1 = one star, 2 = two stars, ... (评价值); evaluation step only'),
    dealAdvise: text('Handling opinion (处理意见)'),
    variables: arrayOf(ATTRIBUTE_ITEM, 'Form attributes submitted at this step (当前环节处理提交表单属性)'),
  },
  [
    'serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'busiTypeCode', 'organId', 'trackId',
    'trackCode', 'trackName', 'statusName', 'createDate', 'handleDate', 'currentUserId', 'currentEuserId',
    'currentUserName', 'trackInfo',
  ],
);
