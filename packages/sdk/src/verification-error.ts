/** Why a delivery was not accepted as coming from orderbus. */
export type VerificationFailure = 'missing_headers' | 'stale_timestamp' | 'invalid_signature' | 'invalid_payload';

/** Thrown by verifyDelivery: `code` says why; answer 401 (or 400 for invalid_payload) and do not process. */
export class DeliveryVerificationError extends Error {
  constructor(
    readonly code: VerificationFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DeliveryVerificationError';
  }
}
