/**
 * JSON Pointer (RFC 6901) helpers. Problems are located by pointers into the
 * envelope (`/data/currentUser/0/userId`); messages use a dotted label
 * (`data.currentUser[0].userId`) because people read those more easily.
 */

/** Escapes one reference token (`~` → `~0`, `/` → `~1`). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends one key or index to a pointer. */
export function childPointer(pointer: string, key: string | number): string {
  return `${pointer}/${typeof key === 'number' ? key : escapePointerToken(key)}`;
}

/** Splits a pointer into its unescaped tokens (`""` → `[]`). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * A readable label for a pointer: `/data/currentUser/0/userId` →
 * `data.currentUser[0].userId`; odd keys are quoted (`data["hangRemark "]`).
 * `""` (the whole input) is `the event`.
 */
export function pointerLabel(pointer: string): string {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0) return 'the event';
  let label = '';
  for (const token of tokens) {
    if (INDEX.test(token) && label !== '') label += `[${token}]`;
    else if (IDENTIFIER.test(token)) label += label === '' ? token : `.${token}`;
    else label += label === '' ? JSON.stringify(token) : `[${JSON.stringify(token)}]`;
  }
  return label;
}
