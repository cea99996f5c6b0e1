import { idText, singleId, type DomainEventType, type DomainFamily } from '../family';
import {
  ORG_ADD_SCHEMA,
  ORG_CHANGE_SCHEMA,
  ORG_DELETE_SCHEMA,
  ORG_MAIN_RESPONSIBLE_SCHEMA,
  ORG_RESPONSIBLE_SCHEMA,
  ORG_UPDATE_SCHEMA,
} from './schemas';

export * from './schemas';

/** seed 001: the change notification's topic. */
const CHANGE_TOPIC = '{tenant}/default/v1-business-model-change-org';
/** seed 001's topic of the entity events, `${tenant}/defualt/v1-business-enterpriseright-org-change`, with its typo fixed. */
const ENTITY_TOPIC = '{tenant}/default/v1-business-enterpriseright-org-change';

type Data = Readonly<Record<string, unknown>>;

function type(name: string, title: string, schema: DomainEventType['schema'], orderKey: (data: Data) => string | undefined, topic = ENTITY_TOPIC): DomainEventType {
  return Object.freeze({ type: name, title, schema, orderKey, topic });
}

const byId = (data: Data) => idText(data.id);
const byOrgId = (data: Data) => idText(data.orgId);
const byIds = (data: Data) => (Array.isArray(data.ids) ? singleId(data.ids) : undefined);

/** Organisation events (seed 001, 2-6 机构事件(组织), s006). */
export const ORG_FAMILY: DomainFamily = Object.freeze({
  family: 'org',
  kind: 'domain-model',
  title: 'Organisation events (组织事件)',
  appType: 'org',
  profile: Object.freeze({ poiCode: 's006', modelId: 6 }),
  source: 'seed 001 (2-6 机构事件(组织))',
  types: Object.freeze({
    change: type('change', 'Organisations changed: notify, then pull (组织变更事件)', ORG_CHANGE_SCHEMA, () => undefined, CHANGE_TOPIC),
    add: type('add', 'Organisation added (添加机构)', ORG_ADD_SCHEMA, byId),
    update: type('update', 'Organisation updated', ORG_UPDATE_SCHEMA, byId),
    delete: type('delete', 'Organisations deleted', ORG_DELETE_SCHEMA, byIds),
    mainResponsible: type('mainResponsible', 'Main responsible person changed', ORG_MAIN_RESPONSIBLE_SCHEMA, byOrgId),
    responsible: type('responsible', 'Responsible persons changed', ORG_RESPONSIBLE_SCHEMA, byOrgId),
  }),
  // Entity events name their tenant (租户ID).
  topicVariables: (_type: string, data: Data) => {
    const tenant = idText(data.tenant);
    return tenant !== undefined ? { tenant } : {};
  },
});
