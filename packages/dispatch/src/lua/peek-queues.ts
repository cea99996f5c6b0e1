/**
 * The sweep's look at several subscription queues in one call: whether each
 * has jobs ready, and if not when its next delayed job is due. Nothing is
 * claimed or changed.
 *
 * KEYS per queue, in threes: its wait LIST, prioritized ZSET, delayed ZSET
 * (on Redis Cluster one queue per call: a queue's keys share its slot).
 *
 * Returns one entry per queue: 1 when jobs are ready; otherwise the score of
 * the first delayed job (BullMQ's: due time in ms * 0x1000 + a counter) as a
 * string; otherwise 0.
 */
export const PEEK_QUEUES = `
local out = {}
for i = 1, #KEYS, 3 do
  if redis.call('LLEN', KEYS[i]) > 0 or redis.call('ZCARD', KEYS[i + 1]) > 0 then
    out[#out + 1] = 1
  else
    local head = redis.call('ZRANGE', KEYS[i + 2], 0, 0, 'WITHSCORES')
    if head[2] then out[#out + 1] = head[2] else out[#out + 1] = 0 end
  end
end
return out
`;
