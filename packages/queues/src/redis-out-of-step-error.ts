/**
 * Redis's replies did not match the commands sent on a link (a MULTI answered
 * with the wrong number of replies, or with replies that are not what its
 * commands return): the link cannot be trusted. Counts as "unavailable" (503,
 * retry) and makes a cluster client rebuild its links (resetClusterLinksAfter).
 */
export class RedisOutOfStepError extends Error {
  constructor(detail: string) {
    super(`Redis answered out of step: ${detail}`);
    this.name = 'RedisOutOfStepError';
  }
}
