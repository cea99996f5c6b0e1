import type { ChangeId } from './event';

/** What orderbus knows about one changeId of the work-order flow engine. */
export interface ChangeType {
  changeId: ChangeId;
  /** Our stable name, used in topics, metrics and subscriptions (`order.created`). */
  name: string;
  /** A short English title for people. */
  title: string;
  /** The `data` field that identifies the work order; events are ordered per value of it. */
  orderKeyField: string;
  /** `false` for changeId 8 (supervise), which the seed marks "暂不支持" (not supported yet). */
  supported: boolean;
}

function entry(changeId: ChangeId, name: string, title: string, supported = true): Readonly<ChangeType> {
  return Object.freeze({ changeId, name, title, orderKeyField: 'serviceOrderId', supported });
}

/**
 * The catalogue of changeIds (seed §"订阅事件"). 1, 5, 2, 3 are the flow-state
 * events of an order in the order they happen; 4, 6–10 are the extension events.
 */
export const CHANGE_CATALOGUE: Readonly<Record<ChangeId, Readonly<ChangeType>>> = Object.freeze({
  1: entry(1, 'order.created', 'New order'),
  2: entry(2, 'step.handled', 'Step handled'),
  3: entry(3, 'order.ended', 'Order ended'),
  4: entry(4, 'order.evaluated', 'Evaluation'),
  5: entry(5, 'step.created', 'Step created'),
  6: entry(6, 'order.hang', 'Hang / unhang'),
  7: entry(7, 'order.timeout', 'Timeout'),
  8: entry(8, 'order.supervised', 'Supervise', false),
  9: entry(9, 'order.transferred', 'Transfer'),
  10: entry(10, 'order.commented', 'Comment / urgent'),
});

/**
 * Stands in for the catalogue entry of an event that has no changeId (an
 * event of another family: customer, org): the fan-out names jobs with
 * `changeType(event.changeId).name`. Use eventNameOf for the real name.
 */
const NOT_A_WORK_ORDER_CHANGE: Readonly<ChangeType> = Object.freeze({
  changeId: 0 as ChangeId,
  name: 'domain-event',
  title: 'An event of another family (see eventNameOf)',
  orderKeyField: '',
  supported: true,
});

/** The catalogue entry of a changeId. */
export function changeType(id: ChangeId): Readonly<ChangeType> {
  return CHANGE_CATALOGUE[id] ?? NOT_A_WORK_ORDER_CHANGE;
}

const DECIMAL_CHANGE_ID = /^(?:[1-9]|10)$/;

/**
 * Reads a changeId as producers send it: the seed types it as a String
 * (`"1"`), some producers send the number. Accepts the integers 1–10 and their
 * plain decimal spelling only (no `"01"`, `" 1"`, `"1.0"`, `1.5`).
 */
export function parseChangeId(value: unknown): ChangeId | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 1 && value <= 10 ? (value as ChangeId) : undefined;
  }
  if (typeof value === 'string' && DECIMAL_CHANGE_ID.test(value)) return Number(value) as ChangeId;
  return undefined;
}
