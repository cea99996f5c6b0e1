import { newEventId } from '../src';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newEventId', () => {
  it('returns unique UUIDv7 strings', () => {
    const ids = Array.from({ length: 20000 }, newEventId);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sorts by creation time, also within one millisecond', () => {
    const ids = Array.from({ length: 20000 }, newEventId);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the creation time in its first 48 bits', async () => {
    const before = Date.now();
    const id = newEventId();
    const after = Date.now();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(newEventId() > id).toBe(true);
  });
});
