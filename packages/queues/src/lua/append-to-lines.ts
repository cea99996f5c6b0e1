/**
 * Appends each job to its work order's line: the last command of the MULTI
 * that queues the jobs, so lines get them in the order they were queued.
 * One script for all of a MULTI's lines instead of an RPUSH per job: on a
 * request of 100 events for 10 subscriptions that is 1 command, not 1,000.
 * A job whose append makes its line (it is alone in it) gets the
 * first-in-line mark (see FIRST_IN_LINE), if its hash is there.
 *
 * KEYS[i] a line    KEYS[n+i] the hash of the job appended to it (n = #KEYS / 2)
 * ARGV[i] the job id to append to line i    ARGV[n+1] the mark as stored (JSON)
 *
 * Returns how many ids it appended.
 */
export const APPEND_TO_LINES = `
local n = #KEYS / 2
local mark = ARGV[n + 1]
for i = 1, n do
  if redis.call('RPUSH', KEYS[i], ARGV[i]) == 1 and redis.call('EXISTS', KEYS[n + i]) == 1 then
    redis.call('HSET', KEYS[n + i], 'progress', mark)
  end
end
return n
`;
