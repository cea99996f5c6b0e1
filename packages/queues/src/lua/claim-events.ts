/**
 * Claims eventIds for an ingest, all or nothing. (On a Redis Cluster the keys
 * of one call must share a slot: Fanout calls it once per idempotency bucket
 * and releases the other buckets' claims when one reports a conflict.)
 * Each idempotency record is
 * "<fingerprint>|<state>|<queuedFor>", state "pending" (claimed, fan-out under
 * way or interrupted) or "done" (fanned out to <queuedFor> subscriptions).
 *
 * KEYS[i]  idempotency record of event i
 * ARGV[1]  record TTL in seconds
 * ARGV[1+i] fingerprint of event i
 *
 * Returns one entry per event: "new", "pending" (same payload claimed before
 * but never confirmed: fan out again, job ids make it idempotent),
 * "done:<queuedFor>" (a duplicate) or "conflict" (same id, other payload).
 * When any entry is a conflict nothing is written.
 */
export const CLAIM_EVENTS = `
local results = {}
local conflict = false
for i, key in ipairs(KEYS) do
  local record = redis.call('GET', key)
  if not record then
    results[i] = 'new'
  else
    local fp, state, count = string.match(record, '^([^|]*)|([^|]*)|(.*)$')
    if fp ~= ARGV[i + 1] then
      results[i] = 'conflict'
      conflict = true
    elseif state == 'done' then
      results[i] = 'done:' .. count
    else
      results[i] = 'pending'
    end
  end
end
if not conflict then
  for i, key in ipairs(KEYS) do
    if results[i] == 'new' then
      redis.call('SET', key, ARGV[i + 1] .. '|pending|', 'EX', ARGV[1])
    end
  end
end
return results
`;

/**
 * Confirms claimed events after their jobs are written.
 *
 * KEYS[i]   idempotency record of event i
 * ARGV[1]   record TTL in seconds
 * ARGV[1+2i-1] fingerprint of event i, ARGV[1+2i] number of subscriptions it was queued for
 */
export const CONFIRM_EVENTS = `
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[2 * i] .. '|done|' .. ARGV[2 * i + 1], 'EX', ARGV[1])
end
return #KEYS
`;

/**
 * Undoes claims of a request that was rejected after claiming (on a cluster,
 * where the buckets of one request are claimed by separate scripts): deletes
 * each record only while it is still the "pending" claim with this payload,
 * so a record another request confirmed in the meantime stays.
 *
 * KEYS[i]  idempotency record of event i
 * ARGV[i]  fingerprint of event i
 *
 * Returns how many claims were removed.
 */
export const RELEASE_EVENTS = `
local removed = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i] .. '|pending|' then
    redis.call('DEL', key)
    removed = removed + 1
  end
end
return removed
`;
