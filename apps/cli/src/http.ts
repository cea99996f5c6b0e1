import { CliError } from './cli-error';

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
}

/**
 * One HTTP call to orderbus. A 4xx/5xx becomes a CliError carrying the API's
 * own message (and problems); a connection failure says which URL and what
 * to check.
 */
export async function call<T = any>(
  method: string,
  url: string,
  options: { token?: string; body?: unknown; raw?: string; timeoutMs?: number; okStatuses?: number[] } = {},
): Promise<ApiAnswer<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        'user-agent': 'orderbus-cli/0.1',
      },
      ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new CliError(`cannot reach ${new URL(url).origin} (${why}): is orderbus running there? Check the URL (--admin-url / --producer-url) or run \`orderbus doctor\`.`);
  }
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (res.status >= 400 && !(options.okStatuses ?? []).includes(res.status)) {
    throw new CliError(describeError(method, url, res.status, body), 1, body);
  }
  return { status: res.status, body: body as T };
}

/** `POST /v1/subscriptions/X/enable: 502 handshake_failed: The callback did not accept...` plus problems and hints. */
export function describeError(method: string, url: string, status: number, body: any): string {
  const error = body?.error;
  const path = new URL(url).pathname;
  const head = error ? `${status} ${error.code}: ${error.message}` : `${status} ${typeof body === 'string' ? body.slice(0, 200) : ''}`.trim();
  const lines = [`${method} ${path} failed: ${head}`];
  for (const p of (error?.problems as Array<{ path: string; message: string }> | undefined) ?? []) lines.push(`  ${p.path || '/'}: ${p.message}`);
  if (status === 401) lines.push('  hint: check --token / ORDERBUS_ADMIN_TOKEN (or --producer-key / ORDERBUS_PRODUCER_KEY for the producer).');
  if (status === 403) lines.push('  hint: this needs an operator token (a viewer token only reads; an owner credential reaches its own baseCode only).');
  if (status === 404 && error?.message?.startsWith('No route')) lines.push('  hint: this orderbus does not have that endpoint; is the admin URL right and up to date?');
  return lines.join('\n');
}
