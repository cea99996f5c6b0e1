/**
 * The lifecycle reads its thresholds from the `health` and `backlog` sections
 * of the one delivery policy object (packages/delivery, DeliveryPolicy).
 */
export type { BacklogPolicy, HealthPolicy } from '@orderbus/delivery';

/**
 * Attempts needed in the window before the success rate alone can degrade or
 * fail a subscription; below it only consecutive failures count (so one early
 * failure does not read as a 0 % success rate).
 */
export const MIN_SAMPLES_FOR_RATE = 10;
