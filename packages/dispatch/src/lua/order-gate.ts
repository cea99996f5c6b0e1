/**
 * Lets a claimed job through only when it is the oldest unfinished event of
 * its work order in this subscription. The producer appends each job to its
 * line when it queues it; a job without a place (queued before its
 * subscription kept orders in line, or replayed) is appended here.
 *
 * KEYS[1] the order's line (LIST of job ids, oldest first)
 * KEYS[2] the queue's delayed ZSET
 * ARGV[1] job id     ARGV[2] job key prefix ("<prefix>:<queue>:")
 *
 * A head whose job is gone or finished (completed, dead-lettered: its hash has
 * finishedOn) is stale — its worker died between finishing and releasing —
 * and is dropped first, so a line never stays blocked; a dropped job loses
 * its first-in-line mark, since it no longer heads its line if it is replayed.
 *
 * Returns {1} to go, or {0, head id, head's due time in ms or 0} to wait.
 */
export const ENTER_ORDER_LINE = `
local jobId = ARGV[1]
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then
    redis.call('RPUSH', KEYS[1], jobId)
    return {1}
  end
  if head == jobId then return {1} end
  local headKey = ARGV[2] .. head
  if redis.call('EXISTS', headKey) == 0 or redis.call('HEXISTS', headKey, 'finishedOn') == 1 then
    redis.call('LPOP', KEYS[1])
    redis.call('HDEL', headKey, 'progress')
  else
    if not redis.call('LPOS', KEYS[1], jobId) then redis.call('RPUSH', KEYS[1], jobId) end
    local score = redis.call('ZSCORE', KEYS[2], head)
    local due = 0
    if score then due = math.floor(tonumber(score) / 4096) end
    return {0, head, due}
  end
end
`;

/**
 * Takes a finished job (delivered or dead-lettered) out of its order's line.
 * A dead letter may be replayed, and then no longer heads its line: it loses
 * its first-in-line mark (a delivered job is never claimed again).
 *
 * KEYS[1] the order's line    KEYS[2] the queue's delayed ZSET    KEYS[3] the job's hash
 * ARGV[1] job id    ARGV[2] "1" for a dead letter: clear its mark, and also return the ids after the new head (for the dead-letter log)
 *
 * Returns {next head id or "", 1 if that job is parked (delayed) else 0[, ids in line after the head...]}.
 */
export const LEAVE_ORDER_LINE = `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then
  redis.call('LPOP', KEYS[1])
else
  redis.call('LREM', KEYS[1], 1, ARGV[1])
end
if ARGV[2] == '1' then redis.call('HDEL', KEYS[3], 'progress') end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return {'', 0} end
local parked = 0
if redis.call('ZSCORE', KEYS[2], head) then parked = 1 end
local result = { head, parked }
if ARGV[2] == '1' then
  local rest = redis.call('LRANGE', KEYS[1], 1, -1)
  for i = 1, #rest do result[#result + 1] = rest[i] end
end
return result
`;

/**
 * Puts a job that is already active in its order's line, at the end, unless
 * it is there. Used when a worker starts serving a queue: a job its previous
 * owner claimed but had not yet put in line (killed between the two) is still
 * active, and must keep its place ahead of everything claimed from now on.
 *
 * KEYS[1] the order's line    ARGV[1] job id
 *
 * Returns 1 when the job was added, 0 when it was in line already.
 */
export const ADOPT_INTO_ORDER_LINE = `
if redis.call('LPOS', KEYS[1], ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1
`;
