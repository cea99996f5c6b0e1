import { OrderbusError, isRedisUnavailable } from '@orderbus/core';

export { isRedisUnavailable };

/** Runs a Redis operation; "unavailable" errors become a 503 `unavailable` OrderbusError. */
export async function orUnavailable<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (isRedisUnavailable(err)) {
      throw new OrderbusError('unavailable', 'Redis is unreachable; nothing was accepted. Retry with the same eventIds.', undefined, { cause: err });
    }
    throw err;
  }
}
