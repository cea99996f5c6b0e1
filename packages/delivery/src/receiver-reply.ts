/** The reply format of seed 002: what a receiver answers to a delivery. */
export interface ReceiverReply {
  result?: unknown;
  success?: boolean;
  message?: string;
  statusCode?: number | string;
  requestId?: string;
  responseTime?: number;
}

/**
 * The seed 002 reply in a response body, or undefined when the body is not
 * one: a JSON object with a boolean `success` or a `statusCode`. A body cut
 * at the read cap does not parse and counts as no reply.
 */
export function parseReceiverReply(body: string): ReceiverReply | undefined {
  const text = body.trim();
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const reply = parsed as Record<string, unknown>;
  const hasSuccess = typeof reply.success === 'boolean';
  const hasStatus = typeof reply.statusCode === 'number' || (typeof reply.statusCode === 'string' && reply.statusCode.trim() !== '');
  return hasSuccess || hasStatus ? (reply as ReceiverReply) : undefined;
}

/** Why a seed 002 reply says failure, or undefined when it says success. */
export function replyFailure(reply: ReceiverReply): string | undefined {
  const message = typeof reply.message === 'string' && reply.message !== '' ? reply.message : undefined;
  if (reply.success === false) return `the receiver replied success=false${message ? `: ${message}` : ''}`;
  if (reply.statusCode !== undefined && Number(reply.statusCode) !== 200) {
    return `the receiver replied statusCode ${String(reply.statusCode)}${message ? `: ${message}` : ''}`;
  }
  return undefined;
}
