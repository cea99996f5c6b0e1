import { DeliveryError, type DeliveryErrorOptions } from './delivery-error';

/** Nothing was sent: the callback URL is invalid or refused (SSRF guard), or there is no signing secret. */
export class DeliveryPreparationError extends DeliveryError {
  readonly stage = 'preparation' as const;

  constructor(resultClass: 'invalid_url' | 'ssrf_refused' | 'no_secret' | 'internal_error', detail: string, options?: DeliveryErrorOptions) {
    super(resultClass, detail, options);
    this.name = 'DeliveryPreparationError';
  }
}
