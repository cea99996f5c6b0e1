import { OrderbusError } from './errors';
import { pointerLabel } from './json-pointer';

/** Where in `text` a SyntaxError of JSON.parse happened, as 1-based line and column. */
function locate(text: string, message: string): { position: number; line: number; column: number } | undefined {
  const match = /at position (\d+)/.exec(message);
  let position: number;
  if (match?.[1] !== undefined) position = Number(match[1]);
  else if (/Unexpected end of JSON input/.test(message)) position = text.length;
  else {
    const found = positionFromContext(text, message);
    if (found === undefined) return undefined;
    position = found;
  }
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return { position, line, column };
}

/**
 * V8 words some errors without a position, quoting the text around it
 * instead: `Unexpected token '[', ..."tomerList"[{ "... is not valid JSON`
 * (10 characters either side, `...` where cut). Finds that excerpt in the
 * text: the error is at its first occurrence.
 */
function positionFromContext(text: string, message: string): number | undefined {
  const match = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (!match) return undefined;
  const [, token, cut, excerpt] = match as unknown as [string, string, string | undefined, string];
  const start = text.indexOf(excerpt);
  if (start < 0) return undefined;
  const offset = cut ? 10 : excerpt.indexOf(token);
  return offset < 0 ? undefined : start + offset;
}

/**
 * Parses JSON text, failing with `malformed_json` (400) and the position of
 * the error so a producer can find the missing comma. `where` is the JSON
 * Pointer of the text in the request: `""` for an HTTP body, `/data` for a
 * payload sent as a JSON string (the validator turns that into a `not_json`
 * problem, since the envelope around it was fine).
 *
 * Strict JSON only: no comments, no trailing commas (a guess at what a broken
 * payload meant would make two producers' "same" events differ). A leading
 * byte-order mark is ignored, as some HTTP clients add one.
 */
export function parseJson(text: string, where: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(source);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const at = locate(source, reason);
    const what = where === '' ? 'the request body' : pointerLabel(where);
    const position = at ? ` at line ${at.line} column ${at.column} (position ${at.position})` : '';
    const detail = reason.replace(/ in JSON at position \d+.*$/s, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of input')
      .replace(/^Unexpected token '([\s\S])', [\s\S]* is not valid JSON$/, "unexpected '$1'");
    throw new OrderbusError(
      'malformed_json',
      `${what} is not valid JSON${position}: ${detail}`,
      { path: where, ...(at ?? {}) },
      { cause: err },
    );
  }
}
