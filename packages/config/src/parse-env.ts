import { z } from 'zod';

/**
 * Thrown at start-up when the environment does not satisfy an app's schema.
 * The message lists every offending variable, so one restart fixes them all.
 */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses `env` against a zod schema whose keys are environment variable names.
 * Called once per app in `src/env.ts`; nothing else reads `process.env`.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const given = issue.path.length > 0 ? env[String(issue.path[0])] : undefined;
    return `${name}: ${issue.message}${given === undefined ? ' (not set)' : ` (got "${given}")`}`;
  });
  throw new ConfigError(issues);
}
