import { ReplyError } from 'ioredis';
import { LuaScript } from './lua-script';
import { isCluster, type RedisClient } from './redis-connection';

/** Invocations sent in one EVALSHA at most: bounds how long one call keeps Redis busy. */
const MAX_INVOCATIONS_PER_CALL = 256;
/** ...and keys plus arguments (one invocation may carry many records: a subscription's attempts). */
const MAX_ARGUMENTS_PER_CALL = 10_000;

interface Invocation {
  part: number;
  keys: readonly string[];
  args: readonly (string | number)[];
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Runs the invocations of small Lua scripts made together (in one burst of
 * callbacks and their promise chains) as a single EVALSHA, and gives each
 * caller its own script's reply.
 *
 * On the delivery path every delivery runs several small bookkeeping scripts
 * (its order line, its attempt record, the subscription's health). Sent one
 * by one, each costs the worker a command to encode, write and parse and
 * Redis a script call; under load a few hundred of them are made per turn of
 * the event loop. Batched, they cost one command per turn (per slot on a
 * cluster). ioredis's auto-pipelining only saves the write, not the per
 * command work on either side.
 *
 * How: every script run through the batcher becomes a function of one
 * combined script (`parts[i](KEYS, ARGV)`); a call lists, per invocation, the
 * part, how many keys and arguments are its own, then them. Each invocation
 * runs under `pcall`, so one failing script rejects only its own caller, and
 * each is atomic as before (the whole batch is). What a batch changes is
 * timing: an invocation is sent at the end of the turn, after commands the
 * same code sends directly later in that turn; callers await their reply
 * before anything that depends on it, as they would anyway.
 *
 * On Redis Cluster a batch holds the invocations of one hash tag (all of
 * orderbus's delivery-path keys carry the subscription's tag), so each call
 * stays within one slot.
 */
export class ScriptBatcher {
  private static readonly byConnection = new WeakMap<RedisClient, ScriptBatcher>();

  /** The batcher of a connection (one per connection, made on first use). */
  static of(redis: RedisClient): ScriptBatcher {
    let batcher = ScriptBatcher.byConnection.get(redis);
    if (!batcher) {
      batcher = new ScriptBatcher(redis);
      ScriptBatcher.byConnection.set(redis, batcher);
    }
    return batcher;
  }

  private readonly parts: LuaScript[] = [];
  private readonly partIndex = new Map<string, number>();
  private combined: LuaScript | undefined;
  private pending = new Map<string, Invocation[]>();
  private flushScheduled = false;

  constructor(private readonly redis: RedisClient) {}

  /** Runs `script` with `keys` and `args` in the next batch; resolves to the script's own reply. */
  run(script: LuaScript, keys: readonly string[], args: readonly (string | number)[] = []): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const group = isCluster(this.redis) && keys.length > 0 ? hashTagOf(keys[0]!) : '';
      let invocations = this.pending.get(group);
      if (!invocations) {
        invocations = [];
        this.pending.set(group, invocations);
      }
      invocations.push({ part: this.partOf(script), keys, args, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After the current burst of callbacks and their promise chains (e.g. every reply of one socket read):
        // batches as large as the work at hand, without waiting for a later turn of the event loop.
        process.nextTick(() => this.flush());
      }
    });
  }

  private partOf(script: LuaScript): number {
    let index = this.partIndex.get(script.sha);
    if (index === undefined) {
      index = this.parts.length + 1;
      this.parts.push(script);
      this.partIndex.set(script.sha, index);
      this.combined = new LuaScript(combinedSource(this.parts));
    }
    return index;
  }

  private flush(): void {
    this.flushScheduled = false;
    const groups = this.pending;
    this.pending = new Map();
    const combined = this.combined!;
    for (const invocations of groups.values()) {
      let call: Invocation[] = [];
      let size = 0;
      for (const invocation of invocations) {
        const own = invocation.keys.length + invocation.args.length + 3;
        if (call.length > 0 && (call.length >= MAX_INVOCATIONS_PER_CALL || size + own > MAX_ARGUMENTS_PER_CALL)) {
          void this.send(combined, call);
          call = [];
          size = 0;
        }
        call.push(invocation);
        size += own;
      }
      if (call.length > 0) void this.send(combined, call);
    }
  }

  private async send(combined: LuaScript, invocations: Invocation[]): Promise<void> {
    const keys: string[] = [];
    const args: Array<string | number> = [invocations.length];
    for (const invocation of invocations) {
      keys.push(...invocation.keys);
      args.push(invocation.part, invocation.keys.length, invocation.args.length, ...invocation.args);
    }
    let replies: Array<[number, unknown?]>;
    try {
      replies = (await combined.run(this.redis, keys, args)) as Array<[number, unknown?]>;
    } catch (err) {
      for (const invocation of invocations) invocation.reject(err);
      return;
    }
    invocations.forEach((invocation, index) => {
      const [ok, value] = replies[index] ?? [0, 'the batch returned no reply for this invocation'];
      if (ok === 1) invocation.resolve(value ?? null);
      else invocation.reject(new ReplyError(String(value)));
    });
  }
}

/** The part of a key Redis Cluster hashes: its first non-empty `{...}`, else the whole key. */
function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

/**
 * The combined script. KEYS: every invocation's keys, in order.
 * ARGV[1] how many invocations; then per invocation: part number, its key
 * count, its argument count, its arguments.
 * Returns per invocation {1, reply} or {0, error message}.
 */
function combinedSource(parts: readonly LuaScript[]): string {
  const functions = parts.map((part, i) => `parts[${i + 1}] = function(KEYS, ARGV)\n${part.source}\nend`).join('\n');
  return `local parts = {}
${functions}
local results = {}
local keyAt, argAt = 0, 2
for i = 1, tonumber(ARGV[1]) do
  local part, keyCount, argCount = tonumber(ARGV[argAt]), tonumber(ARGV[argAt + 1]), tonumber(ARGV[argAt + 2])
  argAt = argAt + 3
  local keys, args = {}, {}
  for k = 1, keyCount do keys[k] = KEYS[keyAt + k] end
  for a = 1, argCount do args[a] = ARGV[argAt + a - 1] end
  keyAt, argAt = keyAt + keyCount, argAt + argCount
  local ok, reply = pcall(parts[part], keys, args)
  if ok then
    results[i] = {1, reply}
  else
    if type(reply) == 'table' then reply = reply.err or 'script error' end
    results[i] = {0, tostring(reply)}
  end
end
return results
`;
}
