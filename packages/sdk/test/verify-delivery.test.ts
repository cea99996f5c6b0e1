import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DeliveryVerificationError, replyError, replyOk, verifyDelivery, type VerificationFailure } from '../src';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Signs like orderbus does, with the independent standardwebhooks package. */
function signed(body: string, id: string, secrets: string[], at = new Date()) {
  const signature = secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature, 'content-type': 'application/json' };
}

function failure(fn: () => unknown): VerificationFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof DeliveryVerificationError) return err.code;
    throw err;
  }
  throw new Error('expected a verification failure');
}

describe('verifyDelivery', () => {
  const secret = newSecret();
  const delivery = { eventId: 'evt-9', baseCode: 'ERP', dataArea: 'fwwt', changeId: '1', occurredAt: 'x', acceptedAt: 'y', data: { serviceOrderId: 'o1', remark: '中文' } };
  const body = JSON.stringify(delivery);

  it('returns the typed delivery when the signature verifies (string, Buffer, Headers)', () => {
    const headers = signed(body, 'evt-9', [secret]);
    expect(verifyDelivery({ secret, headers, rawBody: body })).toEqual(delivery);
    expect(verifyDelivery({ secret, headers: new Headers(headers), rawBody: Buffer.from(body) }).eventId).toBe('evt-9');
    expect(verifyDelivery({ secret, headers: { ...headers, 'webhook-id': ['evt-9'] }, rawBody: body }).data.remark).toBe('中文');
  });

  it('refuses a tampered body', () => {
    const headers = signed(body, 'evt-9', [secret]);
    expect(failure(() => verifyDelivery({ secret, headers, rawBody: body.replace('o1', 'o2') }))).toBe('invalid_signature');
    expect(failure(() => verifyDelivery({ secret, headers: { ...headers, 'webhook-id': 'evt-10' }, rawBody: body }))).toBe('invalid_signature');
  });

  it('refuses a stale or future timestamp (replay protection)', () => {
    const old = new Date(Date.now() - 301_000);
    expect(failure(() => verifyDelivery({ secret, headers: signed(body, 'evt-9', [secret], old), rawBody: body }))).toBe('stale_timestamp');
    const future = new Date(Date.now() + 400_000);
    expect(failure(() => verifyDelivery({ secret, headers: signed(body, 'evt-9', [secret], future), rawBody: body }))).toBe('stale_timestamp');
    expect(verifyDelivery({ secret, headers: signed(body, 'evt-9', [secret], old), rawBody: body, toleranceSeconds: 600 }).eventId).toBe('evt-9');
    const at = Date.parse('2024-01-01T00:00:00Z');
    expect(verifyDelivery({ secret, headers: signed(body, 'evt-9', [secret], new Date(at)), rawBody: body, now: at + 1000 }).eventId).toBe('evt-9');
  });

  it('refuses the wrong secret and missing headers', () => {
    expect(failure(() => verifyDelivery({ secret: newSecret(), headers: signed(body, 'evt-9', [secret]), rawBody: body }))).toBe('invalid_signature');
    const { 'webhook-signature': _dropped, ...unsigned } = signed(body, 'evt-9', [secret]);
    expect(failure(() => verifyDelivery({ secret, headers: unsigned, rawBody: body }))).toBe('missing_headers');
    expect(failure(() => verifyDelivery({ secret, headers: {}, rawBody: body }))).toBe('missing_headers');
  });

  it('accepts either signature during a rotation, and either secret on the receiver side', () => {
    const [next, previous] = [newSecret(), newSecret()];
    const headers = signed(body, 'evt-9', [next, previous]);
    expect(verifyDelivery({ secret: next, headers, rawBody: body }).eventId).toBe('evt-9');
    expect(verifyDelivery({ secret: previous, headers, rawBody: body }).eventId).toBe('evt-9');
    // A receiver that already switched to the new secret but still gets old-only signatures keeps working with both configured.
    expect(verifyDelivery({ secret: [next, previous], headers: signed(body, 'evt-9', [previous]), rawBody: body }).eventId).toBe('evt-9');
    expect(failure(() => verifyDelivery({ secret: newSecret(), headers, rawBody: body }))).toBe('invalid_signature');
  });

  it('refuses a signed body that is not an orderbus delivery for that webhook-id', () => {
    expect(failure(() => verifyDelivery({ secret, headers: signed('not json', 'evt-9', [secret]), rawBody: 'not json' }))).toBe('invalid_payload');
    const other = JSON.stringify({ ...delivery, eventId: 'evt-other' });
    expect(failure(() => verifyDelivery({ secret, headers: signed(other, 'evt-9', [secret]), rawBody: other }))).toBe('invalid_payload');
  });
});

describe('replies', () => {
  it('are in the seed 002 format', () => {
    const ok = replyOk('evt-1');
    expect(ok).toEqual({ result: null, success: true, message: 'success', statusCode: 200, requestId: 'evt-1', responseTime: expect.any(Number) });
    expect(Math.abs(ok.responseTime - Date.now())).toBeLessThan(1000);
    expect(replyError('db down')).toMatchObject({ result: null, success: false, message: 'db down', statusCode: 500 });
  });
});
