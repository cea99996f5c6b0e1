import {
  NOTIFICATION_EVENT_TYPE,
  anyObject,
  epoch,
  epochOrDateTime,
  eventSchema,
  intCode,
  integer,
  listOf,
  object,
  strings,
  text,
  type FamilySchema,
} from '../schema';

/**
 * One customer of `customerList` (seed 000, 2.10.1 字段定义). Required (是):
 * `id`, `projectId`, `name`, `phone`. The table's length column is not
 * checked (see docs/families.md). `meta` comes from the non-standard variant
 * of the same events (扩展信息).
 */
export const CUSTOMER_ITEM: FamilySchema = object(
  {
    id: text('Source primary key (来源方主键id), the customer id; the order key'),
    projectId: integer('Project id (项目id), long'),
    name: text('Name (姓名)'),
    phone: text('Phone (电话)'),
    idType: intCode([0, 1, 2, 3, 4], 'Id document type (证件类型): 0 none, 1 identity card, 2 passport, 3 HK/Macau pass, 4 other'),
    idNumber: text('Id document number (证件号码)'),
    sex: intCode([0, 1, 2], 'Sex (性别): 0 not given, 1 male, 2 female'),
    age: integer('Age (年龄), int'),
    spaceIds: strings('Spaces the customer belongs to (所属空间)'),
    customerGradeId: integer('Customer grade (客户级别), long'),
    customerTypeId: integer('Customer type (客户类型), long'),
    contractName: text('Emergency contact (紧急联系人)'),
    contractPhone: text('Emergency contact phone (紧急联系人电话)'),
    address: text('Address (地址)'),
    email: text('E-mail (邮箱)'),
    remark: text('Remark (备注)'),
    bornDate: epoch('Date of birth (出生年月), long'),
    nativePlace: text('Native place (籍贯)'),
    nation: text('Ethnic group (民族; the table writes 名族)'),
    marriage: intCode([0, 1, 2, 3, 4], 'Marital status (婚姻): 0 not given, 1 single, 2 married, 3 divorced, 4 widowed'),
    education: intCode([0, 1, 2, 3, 4, 5, 6, 7], 'Education (学历): 0 not given, 1 primary ... 7 doctorate'),
    profession: text('Profession (职业)'),
    speciality: text('Speciality (特长)'),
    interest: text('Interests (兴趣爱好)'),
    character: text('Character (性格)'),
    postalCode: text('Postal code (邮政编码)'),
    companyIds: strings('Related companies (关联企业ids)'),
    jobNum: text('Employee number (员工工号)'),
    roleId: integer('Role id (角色id), long'),
    facePhoto: text('Face photo (人脸识别)'),
    meta: anyObject('Extension fields (扩展信息), non-standard events only'),
  },
  ['id', 'projectId', 'name', 'phone'],
  'A customer',
);

/** A customer of a delete event: only `id` is required (删除事件 字段定义). */
export const DELETED_CUSTOMER_ITEM: FamilySchema = object(
  {
    id: text('Source primary key (来源方主键id); the order key'),
    phone: text('Mobile phone (手机号)'),
    meta: anyObject('Extension fields (扩展信息), non-standard events only'),
  },
  ['id'],
  'A deleted customer',
);

const common = (eventTs: FamilySchema) => ({ eventType: NOTIFICATION_EVENT_TYPE, eventTs });

export const CUSTOMER_ADD_SCHEMA = eventSchema(
  'customer.add (客户新增事件)',
  'Customers were added.',
  { ...common(epoch('Event time (事件时间), epoch ms')), customerList: listOf(CUSTOMER_ITEM, 'The customers added', { minItems: 1 }) },
  ['eventType', 'eventTs', 'customerList'],
);

export const CUSTOMER_EDIT_SCHEMA = eventSchema(
  'customer.edit (客户更新事件)',
  'Customers were updated.',
  { ...common(epoch('Event time (事件时间), epoch ms')), customerList: listOf(CUSTOMER_ITEM, 'The customers updated', { minItems: 1 }) },
  ['eventType', 'eventTs', 'customerList'],
);

export const CUSTOMER_DELETE_SCHEMA = eventSchema(
  'customer.delete (客户删除事件)',
  'Customers were deleted.',
  {
    ...common(epochOrDateTime('Event time (事件时间): epoch ms, or YYYY-mm-dd HH:MM:SS as the table says')),
    customerList: listOf(DELETED_CUSTOMER_ITEM, 'The customers deleted', { minItems: 1 }),
  },
  ['eventType', 'eventTs', 'customerList'],
);
