import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OrderbusError, createDomainMessageValidator, parseJson, type ValidationMode } from '../src';
import { codesAndPaths } from './helpers/payloads';
import { repairSeedJson } from './helpers/repair-seed-json';

interface Problem { code: string; path: string }
type Expected =
  | { outcome: 'malformed_json'; line: number; column: number }
  | { outcome: 'rejected'; problems: Problem[] }
  | { outcome: 'accepted'; events: Array<{ type: string; orderKey?: string; problems: Problem[] }> };
type PerMode = { strict: Expected; compat: Expected };
interface Fixture {
  file: string;
  section: string;
  family: string;
  kind: 'event' | 'error-report';
  /** The text as sent: one outcome for both modes (malformed_json), or one per mode. */
  parsed: Expected | PerMode;
  /** After repairSeedJson, for texts that are not JSON. */
  repaired?: PerMode;
  notes: string;
}

const validators = {
  strict: createDomainMessageValidator({ mode: 'strict', now: () => new Date('2024-01-01T00:00:00Z') }),
  compat: createDomainMessageValidator({ mode: 'compat', now: () => new Date('2024-01-01T00:00:00Z') }),
};
const perMode = (e: Expected | PerMode, mode: ValidationMode): Expected => ('outcome' in e ? e : e[mode]);

function check(input: unknown, mode: ValidationMode, expected: Expected, family: string): void {
  const outcome = validators[mode].validate(input);
  if (expected.outcome === 'rejected') {
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(codesAndPaths(outcome.problems)).toEqual(codesAndPaths(expected.problems));
    for (const p of outcome.problems) expect(p.message).toMatch(/\S/);
    return;
  }
  if (expected.outcome !== 'accepted') throw new Error('not a validation outcome');
  expect(outcome.ok).toBe(true);
  if (!outcome.ok) return;
  expect(outcome.family).toBe(family);
  expect(outcome.events.map((e) => e.event.type)).toEqual(expected.events.map((e) => e.type));
  outcome.events.forEach(({ event }, i) => {
    const want = expected.events[i]!;
    expect([event.type, event.orderKey]).toEqual([want.type, want.orderKey]);
    expect(event.family).toBe(family);
    expect(codesAndPaths(event.problems)).toEqual(codesAndPaths(want.problems));
    if (mode === 'strict') expect(event.problems).toBeUndefined();
    // The payload is the object under events.<type>, values as sent.
    expect(event.data).toEqual((input as { events: Record<string, unknown> }).events[event.type]);
  });
}

describe.each(['seed-000', 'seed-001'])('%s fixtures', (dirName) => {
  const dir = join(__dirname, 'fixtures', dirName);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };
  const text = (file: string) => readFileSync(join(dir, file), 'utf8');

  it('the manifest lists every fixture file exactly once', () => {
    expect(manifest.fixtures.map((f) => f.file).sort()).toEqual(readdirSync(dir).filter((f) => f.endsWith('.txt')).sort());
  });

  describe.each(manifest.fixtures.flatMap((f) => (['strict', 'compat'] as const).map((mode) => [f.file, mode, f] as const)))('%s in %s mode', (_file, mode, fixture) => {
    const parsed = perMode(fixture.parsed, mode);

    if (parsed.outcome === 'malformed_json') {
      it('as sent is not JSON: malformed_json with the line and column', () => {
        let error: unknown;
        try {
          parseJson(text(fixture.file), '');
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(OrderbusError);
        const e = error as OrderbusError;
        expect(e.code).toBe('malformed_json');
        expect(e.details).toMatchObject({ line: parsed.line, column: parsed.column });
        expect(e.message).toContain(`line ${parsed.line} column ${parsed.column}`);
      });
      it(`repaired, is ${fixture.repaired ? perMode(fixture.repaired, mode).outcome : '?'} as the manifest says`, () => {
        expect(fixture.repaired).toBeDefined();
        check(parseJson(repairSeedJson(text(fixture.file)), ''), mode, perMode(fixture.repaired!, mode), fixture.family);
      });
      return;
    }

    it(`is ${parsed.outcome} as the manifest says`, () => {
      check(parseJson(text(fixture.file), ''), mode, parsed, fixture.family);
    });
  });
});

describe('seed 001 org example', () => {
  it('becomes one event per key, with msgId-based ids when a msgId is sent', () => {
    const input = parseJson(readFileSync(join(__dirname, 'fixtures', 'seed-001', 'org-events.txt'), 'utf8'), '') as Record<string, unknown>;
    const outcome = validators.compat.validate({ ...input, msgId: 'm-42' });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.events.map((e) => e.event.eventId)).toEqual(['m-42.add', 'm-42.update', 'm-42.delete', 'm-42.mainResponsible', 'm-42.responsible']);
    // The tenant (a topic variable) comes from the payload; occurredAt from time/eventTs.
    expect(outcome.events[0]!.event).toMatchObject({ tenant: 'acme', occurredAt: new Date(1625514100000).toISOString() });
    expect(outcome.events[3]!.event.occurredAt).toBe(new Date(1722488521132).toISOString());
    // Fingerprints differ per event and repeat for the same message.
    const again = validators.compat.validate({ ...input, msgId: 'm-42' });
    expect(again.ok && again.events.map((e) => e.fingerprint)).toEqual(outcome.events.map((e) => e.fingerprint));
    expect(new Set(outcome.events.map((e) => e.fingerprint)).size).toBe(5);
  });
});
