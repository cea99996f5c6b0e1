import { connect } from 'node:net';
import { request } from 'undici';
import { startReceiver } from '@orderbus/testkit';
import { CallbackGuard, DeliveryPreparationError, classifyAttemptError, createDeliveryAgent, isBlockedAddress } from '../src';

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1', '127.255.1.2', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.0.1',
    '0.0.0.0', '100.64.0.1', '100.127.255.255', '224.0.0.1', '255.255.255.255',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
  ])('blocks %s', (address) => expect(isBlockedAddress(address)).toBe(true));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('lets %s through', (address) =>
    expect(isBlockedAddress(address)).toBe(false),
  );
});

describe('CallbackGuard', () => {
  it('refuses internal hosts at registration, with the reason', async () => {
    const guard = new CallbackGuard([]);
    for (const url of [
      'http://127.0.0.1:8080/cb',
      'http://localhost:8080/cb',
      'http://api.localhost/cb',
      'http://[::1]/cb',
      'http://[::ffff:127.0.0.1]/cb',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.8/cb',
      'http://0x7f.1/cb',
      'http://2130706433/cb',
    ]) {
      const reason = await guard.check(url);
      expect([url, reason]).toEqual([url, expect.stringContaining('not in the callback allowlist')]);
    }
    expect(await guard.check('ftp://example.com/')).toContain('http or https');
    expect(await guard.check('https://8.8.8.8/hook')).toBeUndefined();
    // A name that does not resolve yet is accepted: the delivery-time check still applies.
    expect(await guard.check('https://nowhere.invalid/hook')).toBeUndefined();
  });

  it('lets allowlisted hosts, IPs and CIDRs through', async () => {
    const guard = new CallbackGuard(['localhost', '10.20.0.0/16', '::1']);
    expect(await guard.check('http://localhost:1/cb')).toBeUndefined();
    expect(await guard.check('http://10.20.3.4/cb')).toBeUndefined();
    expect(await guard.check('http://[::1]:9/cb')).toBeUndefined();
    expect(await guard.check('http://10.21.0.1/cb')).toBeDefined();
    expect(await guard.check('http://127.0.0.1/cb')).toBeDefined();
    expect(new CallbackGuard(['127.0.0.1']).assertUrl('http://127.0.0.1:5/x').port).toBe('5');
  });

  it('throws typed preparation errors before a request', () => {
    const guard = new CallbackGuard([]);
    const refused = (() => {
      try {
        guard.assertUrl('http://127.0.0.1/');
      } catch (err) {
        return err;
      }
    })() as DeliveryPreparationError;
    expect(refused).toBeInstanceOf(DeliveryPreparationError);
    expect(refused.resultClass).toBe('ssrf_refused');
    expect(refused.final).toBe(true);
    expect(() => guard.assertUrl('not a url')).toThrow(expect.objectContaining({ resultClass: 'invalid_url' }));
  });

  it('refuses to connect to a name that resolves to loopback (the lookup the connection uses)', async () => {
    const guard = new CallbackGuard([]);
    const error = await new Promise<unknown>((resolve) => {
      const socket = connect({ host: 'localhost', port: 9, lookup: guard.lookup });
      socket.on('error', resolve);
      socket.on('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
    });
    expect(error).toBeInstanceOf(DeliveryPreparationError);
    expect((error as DeliveryPreparationError).resultClass).toBe('ssrf_refused');
  });

  it('makes the delivery agent refuse a name that resolves to an internal address (DNS rebinding)', async () => {
    const receiver = await startReceiver();
    const agent = createDeliveryAgent({ connectTimeoutMs: 1000 }, new CallbackGuard(['127.0.0.2']));
    try {
      // The URL check alone would not catch this: the name is only resolved when connecting.
      const err = await request(`http://localhost:${receiver.port}/callback`, { method: 'POST', body: '{}', dispatcher: agent }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(classifyAttemptError(err, { attemptTimeoutMs: 1000, connectTimeoutMs: 1000 }).resultClass).toBe('ssrf_refused');
      expect(receiver.requests).toHaveLength(0);
      const allowed = createDeliveryAgent({ connectTimeoutMs: 1000 }, new CallbackGuard(['127.0.0.1']));
      const res = await request(`http://localhost:${receiver.port}/callback`, { method: 'POST', body: '{}', dispatcher: allowed });
      await res.body.text();
      expect(res.statusCode).toBe(200);
      await allowed.close();
    } finally {
      await agent.close();
      await receiver.close();
    }
  });
});
