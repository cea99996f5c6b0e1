/**
 * Stores one attempt: numbers it, prepends it to the subscription's recent
 * list and appends it to the event's list, trims both and renews their TTL.
 * All keys carry the subscription's hash tag (one Cluster slot).
 *
 * KEYS[1] seq counter   KEYS[2] recent list   KEYS[3] event list
 * ARGV[1] the record as JSON without `seq` (an object: starts with "{")
 * ARGV[2] recent list cap   ARGV[3] event list cap   ARGV[4] TTL in ms
 *
 * Returns the record's seq.
 */
export const RECORD_ATTEMPT = `
local seq = redis.call('INCR', KEYS[1])
local record = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('LPUSH', KEYS[2], record)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
redis.call('RPUSH', KEYS[3], record)
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return seq
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
