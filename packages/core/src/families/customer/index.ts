import { fieldOfItems, singleId, type DomainEventType, type DomainFamily } from '../family';
import { CUSTOMER_ADD_SCHEMA, CUSTOMER_DELETE_SCHEMA, CUSTOMER_EDIT_SCHEMA } from './schemas';

export { CUSTOMER_ADD_SCHEMA, CUSTOMER_DELETE_SCHEMA, CUSTOMER_EDIT_SCHEMA, CUSTOMER_ITEM, DELETED_CUSTOMER_ITEM } from './schemas';

/** seed 000: `{tenant}/proj_{projectId}/v1-business-model-customer`. */
const TOPIC = '{tenant}/proj_{projectId}/v1-business-model-customer';

/** A customer event is about one customer when its list names one id. */
const customerKey = (data: Readonly<Record<string, unknown>>): string | undefined => singleId(fieldOfItems(data.customerList, 'id'));

function type(name: string, title: string, schema: DomainEventType['schema']): DomainEventType {
  return Object.freeze({ type: name, title, schema, orderKey: customerKey, topic: TOPIC });
}

/** Customer events (seed 000, 2-10 客户事件, s0140001): add, edit, delete. */
export const CUSTOMER_FAMILY: DomainFamily = Object.freeze({
  family: 'customer',
  kind: 'domain-model',
  title: 'Customer events (客户事件)',
  appType: 'customer',
  profile: Object.freeze({ poiCode: 's0140001', modelId: 140001 }),
  source: 'seed 000 (2-10 客户事件)',
  types: Object.freeze({
    add: type('add', 'Customers added (客户新增事件)', CUSTOMER_ADD_SCHEMA),
    edit: type('edit', 'Customers updated (客户更新事件)', CUSTOMER_EDIT_SCHEMA),
    delete: type('delete', 'Customers deleted (客户删除事件)', CUSTOMER_DELETE_SCHEMA),
  }),
  // The topic's project: the one project every customer of the event belongs to.
  topicVariables: (_type: string, data: Readonly<Record<string, unknown>>) => {
    const projectId = singleId(fieldOfItems(data.customerList, 'projectId'));
    return projectId !== undefined ? { projectId } : {};
  },
});
