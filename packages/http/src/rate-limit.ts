import type { NextFunction, Request, Response } from 'express';
import { OrderbusError } from '@orderbus/core';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets, one per key, held in this process: each refills at
 * `ratePerSecond` up to `burst`. A request costing more than the burst (a big
 * batch) goes through when the bucket is full and leaves it in debt, so the
 * average rate holds for batches of any size.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `cost` tokens from `key`'s bucket: 0 when allowed, else the whole seconds to wait before retrying. */
  take(key: string, cost: number): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    const needed = Math.min(cost, this.burst);
    if (bucket.tokens < needed) return Math.max(1, Math.ceil((needed - bucket.tokens) / this.ratePerSecond));
    bucket.tokens -= cost;
    return 0;
  }
}

export interface RateLimitOptions {
  /** Units per second; 0 turns the limit off. */
  ratePerSecond: number;
  /** Units that may be spent at once after a quiet period. */
  burst: number;
  /** Whose bucket a request draws from (e.g. the authenticated producer). */
  key: (req: Request, res: Response) => string;
  /** Units a request costs (e.g. the events of a batch); 1 when absent. */
  cost?: (req: Request) => number;
  /** What is limited, for the error message (e.g. "events"). */
  unit?: string;
}

/**
 * Express middleware: 429 `rate_limited` with `Retry-After` (through the one
 * error middleware) when the key's bucket is empty. The limit is per process.
 */
export function rateLimit(options: RateLimitOptions) {
  if (options.ratePerSecond <= 0) return (_req: Request, _res: Response, next: NextFunction): void => next();
  const buckets = new TokenBuckets(options.ratePerSecond, Math.max(1, options.burst));
  const unit = options.unit ?? 'requests';
  return (req: Request, res: Response, next: NextFunction): void => {
    const wait = buckets.take(options.key(req, res), Math.max(1, options.cost?.(req) ?? 1));
    if (wait === 0) {
      next();
      return;
    }
    next(
      new OrderbusError('rate_limited', `Over the limit of ${options.ratePerSecond} ${unit}/s (burst ${options.burst}); nothing was accepted. Retry after ${wait} s.`, {
        retryAfterSeconds: wait,
      }),
    );
  };
}
