/**
 * Records a subscription's attempts in its health, oldest first, and returns
 * the state after each one, atomically, so several worker processes agree on
 * transitions. The same replies and the same data as recording the attempts
 * one by one; the hash, the window and the buckets are written once for all.
 *
 * KEYS[1] health hash      KEYS[2] window list ("1:<ms>" or "0:<ms>", newest first)
 * KEYS[3] recent failures list (JSON, newest first)   KEYS[3+m] minute bucket hash m
 * ARGV[1] window size (attempts kept)     ARGV[2] bucket TTL seconds
 * ARGV[3] degraded below success rate     ARGV[4] failing below success rate
 * ARGV[5] failing after consecutive failures   ARGV[6] minimum samples for the rate
 * ARGV[7] recent failures kept
 * then per attempt, 6 arguments: 1 = success / 0 = failure, now (epoch ms),
 * duration ms, attempt JSON (kept on failure, else ""), latency bucket field ("b3"),
 * its minute bucket m
 *
 * Returns per attempt { previousState, state, consecutiveFailures, failingSince ("" if none), successRate * 10000, samples }.
 */
export const RECORD_ATTEMPTS = `
local size = tonumber(ARGV[1])
local degradedBelow, failingBelow = tonumber(ARGV[3]), tonumber(ARGV[4])
local failingAfter, minSamples = tonumber(ARGV[5]), tonumber(ARGV[6])
local FIRST, PER = 8, 6
local count = (#ARGV - FIRST + 1) / PER

local hash = redis.call('HMGET', KEYS[1], 'windowSuccesses', 'consecutiveFailures', 'failingSince', 'state')
local samples = redis.call('LLEN', KEYS[2])
-- Successes in the window are counted as entries come and go (kept in the
-- hash), not by reading the whole window each time. A window written before
-- the count existed is counted once.
local successes = tonumber(hash[1] or '')
if not successes then
  successes = 0
  for _, entry in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    if string.sub(entry, 1, 1) == '1' then successes = successes + 1 end
  end
end
local consecutive = tonumber(hash[2] or '') or 0
local failingSince = hash[3]
local hadFailingSince = failingSince ~= false
local state = hash[4] or 'unknown'

-- The window keeps the last \`size\` entries: the ones that drop out are the
-- oldest present (read once), then the oldest of this call's.
local evictions = math.max(0, samples + count - size)
local oldVictims = {}
if evictions > 0 and samples > 0 then
  oldVictims = redis.call('LRANGE', KEYS[2], -math.min(evictions, samples), -1)
end
local evicted = 0

local entries, failures, results = {}, {}, {}
local buckets = {}
local lastAttemptAt, lastSuccessAt, lastFailureAt, lastError, stateChangedAt
for i = 1, count do
  local at = FIRST + (i - 1) * PER
  local ok = ARGV[at] == '1'
  local now = ARGV[at + 1]
  entries[i] = (ok and '1:' or '0:') .. ARGV[at + 2]
  if ok then successes = successes + 1 end
  while evicted < samples + i - size do
    evicted = evicted + 1
    local victim
    if evicted <= #oldVictims then victim = oldVictims[#oldVictims - evicted + 1] else victim = entries[evicted - #oldVictims] end
    if string.sub(victim, 1, 1) == '1' then successes = successes - 1 end
  end
  local window = samples + i - evicted
  lastAttemptAt = now
  if ok then
    consecutive = 0
    failingSince = false
    lastSuccessAt = now
  else
    consecutive = consecutive + 1
    if not failingSince then failingSince = now end
    lastFailureAt = now
    lastError = ARGV[at + 3]
    failures[#failures + 1] = ARGV[at + 3]
  end

  local rate = 1
  if window > 0 then rate = successes / window end
  local enough = window >= minSamples
  local reached = 'healthy'
  if consecutive >= failingAfter or (enough and rate < failingBelow) then
    reached = 'failing'
  elseif consecutive >= 2 or (enough and rate < degradedBelow) then
    reached = 'degraded'
  end
  local previous = state
  if previous ~= reached then
    state = reached
    stateChangedAt = now
  end

  local m = tonumber(ARGV[at + 5])
  local bucket = buckets[m]
  if not bucket then
    bucket = { attempts = 0, failures = 0, latency = {} }
    buckets[m] = bucket
  end
  bucket.attempts = bucket.attempts + 1
  if not ok then bucket.failures = bucket.failures + 1 end
  bucket.latency[ARGV[at + 4]] = (bucket.latency[ARGV[at + 4]] or 0) + 1

  results[i] = { previous, reached, consecutive, failingSince or '', math.floor(rate * 10000), window }
end

redis.call('LPUSH', KEYS[2], unpack(entries))
if samples + count > size then redis.call('LTRIM', KEYS[2], 0, size - 1) end
local fields = { 'windowSuccesses', successes, 'consecutiveFailures', consecutive, 'lastAttemptAt', lastAttemptAt }
local function put(field, value)
  if value then
    fields[#fields + 1] = field
    fields[#fields + 1] = value
  end
end
put('lastSuccessAt', lastSuccessAt)
put('lastError', lastError)
put('lastFailureAt', lastFailureAt)
if stateChangedAt then
  put('state', state)
  put('stateChangedAt', stateChangedAt)
end
put('failingSince', failingSince)
if not failingSince and (hadFailingSince or #failures > 0) then
  redis.call('HDEL', KEYS[1], 'failingSince')
end
redis.call('HSET', KEYS[1], unpack(fields))
if #failures > 0 then
  redis.call('LPUSH', KEYS[3], unpack(failures))
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[7]) - 1)
end
for m, bucket in pairs(buckets) do
  local key = KEYS[3 + m]
  redis.call('HINCRBY', key, 'attempts', bucket.attempts)
  if bucket.failures > 0 then redis.call('HINCRBY', key, 'failures', bucket.failures) end
  for field, n in pairs(bucket.latency) do redis.call('HINCRBY', key, field, n) end
  redis.call('EXPIRE', key, ARGV[2])
end
return results
`;
