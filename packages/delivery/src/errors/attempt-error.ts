import { DeliveryError, type DeliveryErrorOptions } from './delivery-error';

/** The request went out (or tried to) and no answer came: timeout, refused, reset, DNS, TLS. */
export class AttemptError extends DeliveryError {
  readonly stage = 'attempt' as const;

  constructor(
    resultClass: 'timeout' | 'connect_timeout' | 'connection_refused' | 'connection_reset' | 'dns_failure' | 'tls_error' | 'network_error',
    detail: string,
    options?: DeliveryErrorOptions,
  ) {
    super(resultClass, detail, options);
    this.name = 'AttemptError';
  }
}
