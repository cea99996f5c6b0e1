/** How much work each scenario does: the full run (about 11 minutes at load average 20–30 on 2 cores) or `--quick` (a smoke run: small counts, short steps). */
export interface BenchConfig {
  quick: boolean;
  /** ORDERBUS_LOG_LEVEL of the apps (production default: info). */
  logLevel: string;
  redisBenchmarkRequests: number;
  ingestSeconds: number;
  ingestSubscriptions: number[];
  /** autocannon connections for single events and for batches of 100. */
  ingestConnectionsSingle: number;
  ingestConnectionsBatch: number;
  /** Events sent in the end-to-end throughput runs (10 subscriptions). */
  deliveryEvents: number;
  /** Timed end-to-end rounds, orderbus and bare BullMQ taking turns (after one untimed round each). */
  deliveryRounds: number;
  latencyFractions: number[];
  latencySeconds: number;
  manySubscriptions: number;
  manyEvents: number;
  idleSeconds: number;
  memoryEvents: number;
  orderingEvents: number;
  orderingOrders: number;
  profileEvents: number;
  monitorEvents: number;
  /** How long to wait for the last delivery of a run before calling it incomplete. */
  drainTimeoutMs: number;
}

export function benchConfig(quick: boolean, logLevel: string): BenchConfig {
  return quick
    ? {
        quick,
        logLevel,
        redisBenchmarkRequests: 20_000,
        ingestSeconds: 2,
        ingestSubscriptions: [10],
        ingestConnectionsSingle: 16,
        ingestConnectionsBatch: 4,
        deliveryEvents: 300,
        deliveryRounds: 1,
        latencyFractions: [0.5, 0.9],
        latencySeconds: 2,
        manySubscriptions: 50,
        manyEvents: 5,
        idleSeconds: 2,
        memoryEvents: 200,
        orderingEvents: 300,
        orderingOrders: 100,
        profileEvents: 300,
        monitorEvents: 30,
        drainTimeoutMs: 60_000,
      }
    : {
        quick,
        logLevel,
        redisBenchmarkRequests: 100_000,
        ingestSeconds: 6,
        ingestSubscriptions: [1, 10, 100],
        ingestConnectionsSingle: 16,
        ingestConnectionsBatch: 4,
        deliveryEvents: 3000,
        deliveryRounds: 3,
        latencyFractions: [0.25, 0.5, 0.75, 0.9],
        latencySeconds: 20,
        manySubscriptions: 1000,
        manyEvents: 30,
        idleSeconds: 10,
        memoryEvents: 2000,
        orderingEvents: 2000,
        orderingOrders: 1000,
        profileEvents: 1500,
        monitorEvents: 100,
        drainTimeoutMs: 180_000,
      };
}
