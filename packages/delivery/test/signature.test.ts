import { Webhook } from 'standardwebhooks';
import { randomBytes } from 'node:crypto';
import { signatureHeaders, signPayload } from '../src';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('signatures (Standard Webhooks)', () => {
  const body = JSON.stringify({ eventId: 'evt-1', data: { a: '中文' } });
  const now = Math.floor(Date.now() / 1000);

  it('verify with the standardwebhooks package', () => {
    const key = secret();
    const headers = signatureHeaders({ id: 'evt-1', timestampSeconds: now, body, secrets: [key] });
    expect(headers['webhook-id']).toBe('evt-1');
    expect(headers['webhook-timestamp']).toBe(String(now));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(key).verify(body, { ...headers })).toEqual(JSON.parse(body));
    // The package's own signer agrees byte for byte.
    expect(new Webhook(key).sign('evt-1', new Date(now * 1000), body)).toBe(signPayload(key, 'evt-1', now, body));
  });

  it('carry one signature per secret during a rotation; each secret verifies', () => {
    const [next, previous] = [secret(), secret()];
    const headers = signatureHeaders({ id: 'evt-2', timestampSeconds: now, body, secrets: [next, previous] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(next).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(secret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(next).verify(`${body} `, { ...headers })).toThrow();
  });
});
