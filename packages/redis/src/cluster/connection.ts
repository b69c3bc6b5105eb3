import { Cluster } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { SsekitError } from '@ssekit/core';
import { unavailable, withTimeout } from '../connection.js';

/** Where a Redis Cluster is: ssekit opens its own connections to it and closes them. */
export interface RedisClusterConnectionOptions {
  /**
   * Some of the cluster's nodes, as `host:port` or `{ host, port }`; ioredis learns the rest
   * (and which primary owns which slot) from them. At least one.
   */
  nodes: readonly (string | { readonly host: string; readonly port: number })[];
  /**
   * More ioredis options for every node connection: `username`, `password`, `tls`... ssekit's
   * fail-fast options (no offline queue, no retries of a command) take precedence over them.
   * @default none
   */
  redisOptions?: RedisOptions;
}

/** One node address from `host:port` or `{ host, port }`; `undefined` when it is neither. */
function addressOf(node: unknown): { host: string; port: number } | undefined {
  let host: unknown;
  let port: unknown;
  if (typeof node === 'string') {
    const colon = node.lastIndexOf(':');
    host = node.slice(0, colon).replace(/^\[|\]$/g, '');
    port = colon < 0 ? NaN : Number(node.slice(colon + 1));
  } else if (typeof node === 'object' && node !== null) {
    ({ host, port } = node as { host?: unknown; port?: unknown });
  }
  if (typeof host !== 'string' || host === '' || !Number.isInteger(port)) return undefined;
  if ((port as number) < 1 || (port as number) > 65535) return undefined;
  return { host, port: port as number };
}

/**
 * Throws `invalid_option` unless `cluster` lists at least one node address.
 * @internal
 */
export function clusterNodes(cluster: RedisClusterConnectionOptions): { host: string; port: number }[] {
  const fix = "give `cluster: { nodes: ['host:port', ...] }`";
  if (typeof cluster !== 'object' || !Array.isArray(cluster.nodes) || cluster.nodes.length === 0) {
    throw new SsekitError('invalid_option', `ssekit: \`cluster.nodes\` must list at least one node; ${fix}.`);
  }
  return cluster.nodes.map((node) => {
    const address = addressOf(node);
    if (address === undefined) {
      throw new SsekitError(
        'invalid_option',
        `ssekit: ${JSON.stringify(node)} in \`cluster.nodes\` is not a node address; ${fix}.`,
      );
    }
    return address;
  });
}

/**
 * The options of the `Cluster` client ssekit opens: fail fast while a shard is away (no offline
 * queue, a command in flight when a connection drops is rejected rather than sent again: an
 * append may have run), and follow a failover by itself (redirections, a refreshed slot map).
 */
function clusterOptions(redisOptions: RedisOptions | undefined): ClusterOptions {
  return {
    enableOfflineQueue: false,
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    clusterRetryStrategy: (times: number) => Math.min(times * 100, 1000),
    redisOptions: {
      ...redisOptions,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    },
  };
}

/**
 * The command client of a Redis Cluster and the rules every command goes through, as
 * `Connection` for one Redis: refuse while the cluster is unreachable, give up after
 * `commandTimeoutMs`, report failures as `unavailable`. @internal
 */
export class ClusterConnection {
  readonly client: Cluster;
  readonly timeoutMs: number;
  readonly onError: (error: Error) => void;
  #closed = false;
  #attempt: Promise<void> | undefined;

  constructor(cluster: RedisClusterConnectionOptions, timeoutMs: number, onError: (error: Error) => void) {
    this.timeoutMs = timeoutMs;
    this.onError = onError;
    this.client = new Cluster(clusterNodes(cluster), clusterOptions(cluster.redisOptions));
    this.client.on('error', (error: Error) => this.onError(error));
  }

  /** True once {@link ClusterConnection.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True while the client knows the cluster's slots and can send commands. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Runs `command` once the client is ready.
   * @throws SsekitError `unavailable` when the cluster cannot be reached or the command fails.
   */
  async run<T>(command: (client: Cluster) => Promise<T>): Promise<T> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the Redis backend is closed.');
    try {
      await this.whenReady();
      return await withTimeout(command(this.client), this.timeoutMs);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Settles once the client is ready; rejects after `timeoutMs` or when it gives up. */
  async whenReady(): Promise<void> {
    const client = this.client;
    if (client.status === 'ready') return;
    if (client.status === 'wait') void client.connect().catch(() => undefined);
    if (client.status === 'end' || client.status === 'close') throw new Error(`the connection is ${client.status}`);
    // One attempt shared by every caller, so an outage adds one listener, not one per command.
    this.#attempt ??= new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        client.off('ready', settle);
        client.off('end', settle);
        this.#attempt = undefined;
        if (client.status === 'ready') resolve();
        else reject(new Error(`the connection is ${client.status}`));
      };
      client.on('ready', settle);
      client.on('end', settle);
    });
    await withTimeout(this.#attempt, this.timeoutMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.client.status === 'ready') await withTimeout(this.client.quit(), 1000);
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }
}
