/**
 * Messages ioredis and Redis give when a command could not run: the
 * connection is down or stalled, or Redis is loading, read-only or out of
 * memory. Such errors are answered 503 `unavailable` (retry later), never 500.
 */
const UNAVAILABLE = [
  /enableOfflineQueue/i,
  /Command timed out/i,
  /Connection is closed/i,
  /Stream isn't writeable/i,
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/,
  /^LOADING/,
  /^OOM/,
  /^MASTERDOWN|^READONLY|^CLUSTERDOWN|^TRYAGAIN/,
  // Redis Cluster through ioredis: a slot's master is down or unknown ("Too many
  // Cluster redirections. Last error: ... CLUSTERDOWN ..."), or no node answers.
  /Too many Cluster redirections/,
  /Failed to refresh slots cache/,
  /Cluster isn't ready/,
  // A redirect ioredis gave up on: a MULTI sent to a node that no longer owns its
  // slot comes back as the raw MOVED/ASK once redirections run out (its slot's
  // master is down or the slot is moving), not as "Too many Cluster redirections".
  /^MOVED \d+ |^ASK \d+ /,
  // A link whose replies no longer match its commands (RedisOutOfStepError in @orderbus/queues).
  /^Redis answered out of step/,
];

/** Whether an error means "Redis could not be reached or could not take the write". */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return UNAVAILABLE.some((pattern) => pattern.test(err.message));
}
