/**
 * Every error code an API client of orderbus can see, with the HTTP status it
 * is answered with. The codes are stable: clients may branch on them.
 * The README's "Error codes" table is written from this list.
 */
export const ERROR_CODES = {
  malformed_json: { status: 400, description: 'The request body is not valid JSON.' },
  bad_request: { status: 400, description: 'The request is malformed (a parameter or header is invalid).' },
  unauthorized: { status: 401, description: 'The credential is missing or wrong.' },
  forbidden: { status: 403, description: 'The credential is valid but may not do this.' },
  not_found: { status: 404, description: 'No such resource.' },
  event_conflict: { status: 409, description: 'This eventId was already accepted with a different payload.' },
  state_conflict: { status: 409, description: 'The resource is not in a state that allows this action.' },
  payload_too_large: { status: 413, description: 'The request body, or the batch, is larger than allowed.' },
  unsupported_media_type: { status: 415, description: 'The Content-Type is not application/json.' },
  validation_failed: { status: 422, description: 'The input breaks the schema; every problem is listed with its JSON path.' },
  rate_limited: { status: 429, description: 'Too many requests; retry after the Retry-After header.' },
  internal: { status: 500, description: 'An unexpected error; the log has the details under the request id.' },
  handshake_failed: { status: 502, description: 'The callback did not accept the connect request.' },
  unavailable: { status: 503, description: 'Redis is unreachable; nothing was accepted. Retry with the same eventIds.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
