import type { RedisClient as Redis } from '@orderbus/queues';
import { LuaScript, orderLineKey, ScriptBatcher, subscriptionQueueName } from '@orderbus/queues';
import { ADOPT_INTO_ORDER_LINE, ENTER_ORDER_LINE, LEAVE_ORDER_LINE } from './lua/order-gate';

const enterLine = new LuaScript(ENTER_ORDER_LINE);
const leaveLine = new LuaScript(LEAVE_ORDER_LINE);
const adoptIntoLine = new LuaScript(ADOPT_INTO_ORDER_LINE);

/** May the claimed job be delivered now? */
export type GateVerdict = { go: true } | { go: false; head: string; headDueAt?: number };

/**
 * Per-work-order FIFO for one subscription: events of the same order are
 * delivered one at a time, in the order they were accepted. Each order has a
 * line in Redis (`orderLineKey`: `<prefix>:{sub.<baseCode>}:order:<orderKey>`),
 * empty (and so absent) when nothing of the order is pending. The producer
 * appends each job to its line in the MULTI that queues it, so a line's order
 * is the acceptance order whoever claims the jobs and in whatever order (a
 * worker claims with several completions at once). Entering checks whether a
 * claimed job heads its line; leaving lets the next one go.
 */
export class OrderGate {
  /** Entering and leaving lines run in the connection's script batches: one EVALSHA per turn for many deliveries. */
  private readonly batch: ScriptBatcher;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.batch = ScriptBatcher.of(redis);
  }

  async enter(baseCode: string, orderKey: string, jobId: string): Promise<GateVerdict> {
    const queue = this.queueKey(baseCode);
    const reply = (await this.batch.run(enterLine, [this.lineKey(baseCode, orderKey), `${queue}:delayed`], [jobId, `${queue}:`])) as [
      number,
      string?,
      number?,
    ];
    if (reply[0] === 1) return { go: true };
    const headDueAt = reply[2] ? Number(reply[2]) : undefined;
    return { go: false, head: reply[1]!, ...(headDueAt ? { headDueAt } : {}) };
  }

  /**
   * Removes a finished job from its line; returns the new head and whether it
   * is parked (delayed, waiting for this release). A dead letter also loses
   * its first-in-line mark (a replay puts it at the end of its line), and
   * `behind` lists the ids still in line.
   */
  async leave(baseCode: string, orderKey: string, jobId: string, deadLettered = false): Promise<{ next?: string; nextParked: boolean; behind: string[] }> {
    const queue = this.queueKey(baseCode);
    const keys = [this.lineKey(baseCode, orderKey), `${queue}:delayed`, `${queue}:${jobId}`];
    const [next, parked, ...rest] = (await this.batch.run(leaveLine, keys, [jobId, deadLettered ? '1' : '0'])) as [string, number, ...string[]];
    return next ? { next, nextParked: parked === 1, behind: [next, ...rest] } : { nextParked: false, behind: [] };
  }

  /**
   * Puts an active job at the end of its order's line unless it is in it;
   * returns whether it was added (it had been claimed but not yet let through
   * or parked when its worker died).
   */
  async adopt(baseCode: string, orderKey: string, jobId: string): Promise<boolean> {
    return (await adoptIntoLine.run(this.redis, [this.lineKey(baseCode, orderKey)], [jobId])) === 1;
  }

  /** Whether the job is (now) first in its line. */
  async isHead(baseCode: string, orderKey: string, jobId: string): Promise<boolean> {
    return (await this.redis.lindex(this.lineKey(baseCode, orderKey), 0)) === jobId;
  }

  /** The subscription queue's key prefix (`<prefix>:{sub.<baseCode>}`). */
  private queueKey(baseCode: string): string {
    return `${this.prefix}:${subscriptionQueueName(baseCode)}`;
  }

  private lineKey(baseCode: string, orderKey: string): string {
    return orderLineKey(this.prefix, baseCode, orderKey);
  }
}
