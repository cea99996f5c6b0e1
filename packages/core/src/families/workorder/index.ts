import { CHANGE_CATALOGUE } from '../../catalogue';
import { CHANGE_IDS } from '../../event';
import type { WorkOrderFamily } from '../family';

/** One topic per subscription and dataArea for work-order events (they have no tenant of their own). */
export const WORK_ORDER_TOPIC = 'orderbus/{baseCode}/{dataArea}';

/**
 * The work-order events (seed 003): the envelope `{dataArea, changeId, data}`,
 * validated by createEventValidator; its types are the changeId catalogue's names.
 */
export const WORK_ORDER_FAMILY: WorkOrderFamily = Object.freeze({
  family: 'workorder',
  kind: 'envelope',
  title: 'Work-order events (工单事件)',
  source: 'seed 003',
  types: Object.freeze(
    Object.fromEntries(
      CHANGE_IDS.map((id) => {
        const entry = CHANGE_CATALOGUE[id];
        return [entry.name, Object.freeze({ type: entry.name, title: entry.title, topic: WORK_ORDER_TOPIC })];
      }),
    ),
  ),
});
