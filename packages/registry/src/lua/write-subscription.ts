/**
 * Writes a subscription if its revision is still the one the caller read
 * (compare-and-set), bumps the registry version and announces it.
 *
 * KEYS[1] subscriptions hash   KEYS[2] secrets hash   KEYS[3] version counter
 * ARGV[1] baseCode
 * ARGV[2] expected revision ("0" = must not exist yet)
 * ARGV[3] subscription JSON
 * ARGV[4] secrets JSON, or "" to leave the secrets as they are
 * ARGV[5] pub/sub channel to announce the new version on
 *
 * Returns the new registry version, or -1 when the revision did not match.
 */
export const WRITE_SUBSCRIPTION = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local revision = 0
if current then revision = cjson.decode(current).revision end
if tostring(revision) ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[5], version)
return version
`;

/**
 * Deletes a subscription and its secrets, bumps the version, announces it.
 *
 * KEYS[1] subscriptions hash   KEYS[2] secrets hash   KEYS[3] version counter
 * ARGV[1] baseCode   ARGV[2] pub/sub channel
 *
 * Returns 1 when it existed, 0 otherwise.
 */
export const DELETE_SUBSCRIPTION = `
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if removed == 1 then
  local version = redis.call('INCR', KEYS[3])
  redis.call('PUBLISH', ARGV[2], version)
end
return removed
`;
