import { NOTIFICATION_EVENT_TYPE, epoch, eventSchema, intCode, integer, nullable, strings, text } from '../schema';

/**
 * seed 001, 2.6.0 组织变更事件: a thin "notify, then pull" event. It says only
 * that organisations changed and when; the receiver calls the organisation
 * query API for what changed.
 */
export const ORG_CHANGE_SCHEMA = eventSchema(
  'org.change (组织变更事件)',
  'Organisations changed: fetch them from the organisation query API.',
  { eventTs: epoch('When the data changed (数据更新时间), epoch ms'), eventType: NOTIFICATION_EVENT_TYPE },
  ['eventTs', 'eventType'],
);

/** The fields of 添加机构事件定义 (also what update sends, per the seed's example). */
const ORG_FIELDS = {
  eventType: NOTIFICATION_EVENT_TYPE,
  id: text('Organisation id (组织ID); the order key'),
  name: text('Organisation name (组织名称)'),
  code: text('Organisation code (组织编码)'),
  type: intCode([1, 2, 3, 4, 5, 6, 7, 8, 9], 'Node type (组织节点类型): 1 group, 2 company, 3 region, 4 branch, 5 subsidiary, 6 management, 7 project, 8 department, 9 team'),
  projectId: nullable({ type: ['string', 'integer'], description: 'Project id (项目ID): only for project nodes, equal to the organisation id' }),
  typeName: text('Node type name (组织节点类型名称)'),
  parentId: text('Parent organisation id (not in the table; the example sends it)'),
  parentName: text('Parent organisation name (not in the table; the example sends it)'),
  path: text('Path of ids (组织路径)'),
  pathName: text('Path of names (路径名称), e.g. A集团/A项目'),
  description: text('Description (描述)'),
  tenant: text('Tenant id (租户ID)'),
  userId: text('Id of the user who changed it (修改用户ID)'),
  time: epoch('When it changed (改动时间), epoch ms'),
};
const ORG_REQUIRED = ['id', 'name', 'code', 'type', 'typeName', 'path', 'pathName', 'tenant', 'userId', 'time'] as const;

export const ORG_ADD_SCHEMA = eventSchema('org.add (添加机构事件)', 'An organisation was added.', ORG_FIELDS, ORG_REQUIRED);

export const ORG_UPDATE_SCHEMA = eventSchema('org.update (修改机构事件)', 'An organisation was updated (the fields of add).', ORG_FIELDS, ORG_REQUIRED);

/** No table in the seed: the fields of its example, with the ids required. */
export const ORG_DELETE_SCHEMA = eventSchema(
  'org.delete (删除机构事件)',
  'Organisations were deleted.',
  {
    eventType: NOTIFICATION_EVENT_TYPE,
    ids: strings('Ids of the deleted organisations', { minItems: 1 }),
    tenant: text('Tenant id (租户ID)'),
    userId: text('Id of the user who deleted them'),
    time: epoch('When (epoch ms)'),
  },
  ['ids', 'tenant', 'userId', 'time'],
);

/** No table in the seed: the fields of its example; the organisation and the person are required. */
const RESPONSIBLE_FIELDS = {
  eventSendUserId: text('Who made the change'),
  eventType: NOTIFICATION_EVENT_TYPE,
  type: integer('Kind of change (not described in the seed)'),
  eventTs: epoch('Event time, epoch ms'),
  userId: text('The responsible person'),
  orgId: text('The organisation; the order key'),
};

export const ORG_MAIN_RESPONSIBLE_SCHEMA = eventSchema(
  'org.mainResponsible (主负责人)',
  "An organisation's main responsible person changed.",
  RESPONSIBLE_FIELDS,
  ['eventTs', 'userId', 'orgId'],
);

export const ORG_RESPONSIBLE_SCHEMA = eventSchema(
  'org.responsible (负责人)',
  "An organisation's responsible persons changed.",
  RESPONSIBLE_FIELDS,
  ['eventTs', 'userId', 'orgId'],
);
