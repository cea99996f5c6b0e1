import { ORDER_FIELDS, ORDER_REQUIRED, dataSchema, optionalDate, text } from './common';

/**
 * changeId 8, order.supervised (督办). The seed marks it "暂不支持" (not
 * supported yet) and gives no table, only an example (which is not valid
 * JSON). Written from that example; only the fields every table requires are
 * required. `suptime` is treated like every other time of the seed
 * (optional yyyyMMddHHmmss).
 */
export const ORDER_SUPERVISED_SCHEMA = dataSchema(
  'changeId 8 — order.supervised (督办)',
  'A work order was put under supervision. Not supported by the work-order system yet.',
  {
    ...ORDER_FIELDS,
    trackId: text('Step id (环节id)'),
    trackCode: text('Step code (环节编码)'),
    trackName: text('Step name (环节名称)'),
    supflag: text('Supervision level (督办级别)'),
    supuserId: text('Supervisor id (督办人)'),
    supuserName: text('Supervisor name (督办人名称)'),
    suptime: optionalDate('Supervision time (督办时间), yyyyMMddHHmmss'),
    supremark: text('Supervision opinion (督办意见)'),
  },
  ORDER_REQUIRED,
);
