import { ORDER_FIELDS, USER_TYPES, arrayOf, code, dataSchema, object, text } from './common';

/**
 * changeId 7, order.timeout (超时). `supflag` (timeout level) has no value
 * list in the seed: a plain string. The inner `userType` of `currentUser` has
 * no description in this table; it is the same 1/2 code as everywhere else.
 */
export const ORDER_TIMEOUT_SCHEMA = dataSchema(
  'changeId 7 — order.timeout (超时)',
  'A work order step ran over its time limit.',
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
    supflag: text('Timeout level (超时级别)'),
    currentUser: arrayOf(
      object(
        {
          userId: text('Pending handler id'),
          eUserId: text('Pending handler third-party user id (待处理人第三方用户ID)'),
          userName: text('Pending handler name'),
          userType: code(USER_TYPES, 'Pending handler type: 1 customer, 2 employee'),
        },
        ['userId', 'eUserId', 'userName', 'userType'],
        'A pending handler',
      ),
      'Pending handlers (待处理人)',
    ),
    supUser: arrayOf(
      object(
        {
          userId: text('Supervisor id'),
          eUserId: text('Supervisor third-party user id'),
          userName: text('Supervisor name'),
        },
        ['userId', 'eUserId', 'userName'],
        'A supervisor',
      ),
      'Supervisors (督办人)',
    ),
  },
  ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'eCommunityId', 'trackId', 'trackCode', 'supflag'],
);
