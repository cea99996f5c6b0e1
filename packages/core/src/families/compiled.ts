import Ajv, { type ValidateFunction } from 'ajv';
import { EVENT_FAMILIES } from './catalogue';
import { DOMAIN_MESSAGE_SCHEMA } from './message-schema';
import { DATETIME_TEXT_FORMAT, INTEGER_STRING_FORMAT, isDateTimeText, isIntegerString } from './schema';

/** The domain message schema and every family's event schemas, compiled. */
export interface CompiledFamilySchemas {
  message: ValidateFunction;
  /** By `<family>.<type>`. */
  events: ReadonlyMap<string, ValidateFunction>;
}

let compiled: CompiledFamilySchemas | undefined;

/** Compiles every family schema once per process (ajv generates code; validating is then microseconds). */
export function compiledFamilySchemas(): CompiledFamilySchemas {
  compiled ??= compile();
  return compiled;
}

function compile(): CompiledFamilySchemas {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
  ajv.addFormat(INTEGER_STRING_FORMAT, { type: 'string', validate: isIntegerString });
  ajv.addFormat(`${INTEGER_STRING_FORMAT}|${DATETIME_TEXT_FORMAT}`, { type: 'string', validate: (v: string) => isIntegerString(v) || isDateTimeText(v) });
  const events = new Map<string, ValidateFunction>();
  for (const family of Object.values(EVENT_FAMILIES)) {
    if (family.kind !== 'domain-model') continue;
    for (const type of Object.values(family.types)) events.set(`${family.family}.${type.type}`, ajv.compile(type.schema));
  }
  return { message: ajv.compile(DOMAIN_MESSAGE_SCHEMA), events };
}
