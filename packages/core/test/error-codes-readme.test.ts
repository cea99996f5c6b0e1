import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../src';

describe('README error code table', () => {
  it('lists every error code with its HTTP status and description, and nothing else', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map(([, code, status, description]) => ({ code, status: Number(status), description }));
    const expected = Object.entries(ERROR_CODES).map(([code, { status, description }]) => ({ code, status, description }));
    expect(rows).toEqual(expected);
  });
});
