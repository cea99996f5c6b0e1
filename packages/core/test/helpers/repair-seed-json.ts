/**
 * The three repairs docs/families.md lists for the domain-model seeds'
 * examples, which are not JSON as printed: `//` comments are removed, the
 * missing colon of `"customerList"[` is added, and a comma is added where a
 * value's line is followed by a line starting a key. Only tests use this:
 * the bus itself never guesses (a malformed body is `malformed_json`).
 */
export function repairSeedJson(text: string): string {
  const lines = text
    .replace(/"customerList"\[/g, '"customerList": [')
    .split('\n')
    .map((line) => line.replace(/\s*\/\/[^\n]*$/, ''));
  for (let i = 0; i < lines.length - 1; i++) {
    const next = lines.slice(i + 1).find((l) => l.trim() !== '') ?? '';
    if (/("|\d|\]|\}|null|true|false)\s*$/.test(lines[i]!) && /^\s*"/.test(next)) lines[i] = lines[i]!.replace(/\s*$/, ',');
  }
  return lines.join('\n');
}
