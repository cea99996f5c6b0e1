/** The reply format of seed 002, which orderbus reads to tell success from failure. */
export interface ReceiverReply {
  result: unknown;
  success: boolean;
  /** `success`, or why it failed. */
  message: string;
  statusCode: number;
  /** The eventId the reply is for. */
  requestId: string;
  /** Epoch ms of the reply. */
  responseTime: number;
}

/** A success reply: `{result: null, success: true, message: 'success', statusCode: 200, requestId, responseTime}`. */
export function replyOk(requestId = '', result: unknown = null): ReceiverReply {
  return { result, success: true, message: 'success', statusCode: 200, requestId, responseTime: Date.now() };
}

/**
 * A failure reply: orderbus counts the attempt as failed (`receiver_rejected`)
 * and retries it on its schedule, even when sent with HTTP 200.
 */
export function replyError(message: string, statusCode = 500, requestId = ''): ReceiverReply {
  return { result: null, success: false, message, statusCode, requestId, responseTime: Date.now() };
}
