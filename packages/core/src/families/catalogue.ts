import { CUSTOMER_FAMILY } from './customer';
import type { DomainEventType, DomainFamily, EventFamily } from './family';
import { ORG_FAMILY } from './org';
import { WORK_ORDER_FAMILY } from './workorder';

/**
 * Every event family orderbus carries. Adding a family = one folder of
 * schemas under `families/<family>/` and one entry here (docs/families.md).
 */
export const EVENT_FAMILIES: Readonly<Record<string, EventFamily>> = Object.freeze({
  workorder: WORK_ORDER_FAMILY,
  customer: CUSTOMER_FAMILY,
  org: ORG_FAMILY,
});

/** The domain-model families (all but workorder), by `profile.appType`. */
export const DOMAIN_FAMILIES: ReadonlyMap<string, DomainFamily> = new Map(
  Object.values(EVENT_FAMILIES)
    .filter((f): f is DomainFamily => f.kind === 'domain-model')
    .map((f) => [f.appType, f]),
);

/** The family whose messages say `profile.appType`. */
export function domainFamilyOfAppType(appType: string): DomainFamily | undefined {
  return DOMAIN_FAMILIES.get(appType);
}

/** A domain family by its name (`customer`). */
export function domainFamily(family: string): DomainFamily | undefined {
  const found = EVENT_FAMILIES[family];
  return found?.kind === 'domain-model' ? found : undefined;
}

/** The catalogue entry of a domain event type. */
export function domainEventType(family: string, type: string): DomainEventType | undefined {
  const found = domainFamily(family);
  return found && Object.hasOwn(found.types, type) ? found.types[type] : undefined;
}

/** Whether `family.type` names a known event type. */
export function isKnownEventType(family: string, type: string): boolean {
  const found = EVENT_FAMILIES[family];
  return found !== undefined && Object.hasOwn(found.types, type);
}

/**
 * Why a subscription's event pattern is not valid, or undefined when it is:
 * `*`, `<family>.*` or `<family>.<type>` of a known family and type
 * (work-order types are the catalogue names: `workorder.order.created`).
 */
export function eventPatternProblem(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  const dot = pattern.indexOf('.');
  const family = dot < 0 ? pattern : pattern.slice(0, dot);
  const type = dot < 0 ? undefined : pattern.slice(dot + 1);
  const known = EVENT_FAMILIES[family];
  if (!Object.hasOwn(EVENT_FAMILIES, family) || !known) return `"${family}" is not an event family (known: ${Object.keys(EVENT_FAMILIES).join(', ')})`;
  if (type === undefined || type === '') return `write "${family}.*" for every event of the family`;
  if (type === '*' || Object.hasOwn(known.types, type)) return undefined;
  return `"${type}" is not an event type of ${family} (known: ${Object.keys(known.types).join(', ')})`;
}

/** Whether an event `family.type` matches one of the patterns (`*`, `family.*`, `family.type`). */
export function matchesEventPatterns(patterns: '*' | readonly string[], family: string, type: string): boolean {
  if (patterns === '*') return true;
  return patterns.some((p) => p === '*' || p === `${family}.*` || p === `${family}.${type}`);
}
