import type { Request } from 'express';
import { OrderbusError } from '@orderbus/core';

/** A named route parameter as a single string (Express types allow arrays for wildcards). */
export function pathParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  if (typeof value !== 'string' || value.length === 0) throw new OrderbusError('bad_request', `Missing path parameter ${name}.`);
  return value;
}
