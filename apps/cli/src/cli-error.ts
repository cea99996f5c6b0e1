/** Exit codes of `orderbus`: 0 ok, 1 a failure (an API error, a failed check), 2 a usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error the CLI reports as one message and an exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    /** The API's error body, printed with --json. */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error: a missing option or a bad argument (exit 2). */
export function usage(message: string): CliError {
  return new CliError(message, EXIT_USAGE);
}
