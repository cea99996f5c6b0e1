import { ORDER_FIELDS, USER_TYPES, code, dataSchema, date, object, objectOrArrayOf, text } from './common';

/** A pending handler of the new step (待处理人). */
const PENDING_USER = object(
  {
    userId: text('Pending handler id (待处理人员ID)'),
    eUserId: text('Third-party id of the pending handler (待处理人员ID，第三方员工ID)'),
    userName: text('Pending handler name'),
    userType: code(USER_TYPES, 'Pending handler type (待处理人员类型): 1 customer, 2 employee', { optional: true }),
    userTel: text('Pending handler phone (待处理人员电话)'),
  },
  ['userId', 'eUserId', 'userName'],
  'A pending handler',
);

/**
 * changeId 5, step.created (环节生成). `currentUser` is "Object" in the table
 * but an array in the example: one object or an array of them is accepted.
 */
export const STEP_CREATED_SCHEMA = dataSchema(
  'changeId 5 — step.created (环节生成)',
  'A step of a work order was created and is waiting for its handler.',
  {
    serviceOrderId: ORDER_FIELDS.serviceOrderId,
    serviceOrderCode: ORDER_FIELDS.serviceOrderCode,
    templateId: ORDER_FIELDS.templateId,
    templateDifId: ORDER_FIELDS.templateDifId,
    serviceTypeCode: text('Service category code (服务大类编码)'),
    busiTypeId: ORDER_FIELDS.busiTypeId,
    busiTypeCode: text('Business type code (业务类型编码)'),
    organId: ORDER_FIELDS.organId,
    communityId: text('Project id (项目ID)'),
    eCommunityId: text('Third-party project id (项目ID)'),
    trackId: text('Step id (环节id)'),
    trackCode: text('Step code (环节编码)'),
    trackName: text('Step name (环节名称)'),
    statusName: text('Status name, "待XX" (状态名称)'),
    createDate: date('Creation time (创建时间), yyyyMMddHHmmss'),
    currentUser: objectOrArrayOf(PENDING_USER, 'Pending handler(s) (待处理人): an object, or an array of them'),
    trackInfo: text('Track text, "待+[userName]+trackName" (轨迹信息)'),
  },
  [
    'serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'busiTypeCode', 'organId',
    'trackId', 'trackCode', 'statusName', 'createDate', 'trackInfo',
  ],
);
