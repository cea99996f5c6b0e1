import { OPERATOR_TOKEN, VIEWER_TOKEN, type TestBus } from './bus';

export interface HttpResult {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * Calls the admin app with full control over authentication: `token: null`
 * sends no Authorization header. Used by the admin API tests to check the
 * 401/403 rules of every endpoint.
 */
export async function adminCall(
  bus: TestBus,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const token = options.token === undefined ? OPERATOR_TOKEN : options.token;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${bus.adminUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

/**
 * The authentication rules of an admin endpoint: no token and a wrong token
 * are 401 `unauthorized`; for an acting endpoint a viewer token is 403
 * `forbidden`, for a read it is allowed (not 401/403).
 */
export async function expectAuthRules(bus: TestBus, method: string, path: string, options: { acting: boolean; body?: unknown }): Promise<void> {
  const none = await adminCall(bus, method, path, { token: null, body: options.body });
  expect([none.status, none.body?.error?.code]).toEqual([401, 'unauthorized']);
  expect(none.headers.get('www-authenticate')).toContain('Bearer');
  const wrong = await adminCall(bus, method, path, { token: 'not-a-token', body: options.body });
  expect([wrong.status, wrong.body?.error?.code]).toEqual([401, 'unauthorized']);
  const viewer = await adminCall(bus, method, path, { token: VIEWER_TOKEN, body: options.body });
  if (options.acting) {
    expect([viewer.status, viewer.body?.error?.code]).toEqual([403, 'forbidden']);
  } else {
    expect(viewer.status).toBeLessThan(400);
  }
}
