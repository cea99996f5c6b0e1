import type { BenchConfig } from './config';
import type { Receiver } from './support/receiver';
import type { EventFactory } from './support/events';

/** One line of the summary table. */
export interface Row {
  scenario: string;
  measure: string;
  orderbus: number | string;
  /** The same measure for the baseline (or the reference case) it is compared with. */
  baseline?: number | string;
  baselineLabel?: string;
  /** orderbus / baseline (or as the target defines it). */
  ratio?: number;
  target?: string;
  pass?: boolean;
  unit?: string;
}

export interface ScenarioResult {
  name: string;
  rows: Row[];
  /** Everything measured, for the JSON. */
  data: Record<string, unknown>;
}

/** What scenarios share: the run's settings, the one receiver, and figures later scenarios build on. */
export interface RunContext {
  config: BenchConfig;
  runDir: string;
  receiver: Receiver;
  factory: EventFactory;
  /** orderbus end-to-end deliveries/s with 10 subscriptions (the "delivery" scenario), the latency scenario's 100 %. */
  deliveryMaxPerSecond?: number;
  /** Redis connections the worker opened while serving 10 subscriptions. */
  workerConnections10?: number;
  workerRss10?: number;
  /** Idle CPU (fraction of one core) of the worker serving 10 subscriptions. */
  workerIdleCpu10?: number;
  log(message: string): void;
}
