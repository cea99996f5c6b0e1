import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { OPERATOR_TOKEN, startBus, VIEWER_TOKEN, type TestBus } from './support/bus';
import { adminCall } from './support/admin-http';

const BUILT_CONSOLE = join(__dirname, '..', 'apps', 'admin', 'dist', 'web');

/** The value of the session cookie a Set-Cookie header sets. */
function sessionCookie(res: { headers: Headers }): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('orderbus_admin='));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  return cookie;
}

describe('admin app: console login, static console, bull-board behind the session', () => {
  let bus: TestBus;
  let receiver: TestReceiver;

  beforeAll(async () => {
    // npm test builds dist/ before jest runs; the console must be there.
    expect(existsSync(join(BUILT_CONSOLE, 'index.html'))).toBe(true);
    bus = await startBus({ workers: false });
    receiver = await startReceiver();
    await bus.subscribe('BOARDONE', receiver.url);
  });

  afterAll(async () => {
    await bus.close();
    await receiver.close();
  });

  describe('POST /console/login and /console/logout', () => {
    it('checks the token, answers who it is and sets an HttpOnly, SameSite=Strict session cookie', async () => {
      for (const [token, name, role] of [
        [OPERATOR_TOKEN, 'ops', 'operator'],
        [VIEWER_TOKEN, 'watcher', 'viewer'],
      ]) {
        const res = await adminCall(bus, 'POST', '/console/login', { token: null, body: { token } });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ name, role });
        expect(res.headers.get('cache-control')).toBe('no-store');
        const cookie = sessionCookie(res);
        expect(cookie).toMatch(/^orderbus_admin=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
        // Plain HTTP here: no Secure flag (it is set behind HTTPS).
        expect(cookie).not.toMatch(/Secure/);
      }
    });

    it('refuses a wrong token with 401 and sets no cookie', async () => {
      const res = await adminCall(bus, 'POST', '/console/login', { token: null, body: { token: 'guess' } });
      expect([res.status, res.body.error.code]).toEqual([401, 'unauthorized']);
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it('answers 400 bad_request without a token, 415 for a form post, 400 for broken JSON', async () => {
      for (const body of [{}, { token: '' }, { token: 42 }, { token: 'x'.repeat(2000) }]) {
        const res = await adminCall(bus, 'POST', '/console/login', { token: null, body });
        expect([JSON.stringify(body).slice(0, 20), res.status, res.body.error.code]).toEqual([JSON.stringify(body).slice(0, 20), 400, 'bad_request']);
      }
      const form = await adminCall(bus, 'POST', '/console/login', { token: null, raw: `token=${OPERATOR_TOKEN}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect([form.status, form.body.error.code]).toEqual([415, 'unsupported_media_type']);
      expect(form.headers.getSetCookie()).toEqual([]);
      const broken = await adminCall(bus, 'POST', '/console/login', { token: null, raw: '{"token":' });
      expect([broken.status, broken.body.error.code]).toEqual([400, 'malformed_json']);
    });

    it('logout clears the cookie', async () => {
      const res = await adminCall(bus, 'POST', '/console/logout', { token: null });
      expect(res.status).toBe(204);
      expect(sessionCookie(res)).toMatch(/^orderbus_admin=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);
    });

    it('the /v1 API does not accept the session cookie (only the bearer header)', async () => {
      const cookie = sessionCookie(await adminCall(bus, 'POST', '/console/login', { token: null, body: { token: OPERATOR_TOKEN } })).split(';')[0]!;
      const res = await adminCall(bus, 'POST', '/v1/subscriptions/BOARDONE/disable', { token: null, body: {}, headers: { cookie } });
      expect([res.status, res.body.error.code]).toEqual([401, 'unauthorized']);
      expect((await adminCall(bus, 'GET', '/v1/subscriptions/BOARDONE')).body.status).toBe('enabled');
    });
  });

  describe('the web console', () => {
    it('redirects / to /console/', async () => {
      const res = await adminCall(bus, 'GET', '/', { token: null });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console/');
    });

    it('serves the built console without authentication, with a strict content security policy', async () => {
      const res = await adminCall(bus, 'GET', '/console/', { token: null });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.body).toBe(readFileSync(join(BUILT_CONSOLE, 'index.html'), 'utf8'));
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(res.body as string)?.[1];
      expect(script).toBeDefined();
      const asset = await adminCall(bus, 'GET', script!, { token: null });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const missing = await adminCall(bus, 'GET', '/console/assets/nope.js', { token: null });
      expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    });

    it('answers 503 saying so when the console was not built', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'orderbus-console-'));
      const other = await startBus({ workers: false, redis: bus.redis, env: { ORDERBUS_CONSOLE_DIR: empty } });
      try {
        const res = await fetch(`${other.adminUrl}/console/`);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(res.status).toBe(503);
        expect(body.error.code).toBe('unavailable');
        expect(body.error.message).toMatch(/not built/);
      } finally {
        await other.close();
        rmSync(empty, { recursive: true, force: true });
      }
    });
  });

  describe('bull-board at /queues', () => {
    const board = (path: string, init: { cookie?: string; bearer?: string; accept?: string; method?: string } = {}) =>
      fetch(`${bus.adminUrl}${path}`, {
        method: init.method ?? 'GET',
        redirect: 'manual',
        headers: {
          accept: init.accept ?? 'application/json',
          ...(init.cookie ? { cookie: init.cookie } : {}),
          ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
        },
      });
    let cookie: string;

    beforeAll(async () => {
      cookie = sessionCookie(await adminCall(bus, 'POST', '/console/login', { token: null, body: { token: VIEWER_TOKEN } })).split(';')[0]!;
    });

    it('sends a browser without a session to the console login, and answers 401 to anything else', async () => {
      const page = await board('/queues', { accept: 'text/html,application/xhtml+xml' });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/console/?next=%2Fqueues');
      const api = await board('/queues/api/queues');
      expect(api.status).toBe(401);
      expect(((await api.json()) as any).error.code).toBe('unauthorized');
      const forged = await board('/queues/api/queues', { cookie: 'orderbus_admin=forged' });
      expect(forged.status).toBe(401);
    });

    it('shows the board to a logged-in browser (cookie) and to a script (bearer)', async () => {
      const page = await board('/queues', { cookie, accept: 'text/html' });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('orderbus queues');
      const viaBearer = await board('/queues/api/queues', { bearer: OPERATOR_TOKEN });
      expect(viaBearer.status).toBe(200);
    });

    it('lists every subscription queue, following the registry as it changes', async () => {
      const names = async (): Promise<string[]> => {
        const res = await board('/queues/api/queues', { cookie });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { queues: Array<{ name: string; displayName?: string; readOnlyMode: boolean }> };
        for (const q of body.queues) expect(q.readOnlyMode).toBe(true);
        return body.queues.map((q) => q.displayName ?? q.name).sort();
      };
      expect(await names()).toEqual(['BOARDONE']);
      await bus.subscribe('BOARDTWO', receiver.url);
      expect(await names()).toEqual(['BOARDONE', 'BOARDTWO']);
      expect((await adminCall(bus, 'DELETE', '/v1/subscriptions/BOARDTWO')).status).toBe(204);
      await waitUntil(async () => (await names()).join() === 'BOARDONE', { description: 'BOARDTWO gone from the board' });
    });

    it('is read-only: anything but GET is refused before bull-board sees it', async () => {
      for (const method of ['PUT', 'POST', 'DELETE', 'PATCH']) {
        const res = await board('/queues/api/queues/%7Bsub.BOARDONE%7D/pause', { cookie, method });
        expect([method, res.status]).toEqual([method, 403]);
        expect(((await res.json()) as any).error.code).toBe('forbidden');
      }
      expect((await adminCall(bus, 'GET', '/v1/subscriptions/BOARDONE/queue')).body.paused).toBe(false);
    });
  });
});
