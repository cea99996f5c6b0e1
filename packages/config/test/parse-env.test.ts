import { ConfigError, env, parseEnv, z } from '../src';

const schema = z.object({
  PORT: env.port(3000),
  REDIS_URL: env.redisUrl(),
  FLAG: env.bool(false),
  LIST: env.list('a,b'),
});

describe('parseEnv', () => {
  it('applies defaults and coerces strings', () => {
    expect(parseEnv(schema, { PORT: '8080', FLAG: 'yes' })).toEqual({
      PORT: 8080,
      REDIS_URL: 'redis://127.0.0.1:6379',
      FLAG: true,
      LIST: ['a', 'b'],
    });
  });

  it('lists every invalid variable with the value it got', () => {
    let caught: unknown;
    try {
      parseEnv(schema, { PORT: 'eighty', REDIS_URL: 'http://x', FLAG: 'maybe' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const issues = (caught as ConfigError).issues;
    expect(issues).toHaveLength(3);
    expect(issues.find((i) => i.startsWith('PORT'))).toContain('"eighty"');
    expect(issues.find((i) => i.startsWith('REDIS_URL'))).toContain('redis://');
    expect(issues.find((i) => i.startsWith('FLAG'))).toContain('"maybe"');
  });
});
