import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { AttemptError, type CallbackGuard } from '@orderbus/delivery';
import type { Logger } from '@orderbus/observability';
import { parseBrokerUrl } from './broker-url';

/** A broker and the credentials to log in with. */
export interface BrokerTarget {
  url: string;
  username?: string;
  password?: string;
}

export interface MqttClientPoolOptions {
  /** No CONNACK within this (ms): `connect_timeout`. */
  connectTimeoutMs: number;
  /**
   * The SSRF guard: the broker's host is resolved and checked once per
   * connection, and the client connects to the checked address. The worker
   * and the admin always pass one.
   */
  guard?: CallbackGuard;
  logger: Logger;
  /** Prefix of the client ids (`orderbus-<host>-<pid>-<random>`). */
  clientIdPrefix?: string;
}

interface Connection {
  client?: MqttClient;
  /** Settles when the CONNACK arrived (or the connection failed). */
  ready: Promise<MqttClient>;
  /** Rejects the publishes waiting for a PUBACK, when the connection goes. */
  pending: Set<(err: Error) => void>;
  closed: boolean;
}

/**
 * One MQTT client per broker (URL and credentials) per process, shared by
 * every delivery to that broker. Clients connect on first use with a clean
 * session and no automatic reconnect: a connection that fails or closes is
 * dropped, the publishes waiting on it fail (`connection_reset`) and are
 * retried by the dispatcher on the delivery schedule, and the next delivery
 * connects again. A publish is QoS 1: delivered means the broker's PUBACK.
 */
export class MqttClientPool {
  private readonly connections = new Map<string, Connection>();
  private readonly clientIdPrefix: string;
  private closing = false;

  constructor(private readonly options: MqttClientPoolOptions) {
    this.clientIdPrefix = options.clientIdPrefix ?? `orderbus-${hostname().slice(0, 20)}-${process.pid}`;
  }

  /**
   * Publishes with QoS 1 and resolves on the PUBACK. The whole attempt —
   * connecting included — must finish within `timeoutMs` (`timeout`).
   * Errors are thrown as they come (classifyMqttError types them).
   */
  async publish(target: BrokerTarget, topic: string, payload: string, timeoutMs: number): Promise<void> {
    if (this.closing) throw new AttemptError('network_error', 'the MQTT client pool is closing');
    const deadline = Date.now() + timeoutMs;
    const connection = this.connectionTo(target);
    const client = await withTimeout(connection.ready, timeoutMs, () => new AttemptError('timeout', `no connection to the broker within the attempt timeout of ${timeoutMs} ms`));
    const remaining = Math.max(1, deadline - Date.now());
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        clearTimeout(timer);
        connection.pending.delete(fail);
        reject(err);
      };
      const timer = setTimeout(() => {
        fail(new AttemptError('timeout', `the broker did not acknowledge (PUBACK) within ${timeoutMs} ms`));
        // A broker that does not acknowledge may hold everything else on this connection: start over.
        this.drop(target, connection);
      }, remaining);
      connection.pending.add(fail);
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err) {
          fail(err);
          return;
        }
        clearTimeout(timer);
        connection.pending.delete(fail);
        resolve();
      });
    });
  }

  /** Disconnects every client; publishes still waiting fail. */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.connections.entries()];
    this.connections.clear();
    await Promise.all(
      all.map(async ([, connection]) => {
        connection.closed = true;
        for (const fail of [...connection.pending]) fail(new AttemptError('connection_reset', 'the worker is shutting down'));
        const client = connection.client ?? (await connection.ready.catch(() => undefined));
        await new Promise<void>((resolve) => (client ? client.end(true, {}, () => resolve()) : resolve()));
      }),
    );
  }

  /** How many brokers the pool holds a connection (or a connection attempt) to. */
  size(): number {
    return this.connections.size;
  }

  private connectionTo(target: BrokerTarget): Connection {
    const key = poolKey(target);
    const existing = this.connections.get(key);
    if (existing && !existing.closed) return existing;
    const connection: Connection = { pending: new Set(), closed: false, ready: Promise.resolve(undefined as never) };
    connection.ready = this.connect(target, connection);
    // A failed connection attempt is not reused: the next delivery tries again.
    connection.ready.catch(() => this.drop(target, connection));
    this.connections.set(key, connection);
    return connection;
  }

  private async connect(target: BrokerTarget, connection: Connection): Promise<MqttClient> {
    const broker = parseBrokerUrl(target.url);
    const address = this.options.guard ? await this.options.guard.resolve(broker.host) : broker.host;
    const client = mqtt.connect({
      protocol: broker.protocol,
      host: address,
      port: broker.port,
      ...(broker.protocol === 'mqtts' ? { servername: broker.host } : {}),
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      clientId: `${this.clientIdPrefix}-${randomBytes(4).toString('hex')}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: this.options.connectTimeoutMs,
      keepalive: 30,
    });
    connection.client = client;
    return new Promise<MqttClient>((resolve, reject) => {
      let connected = false;
      const timer = setTimeout(() => {
        reject(new AttemptError('connect_timeout', `no connection to the broker ${broker.host}:${broker.port} within ${this.options.connectTimeoutMs} ms`));
        client.end(true);
      }, this.options.connectTimeoutMs);
      client.on('connect', () => {
        connected = true;
        clearTimeout(timer);
        resolve(client);
      });
      // An EventEmitter without an 'error' listener throws: errors are reported through the promises instead.
      client.on('error', (err) => {
        this.options.logger.debug('mqtt client error', { broker: `${broker.host}:${broker.port}`, err: err.message });
        if (!connected) {
          clearTimeout(timer);
          reject(err);
          client.end(true);
        }
      });
      client.on('close', () => {
        clearTimeout(timer);
        if (!connected) reject(Object.assign(new Error('Connection closed before the broker acknowledged the connection'), { code: 'ECONNRESET' }));
        this.drop(target, connection);
      });
    });
  }

  /** Forgets a connection (closed, failed, or stuck) and fails what waits on it. */
  private drop(target: BrokerTarget, connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    const key = poolKey(target);
    if (this.connections.get(key) === connection) this.connections.delete(key);
    for (const fail of [...connection.pending]) fail(new AttemptError('connection_reset', 'the broker connection closed before it acknowledged the message'));
    connection.client?.end(true);
  }
}

/** One client per broker URL and credentials (the password only as a digest). */
function poolKey(target: BrokerTarget): string {
  const secret = target.password === undefined ? '' : createHash('sha256').update(target.password).digest('hex');
  return `${target.url}\u0000${target.username ?? ''}\u0000${secret}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(error()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
