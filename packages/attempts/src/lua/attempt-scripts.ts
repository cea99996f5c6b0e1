/**
 * Stores a subscription's attempts, oldest first: numbers them, prepends
 * them to the subscription's recent list and appends each to its event's
 * field in the hash of the period they are written in (one record per line,
 * the oldest dropped beyond the cap), trims the recent list and renews its
 * TTL. A period's hash gets its expiry once, when it is made, and is listed
 * then in the subscription's period index: readers do not know the writer's
 * TTL, and so not its periods. The same data as storing them one by one.
 * All keys carry the subscription's hash tag (one Cluster slot).
 *
 * KEYS[1] seq counter   KEYS[2] recent list   KEYS[3] period index (ZSET: period start, scored by its expiry)
 * KEYS[4] the period's hash
 * ARGV[1] recent list cap   ARGV[2] attempts kept per event and period
 * ARGV[3] TTL of counter and recent list, ms   ARGV[4] the period's start   ARGV[5] when it expires (epoch ms)
 * then per attempt i: ARGV[4+2i] its eventId, ARGV[5+2i] the attempt as JSON without `seq` (an object: starts with "{")
 *
 * Expired periods leave the index by Redis's clock (TIME), the one that
 * expires their hashes: a writer's clock running ahead must not drop a
 * period Redis still holds.
 *
 * Returns the seq of the first attempt (attempt i has that + i - 1).
 */
export const RECORD_ATTEMPTS = `
local count = (#ARGV - 5) / 2
local eventCap = tonumber(ARGV[2])
local period = KEYS[4]
local first = redis.call('INCRBY', KEYS[1], count) - count + 1
local records = {}
for i = 1, count do
  records[i] = '{"seq":' .. (first + i - 1) .. ',' .. string.sub(ARGV[5 + 2 * i], 2)
end
redis.call('LPUSH', KEYS[2], unpack(records))
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[1]) - 1)
for i = 1, count do
  local eventId = ARGV[4 + 2 * i]
  local value = records[i]
  local before = redis.call('HGET', period, eventId)
  if before then
    value = before .. '\\n' .. value
    local lines = 1
    for _ in string.gmatch(value, '\\n') do lines = lines + 1 end
    if lines > eventCap then
      local cut = 0
      for _ = 1, lines - eventCap do cut = string.find(value, '\\n', cut + 1, true) end
      value = string.sub(value, cut + 1)
    end
  end
  redis.call('HSET', period, eventId, value)
end
if redis.call('PTTL', period) == -1 then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local expiry = ARGV[5]
  redis.call('PEXPIREAT', period, expiry)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  redis.call('ZADD', KEYS[3], expiry, ARGV[4])
  if tonumber(expiry) > redis.call('PTTL', KEYS[3]) + now then redis.call('PEXPIREAT', KEYS[3], expiry) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return first
`;

/**
 * One event's stored attempts at a subscription, oldest first: the list a
 * version before the period hashes kept, then the event's field of each
 * period hash (each a run of records, one per line).
 *
 * KEYS[1] the event's list (older versions)   KEYS[1+i] period hash i, oldest first
 * ARGV[1] eventId
 */
export const READ_EVENT_ATTEMPTS = `
local found = redis.call('LRANGE', KEYS[1], 0, -1)
for i = 2, #KEYS do
  local records = redis.call('HGET', KEYS[i], ARGV[1])
  if records then found[#found + 1] = records end
end
return found
`;

/**
 * A page of the recent list, newest first, after the record numbered
 * ARGV[1] ("" for the first page). The list holds consecutive seqs from its
 * head down (the recording script pushes them in order), so the record
 * numbered s sits at index head - s.
 *
 * KEYS[1] recent list   ARGV[1] cursor seq or ""   ARGV[2] how many
 */
export const READ_RECENT_ATTEMPTS = `
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return {} end
local start = 0
if ARGV[1] ~= '' then
  local headSeq = tonumber(string.match(head, '^{"seq":(%d+)'))
  start = headSeq - tonumber(ARGV[1]) + 1
  if start < 0 then start = 0 end
end
return redis.call('LRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)
`;

/**
 * A page of a failed set (the dead letters), newest failure first, after the
 * member ARGV[1]. When that member has left the set (replayed, discarded) the
 * page starts at the first member that failed no later than it (ARGV[2]).
 *
 * KEYS[1] failed zset   ARGV[1] cursor member or ""   ARGV[2] cursor score   ARGV[3] how many
 * Returns member, score, member, score, ...
 */
export const READ_FAILED_PAGE = `
local start = 0
if ARGV[1] ~= '' then
  local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
  if rank then start = rank + 1 else start = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf') end
end
return redis.call('ZREVRANGE', KEYS[1], start, start + tonumber(ARGV[3]) - 1, 'WITHSCORES')
`;
