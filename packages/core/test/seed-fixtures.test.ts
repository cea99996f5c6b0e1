import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHANGE_IDS, OrderbusError, createEventValidator, parseChangeId, parseJson, type ChangeId, type ValidationMode } from '../src';
import { codesAndPaths } from './helpers/payloads';

const DIR = join(__dirname, 'fixtures', 'seed-003');

interface Problem { code: string; path: string }
type Expected =
  | { outcome: 'accepted'; problems: Problem[]; renamedKeys: string[] }
  | { outcome: 'rejected'; problems: Problem[] }
  | { outcome: 'malformed_json'; line: number; column: number };

interface Fixture {
  file: string;
  section: string;
  changeId: ChangeId;
  kind: 'envelope' | 'data';
  strict: Expected;
  compat: Expected;
  notes: string;
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { dataArea: string; fixtures: Fixture[] };
const validators = {
  strict: createEventValidator({ mode: 'strict', enableSupervise: false, now: () => new Date('2024-01-01T00:00:00Z') }),
  compat: createEventValidator({ mode: 'compat', enableSupervise: false, now: () => new Date('2024-01-01T00:00:00Z') }),
};

function text(file: string): string {
  return readFileSync(join(DIR, file), 'utf8');
}

/** What a producer would POST for this fixture. */
function bodyOf(fixture: Fixture): string {
  if (fixture.kind === 'envelope') return text(fixture.file);
  return `{"dataArea": ${JSON.stringify(manifest.dataArea)}, "changeId": "${fixture.changeId}", "data": ${text(fixture.file)}}`;
}

describe('seed 003 fixtures', () => {
  it('the manifest lists every fixture file exactly once and covers every changeId', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();
    expect(manifest.fixtures.map((f) => f.file).sort()).toEqual(files);
    expect(new Set(manifest.fixtures.filter((f) => f.kind === 'data').map((f) => f.changeId))).toEqual(new Set(CHANGE_IDS));
    expect(manifest.fixtures.filter((f) => f.kind === 'envelope')).toHaveLength(2);
  });

  describe.each(manifest.fixtures.flatMap((f) => (['strict', 'compat'] as const).map((mode) => [f.file, mode, f] as const)))(
    '%s in %s mode',
    (_file, mode: ValidationMode, fixture) => {
      const expected = fixture[mode];

      if (expected.outcome === 'malformed_json') {
        it('is not JSON: parseJson throws malformed_json with the line and column', () => {
          let error: unknown;
          try {
            parseJson(text(fixture.file), '');
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(OrderbusError);
          const e = error as OrderbusError;
          expect(e.code).toBe('malformed_json');
          expect(e.status).toBe(400);
          expect(e.details).toMatchObject({ path: '', line: expected.line, column: expected.column });
          expect(e.message).toContain(`line ${expected.line} column ${expected.column}`);
        });

        if (fixture.kind === 'data') {
          it('sent as a data string, is rejected with not_json at /data', () => {
            const outcome = validators[mode].validate({ dataArea: manifest.dataArea, changeId: String(fixture.changeId), data: text(fixture.file) });
            expect(outcome.ok).toBe(false);
            if (outcome.ok) return;
            const expectedProblems = [{ code: 'not_json', path: '/data' }];
            if (fixture.changeId === 8) expectedProblems.push({ code: 'unsupported_change', path: '/changeId' });
            expect(codesAndPaths(outcome.problems)).toEqual(codesAndPaths(expectedProblems));
          });
        }
        return;
      }

      it(`is ${expected.outcome} with exactly the listed problems`, () => {
        const input = parseJson(bodyOf(fixture), '');
        const outcome = validators[mode].validate(input);
        if (expected.outcome === 'rejected') {
          expect(outcome.ok).toBe(false);
          if (outcome.ok) return;
          expect(codesAndPaths(outcome.problems)).toEqual(codesAndPaths(expected.problems));
          for (const p of outcome.problems) expect(p.message).toMatch(/\S/);
        } else {
          expect(outcome.ok).toBe(true);
          if (!outcome.ok) return;
          expect(codesAndPaths(outcome.event.problems)).toEqual(codesAndPaths(expected.problems));
          expect(outcome.renamedKeys).toEqual(expected.renamedKeys);
          expect(outcome.event.changeId).toBe(fixture.changeId);
          expect(outcome.event.dataArea).toBe((input as { dataArea: string }).dataArea);
          expect(outcome.event.orderKey).toBe(outcome.event.data.serviceOrderId);
          // Values are kept as sent: only keys are normalised.
          const sent = ((input as { data: Record<string, unknown> }).data);
          expect(Object.values(outcome.event.data).sort()).toEqual(Object.values(sent).sort());
          if (mode === 'strict') expect(outcome.event.problems).toBeUndefined();
        }
      });

      if (expected.outcome !== 'accepted') return;
      it('gives the same event when data is sent as a JSON string', () => {
        const input = parseJson(bodyOf(fixture), '') as Record<string, unknown>;
        const asObject = validators[mode].validate(input);
        const asString = validators[mode].validate({ ...input, data: JSON.stringify(input.data), eventId: 'x1' });
        expect(asObject.ok && asString.ok).toBe(true);
        if (!asObject.ok || !asString.ok) return;
        expect(asString.event.data).toEqual(asObject.event.data);
        expect(asString.event.problems).toEqual(asObject.event.problems);
        expect(asString.fingerprint).toBe(asObject.fingerprint);
      });
    },
  );

  it('the envelope examples use a changeId the catalogue knows', () => {
    for (const f of manifest.fixtures.filter((x) => x.kind === 'envelope')) {
      const match = /"changeId":\s*"(\d+)"/.exec(text(f.file));
      expect(parseChangeId(match?.[1])).toBe(f.changeId);
    }
  });
});
