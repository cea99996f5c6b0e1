import { changeType, matchesEventPatterns, type ChangeId } from '@orderbus/core';
import type { SubscriptionScope } from './subscription';

/** A subscription without `scope.events` receives work-order events only, as before event families existed. */
export const DEFAULT_EVENT_PATTERNS: readonly string[] = Object.freeze(['workorder.*']);

/** What scope matching reads of an event: a work-order event's dataArea and changeId, or another family's family and type. */
export type ScopedEvent = { dataArea: string; changeId: ChangeId } | { family: string; type: string };

/**
 * Whether an event is in a subscription's scope. `scope.events` picks
 * families and types; work-order events must also be in `dataAreas` and
 * `changeIds`.
 */
export function matchesScope(scope: SubscriptionScope, event: ScopedEvent): boolean {
  const patterns = scope.events ?? DEFAULT_EVENT_PATTERNS;
  if ('family' in event && typeof event.family === 'string' && event.family !== 'workorder') {
    return matchesEventPatterns(patterns, event.family, event.type);
  }
  const workOrder = event as { dataArea: string; changeId: ChangeId };
  if (!matchesEventPatterns(patterns, 'workorder', changeType(workOrder.changeId).name)) return false;
  const areaOk = scope.dataAreas === '*' || scope.dataAreas.includes(workOrder.dataArea);
  return areaOk && (scope.changeIds === '*' || scope.changeIds.includes(workOrder.changeId));
}
