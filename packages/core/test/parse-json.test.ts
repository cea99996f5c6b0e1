import { OrderbusError, parseJson } from '../src';

function errorOf(text: string, where: string): OrderbusError {
  try {
    parseJson(text, where);
  } catch (err) {
    if (err instanceof OrderbusError) return err;
    throw err;
  }
  throw new Error('parseJson did not throw');
}

describe('parseJson', () => {
  it('parses JSON, ignoring a leading byte-order mark', () => {
    expect(parseJson('{"a": [1, "x"]}', '')).toEqual({ a: [1, 'x'] });
    expect(parseJson('\uFEFF{"a": 1}', '')).toEqual({ a: 1 });
  });

  it('keeps __proto__ as an own key (JSON.parse semantics), never as a prototype', () => {
    const parsed = parseJson('{"__proto__": {"polluted": 1}}', '') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
  });

  it('throws malformed_json (400) with line, column and position for a body', () => {
    const e = errorOf('{\n  "a": 1\n  "b": 2\n}', '');
    expect(e.code).toBe('malformed_json');
    expect(e.status).toBe(400);
    expect(e.details).toEqual({ path: '', position: 13, line: 3, column: 3 });
    expect(e.message).toBe("the request body is not valid JSON at line 3 column 3 (position 13): Expected ',' or '}' after property value");
    expect(e.toJSON().error).toMatchObject({ code: 'malformed_json', path: '', line: 3 });
  });

  it('names the data field when parsing a data string, and reports truncated input', () => {
    const e = errorOf('{"a": ', '/data');
    expect(e.details).toMatchObject({ path: '/data', position: 6, line: 1, column: 7 });
    expect(e.message).toMatch(/^data is not valid JSON at line 1 column 7/);
  });

  it('refuses comments and trailing commas', () => {
    expect(errorOf('{"a": 1, // c\n}', '').code).toBe('malformed_json');
    expect(errorOf('{"a": 1,}', '').code).toBe('malformed_json');
    expect(errorOf('', '').code).toBe('malformed_json');
  });
});
