/**
 * Appends each job to its work order's line: the last command of the MULTI
 * that queues the jobs, so lines get them in the order they were queued.
 * One script for all of a MULTI's lines instead of an RPUSH per job: on a
 * request of 100 events for 10 subscriptions that is 1 command, not 1,000.
 *
 * KEYS[i] a line     ARGV[i] the job id to append to it
 *
 * Returns how many ids it appended.
 */
export const APPEND_TO_LINES = `
for i = 1, #KEYS do
  redis.call('RPUSH', KEYS[i], ARGV[i])
end
return #KEYS
`;
