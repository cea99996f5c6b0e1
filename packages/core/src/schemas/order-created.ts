import { ATTRIBUTE_ITEM, ORDER_FIELDS, USER_TYPES, arrayOf, code, dataSchema, date, optionalDate, text } from './common';

/**
 * changeId 1, order.created (新增工单): written from the seed's table.
 * transportTypeId is not an enum: the table says 1/2/3, its own example sends "9".
 * The bespeak times have no format in the table; they are times like every
 * other, so they are treated as optional `yyyyMMddHHmmss` (the example sends "").
 */
export const ORDER_CREATED_SCHEMA = dataSchema(
  'changeId 1 — order.created (新增工单)',
  'A work order was created.',
  {
    serviceOrderId: ORDER_FIELDS.serviceOrderId,
    serviceOrderCode: ORDER_FIELDS.serviceOrderCode,
    templateId: ORDER_FIELDS.templateId,
    templateDifId: ORDER_FIELDS.templateDifId,
    serviceTypeCode: text('Service category code (服务大类编码)'),
    templateInstName: text('Service name, alias (服务名称)'),
    busiTypeId: ORDER_FIELDS.busiTypeId,
    busiTypeCode: text('Business type code (业务类型编码)'),
    busiTypeName: text('Business type name (业务类型名称)'),
    trackId: text('Step id of the submission step (环节id，提单环节id)'),
    trackCode: text('Step code of the submission step (环节编码)'),
    trackName: text('Step name (环节名称)'),
    houseId: text('House id (房屋ID)'),
    eHouseId: text('Third-party house id (第三方房屋ID)'),
    houseInfo: text('House description, e.g. 软件园1栋1单元101房'),
    transportTypeId: text('Access channel id (接入类型): 1 app, 2 400 hotline, 3 internal — not enforced, the seed example sends "9"'),
    transportTypeName: text('Access channel name (接入类型名称)'),
    userId: text('Contact id (联系人ID)'),
    eUserId: text('Third-party user id of the contact (第三方用户Id)'),
    userType: code(USER_TYPES, 'Contact type (联系人类型): 1 customer, 2 employee'),
    transportUserId: text('Id of the person who entered the order (录单人ID)'),
    transportEuserId: text('External id of the person who entered the order (外部录单人ID)'),
    noteName: text('Name of the person who entered the order (录单人姓名)'),
    contactName: text('Contact name (联系人姓名)'),
    contactTel: text('Contact phone (联系人电话)'),
    organId: ORDER_FIELDS.organId,
    organName: text('Organisation name (组织机构名称)'),
    communityId: text('Project id (项目ID)'),
    eCommunityId: text('Third-party project id (第三方项目ID)'),
    createDate: date('Order creation time (工单创建时间), yyyyMMddHHmmss'),
    address: text('Address (地址)'),
    remark: text('Remark (备注)'),
    categoryId: code(['1', '2', '3', '4'], 'Order category (工单类型): 1 property, 2 commercial, 3 third-party, 4 equipment'),
    isBespeak: code(['0', '1'], 'Appointment (是否预约): 0 no, 1 yes'),
    bespeakBegintime: optionalDate('Appointment start (预约开始时间), when isBespeak=1'),
    bespeakEndtime: optionalDate('Appointment end (预约结束时间), when isBespeak=1'),
    voiceId: text('Voice recording id (语音ID)'),
    reqVariables: arrayOf(ATTRIBUTE_ITEM, 'Form attributes submitted at the submission step (提单环节提交表单属性)'),
  },
  [
    'serviceOrderId', 'serviceOrderCode', 'templateId', 'templateInstName', 'busiTypeId', 'busiTypeCode',
    'busiTypeName', 'trackId', 'trackCode', 'transportTypeId', 'transportTypeName', 'userId', 'userType',
    'organId', 'organName', 'communityId', 'eCommunityId', 'createDate', 'remark', 'categoryId', 'isBespeak',
  ],
);
