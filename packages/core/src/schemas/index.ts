import type { ChangeId } from '../event';
import type { JsonSchema } from './common';
import { ORDER_COMMENTED_SCHEMA } from './order-commented';
import { ORDER_CREATED_SCHEMA } from './order-created';
import { ORDER_ENDED_SCHEMA } from './order-ended';
import { ORDER_EVALUATED_SCHEMA } from './order-evaluated';
import { ORDER_HANG_SCHEMA } from './order-hang';
import { ORDER_SUPERVISED_SCHEMA } from './order-supervised';
import { ORDER_TIMEOUT_SCHEMA } from './order-timeout';
import { ORDER_TRANSFERRED_SCHEMA } from './order-transferred';
import { STEP_CREATED_SCHEMA } from './step-created';
import { STEP_HANDLED_SCHEMA } from './step-handled';

export {
  DATE_FORMAT,
  DATE_PATTERN,
  JSON_SCHEMA_DRAFT,
  OPTIONAL_DATE_FORMAT,
  isCompactDate,
  type JsonSchema,
} from './common';
export { DATA_AREA_PATTERN, ENVELOPE_KEYS, ENVELOPE_SCHEMA, EVENT_ID_PATTERN } from './envelope';

/** The JSON Schema (draft-07) of the `data` object of each changeId, written from the seed's field tables. */
export const DATA_SCHEMAS: Readonly<Record<ChangeId, JsonSchema>> = Object.freeze({
  1: ORDER_CREATED_SCHEMA,
  2: STEP_HANDLED_SCHEMA,
  3: ORDER_ENDED_SCHEMA,
  4: ORDER_EVALUATED_SCHEMA,
  5: STEP_CREATED_SCHEMA,
  6: ORDER_HANG_SCHEMA,
  7: ORDER_TIMEOUT_SCHEMA,
  8: ORDER_SUPERVISED_SCHEMA,
  9: ORDER_TRANSFERRED_SCHEMA,
  10: ORDER_COMMENTED_SCHEMA,
});
