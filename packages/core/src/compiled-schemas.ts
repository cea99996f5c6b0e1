import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CHANGE_IDS, type ChangeId } from './event';
import { DATA_SCHEMAS, DATE_FORMAT, ENVELOPE_SCHEMA, OPTIONAL_DATE_FORMAT, isCompactDate } from './schemas';

/** The envelope and `data` schemas, compiled. */
export interface CompiledSchemas {
  envelope: ValidateFunction;
  data: Readonly<Record<ChangeId, ValidateFunction>>;
}

let compiled: CompiledSchemas | undefined;

/**
 * Compiles every schema once per process (ajv generates code for each, which
 * takes milliseconds; validating with it takes microseconds). The schemas are
 * frozen constants, so every validator can share the result.
 */
export function compiledSchemas(): CompiledSchemas {
  compiled ??= compile();
  return compiled;
}

function compile(): CompiledSchemas {
  const ajv = new Ajv({
    allErrors: true, // report every problem, not the first
    verbose: true, // errors carry the offending value, for precise messages
    strict: true,
    strictTypes: false, // the else-branch of objectOrArrayOf has properties without a type, on purpose
    allowUnionTypes: true,
  });
  addFormats(ajv, ['date-time']);
  ajv.addFormat(DATE_FORMAT, { type: 'string', validate: isCompactDate });
  ajv.addFormat(OPTIONAL_DATE_FORMAT, { type: 'string', validate: (v: string) => v === '' || isCompactDate(v) });
  const data = {} as Record<ChangeId, ValidateFunction>;
  for (const id of CHANGE_IDS) data[id] = ajv.compile(DATA_SCHEMAS[id]);
  return { envelope: ajv.compile(ENVELOPE_SCHEMA), data: Object.freeze(data) };
}
