import { Agent } from 'undici';
import type { RetryPolicy } from './delivery-policy';
import type { CallbackGuard } from './ssrf-guard';

/**
 * The one keep-alive connection pool of a worker process for deliveries:
 * connects within the policy's connect timeout, and resolves host names
 * through the SSRF guard so only checked addresses are connected to.
 */
export function createDeliveryAgent(retry: Pick<RetryPolicy, 'connectTimeoutMs'>, guard?: CallbackGuard): Agent {
  return new Agent({
    connect: { timeout: retry.connectTimeoutMs, ...(guard ? { lookup: guard.lookup } : {}) },
    // Idle sockets are closed before a typical receiver (nginx, node: 5 s) would close them under us.
    keepAliveTimeout: 4000,
  });
}
