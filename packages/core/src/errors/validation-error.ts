import { OrderbusError } from './orderbus-error';
import type { ValidationProblem } from '../event';

/** 422: the input breaks the schema. Lists every problem with its JSON path. */
export class ValidationError extends OrderbusError {
  readonly problems: ValidationProblem[];

  constructor(problems: ValidationProblem[], message = 'The input is not valid.') {
    super('validation_failed', message, { problems });
    this.name = 'ValidationError';
    this.problems = problems;
  }
}
