/**
 * Stores a subscription's attempts, oldest first: numbers them, prepends
 * them to the subscription's recent list and appends each to its event's
 * list, trims the lists and renews their TTL. The same data as storing them
 * one by one. All keys carry the subscription's hash tag (one Cluster slot).
 *
 * KEYS[1] seq counter   KEYS[2] recent list   KEYS[2+i] the event list of attempt i
 * ARGV[1] recent list cap   ARGV[2] event list cap   ARGV[3] TTL in ms
 * ARGV[3+i] attempt i as JSON without `seq` (an object: starts with "{")
 *
 * Returns the seq of the first attempt (attempt i has that + i - 1).
 */
export const RECORD_ATTEMPTS = `
local count = #KEYS - 2
local eventCap = tonumber(ARGV[2])
local first = redis.call('INCRBY', KEYS[1], count) - count + 1
local records = {}
for i = 1, count do
  records[i] = '{"seq":' .. (first + i - 1) .. ',' .. string.sub(ARGV[3 + i], 2)
end
redis.call('LPUSH', KEYS[2], unpack(records))
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[1]) - 1)
local renewed = {}
for i = 1, count do
  local key = KEYS[2 + i]
  if redis.call('RPUSH', key, records[i]) > eventCap then redis.call('LTRIM', key, -eventCap, -1) end
  if not renewed[key] then
    redis.call('PEXPIRE', key, ARGV[3])
    renewed[key] = true
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return first
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
