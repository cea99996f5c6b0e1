import { DeliveryError, type DeliveryErrorOptions } from './delivery-error';
import type { ResultClass } from '../result-class';

/** An answer arrived and says the delivery failed: its status, or its body in the seed 002 format. */
export class ResponseError extends DeliveryError {
  readonly stage = 'response' as const;

  constructor(resultClass: Exclude<ResultClass, 'ok'>, detail: string, options: DeliveryErrorOptions & { status: number }) {
    super(resultClass, detail, options);
    this.name = 'ResponseError';
  }
}
