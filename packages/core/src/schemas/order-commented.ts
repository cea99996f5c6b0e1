import { ORDER_FIELDS, code, dataSchema, optionalDate, text } from './common';

/**
 * changeId 10, order.commented (追记、加急). The table types `createTime` as
 * Object but describes a yyyyMMddHHmmss time: it is an optional date.
 */
export const ORDER_COMMENTED_SCHEMA = dataSchema(
  'changeId 10 — order.commented (追记、加急)',
  'A comment was added to a work order, or it was marked urgent (commentType).',
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
    userId: text('Author id (追记人)'),
    eUserId: text('Author third-party user id (追记人第三方用户ID)'),
    userName: text('Author name (追记人姓名)'),
    createTime: optionalDate('Comment time (追记时间), yyyyMMddHHmmss'),
    comment: text('Comment text (追记内容)'),
    photo: text('Comment photo (追记照片)'),
    commentType: code(['1', '2'], 'Type (类型): 1 comment (追记), 2 urgent (加急)'),
  },
  [
    'serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'eCommunityId', 'trackId',
    'trackCode', 'userId', 'eUserId', 'userName', 'comment', 'photo', 'commentType',
  ],
);
