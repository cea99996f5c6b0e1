/**
 * Records one attempt in a subscription's health and returns its new state,
 * atomically, so several worker processes agree on transitions.
 *
 * KEYS[1] health hash      KEYS[2] window list ("1:<ms>" or "0:<ms>", newest first)
 * KEYS[3] recent failures list (JSON, newest first)   KEYS[4] this minute's bucket hash
 * ARGV[1] 1 = success, 0 = failure        ARGV[2] now (epoch ms)
 * ARGV[3] duration ms                      ARGV[4] attempt JSON (kept on failure)
 * ARGV[5] window size (attempts kept)    ARGV[6] latency bucket field ("b3")
 * ARGV[7] bucket TTL seconds               ARGV[8] degraded below success rate
 * ARGV[9] failing below success rate       ARGV[10] failing after consecutive failures
 * ARGV[11] minimum samples for the rate    ARGV[12] recent failures kept
 *
 * Returns { previousState, state, consecutiveFailures, failingSince ("" if none), successRate * 10000, samples }.
 */
export const RECORD_ATTEMPT = `
local ok = ARGV[1] == '1'
local now = ARGV[2]
local size = tonumber(ARGV[5])

-- Successes in the window are counted as entries come and go (kept in the
-- hash), not by reading the whole window on every attempt. A window written
-- before the count existed is counted once.
local successes = tonumber(redis.call('HGET', KEYS[1], 'windowSuccesses') or '')
if not successes then
  successes = 0
  for _, entry in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    if string.sub(entry, 1, 1) == '1' then successes = successes + 1 end
  end
end
local samples = redis.call('LPUSH', KEYS[2], (ok and '1:' or '0:') .. ARGV[3])
if ok then successes = successes + 1 end
while samples > size do
  if string.sub(redis.call('RPOP', KEYS[2]), 1, 1) == '1' then successes = successes - 1 end
  samples = samples - 1
end
local consecutive = 0
if ok then
  redis.call('HSET', KEYS[1], 'windowSuccesses', successes, 'consecutiveFailures', 0, 'lastSuccessAt', now, 'lastAttemptAt', now)
  redis.call('HDEL', KEYS[1], 'failingSince')
else
  consecutive = redis.call('HINCRBY', KEYS[1], 'consecutiveFailures', 1)
  redis.call('HSETNX', KEYS[1], 'failingSince', now)
  redis.call('HSET', KEYS[1], 'windowSuccesses', successes, 'lastError', ARGV[4], 'lastFailureAt', now, 'lastAttemptAt', now)
  redis.call('LPUSH', KEYS[3], ARGV[4])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[12]) - 1)
end

local rate = 1
if samples > 0 then rate = successes / samples end
local enough = samples >= tonumber(ARGV[11])

local state = 'healthy'
if consecutive >= tonumber(ARGV[10]) or (enough and rate < tonumber(ARGV[9])) then
  state = 'failing'
elseif consecutive >= 2 or (enough and rate < tonumber(ARGV[8])) then
  state = 'degraded'
end
local previous = redis.call('HGET', KEYS[1], 'state') or 'unknown'
if previous ~= state then
  redis.call('HSET', KEYS[1], 'state', state, 'stateChangedAt', now)
end

redis.call('HINCRBY', KEYS[4], 'attempts', 1)
if not ok then redis.call('HINCRBY', KEYS[4], 'failures', 1) end
redis.call('HINCRBY', KEYS[4], ARGV[6], 1)
redis.call('EXPIRE', KEYS[4], ARGV[7])

local failingSince = redis.call('HGET', KEYS[1], 'failingSince') or ''
return { previous, state, consecutive, failingSince, math.floor(rate * 10000), samples }
`;
