import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  /** The app writing the log: producer, worker, admin, demo-subscriber. */
  service: string;
  level?: string;
  /** Silences output (tests). */
  silent?: boolean;
}

/**
 * A JSON logger: one object per line with `service`, `level`, `message`,
 * `timestamp` and whatever fields the call adds (`requestId`, `eventId`,
 * `baseCode`...). Secrets are never passed to it.
 */
export function createLogger(options: LoggerOptions): Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: { service: options.service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}
