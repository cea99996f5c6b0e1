import { ERROR_CODES, type ErrorCode } from './error-codes';

/**
 * The base of every error orderbus answers with. `code` is stable and
 * documented; `details` carries machine-readable specifics (for example the
 * list of validation problems).
 */
export class OrderbusError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrderbusError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }

  /** The JSON body an API client receives. */
  toJSON(): { error: { code: ErrorCode; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...(this.details ?? {}) } };
  }
}

export function isOrderbusError(err: unknown): err is OrderbusError {
  return err instanceof OrderbusError;
}
