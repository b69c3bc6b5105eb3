import type { Redis } from 'ioredis';
import { SsekitError } from '@ssekit/core';
import { unavailable, withTimeout } from '../connection.js';
import { ReplicaAcks } from '../replica-acks.js';
import type { AcksConnection, ReplicaAcksOptions } from '../replica-acks.js';
import type { ClusterConnection } from './connection.js';
import { backoff, refreshSlots, sleep } from './topology.js';

/**
 * Answers by which a node refuses a command before running it: the slot is served elsewhere
 * (`MOVED`, with the new owner's address), is moving (`ASK`, `TRYAGAIN`), or is not served now.
 */
const REFUSED = /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN)\b(?: \d+ (\S+))?/;

/** A write sent for {@link ClusterReplicaAcks}, and how to wait for its replicas. @internal */
export interface AcknowledgedWrite<T> {
  readonly reply: T;
  /**
   * Resolves once enough replicas hold the write (one group-committed `WAIT` per node).
   * @throws SsekitError `unavailable` when too few acknowledged in time.
   */
  readonly confirm: () => Promise<void>;
}

/**
 * `replicaAcks` on a Redis Cluster. `WAIT` counts the writes of its own connection, so a write
 * and its `WAIT` go to the primary owning the slot on that node's own connection (the one the
 * `Cluster` client keeps for it), not through the `Cluster` client, which may send them to
 * different nodes or retry one of them elsewhere. Each node connection gets its own group commit
 * ({@link ReplicaAcks}), so a stalled replica slows and fails only its own shard. @internal
 */
export class ClusterReplicaAcks {
  readonly #options: ReplicaAcksOptions;
  readonly #connection: ClusterConnection;
  /** Per node connection; the `Cluster` client replaces a node's connection once it ends. */
  readonly #nodes = new Map<Redis, ReplicaAcks>();

  constructor(options: ReplicaAcksOptions, connection: ClusterConnection) {
    this.#options = options;
    this.#connection = connection;
  }

  /**
   * Runs `command` (one write) on the primary owning `slot`. A refusal that says it did not run
   * (`MOVED`, `ASK`, `CLUSTERDOWN`, `TRYAGAIN`) is retried on the owner named or found, until
   * `commandTimeoutMs` has passed.
   * @throws SsekitError `unavailable` when no owner took it in time, or the connection was lost
   * or gave no answer (the write may then have run).
   */
  async write<T>(slot: number, command: (node: Redis) => Promise<T>): Promise<AcknowledgedWrite<T>> {
    const cluster = this.#connection.client;
    const deadline = Date.now() + this.#connection.timeoutMs;
    let owner: string | undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.#connection.closed) throw new SsekitError('closed', 'ssekit: the Redis backend is closed.');
      try {
        await this.#connection.whenReady();
      } catch (err) {
        throw unavailable(err);
      }
      const node = this.#node(owner ?? cluster.slots[slot]?.[0]);
      owner = undefined;
      if (node !== undefined) {
        const acks = this.#acksOf(node);
        const generation = acks.generation;
        try {
          const reply = await withTimeout(command(node), Math.max(1, deadline - Date.now()));
          return { reply, confirm: () => acks.confirm(generation) };
        } catch (err) {
          const refused = err instanceof Error ? REFUSED.exec(err.message) : null;
          if (refused === null) throw this.#failed(err);
          if (Date.now() >= deadline) throw unavailable(err);
          owner = refused[1] === 'MOVED' ? refused[2] : undefined;
        }
      }
      if (Date.now() >= deadline) throw unavailable(new Error(`no primary served slot ${String(slot)}`));
      if (owner === undefined) {
        await refreshSlots(cluster, Math.max(1, deadline - Date.now()));
        await sleep(Math.min(backoff(attempt), Math.max(0, deadline - Date.now())));
      }
    }
  }

  /** Stops following the node connections. */
  close(): void {
    for (const acks of this.#nodes.values()) acks.close();
    this.#nodes.clear();
  }

  /** The `Cluster` client's connection to the primary at `address` (`host:port`), if it has one. */
  #node(address: string | undefined): Redis | undefined {
    if (address === undefined) return undefined;
    return this.#connection.client
      .nodes('master')
      .find(
        (node) => node.status !== 'end' && `${node.options.host ?? ''}:${String(node.options.port ?? 0)}` === address,
      );
  }

  #acksOf(node: Redis): ReplicaAcks {
    let acks = this.#nodes.get(node);
    if (acks === undefined) {
      const timeoutMs = this.#connection.timeoutMs;
      const connection: AcksConnection = {
        client: node,
        run: async (command) => {
          try {
            return await withTimeout(command(node), timeoutMs);
          } catch (err) {
            throw unavailable(err);
          }
        },
      };
      const created = new ReplicaAcks(this.#options, connection);
      acks = created;
      this.#nodes.set(node, created);
      node.once('end', () => {
        created.close();
        this.#nodes.delete(node);
      });
    }
    return acks;
  }

  /** A failure other than a refusal: an answer from Redis, or none (the write may have run). */
  #failed(err: unknown): SsekitError {
    if (err instanceof SsekitError) return err;
    if (err instanceof Error && err.name === 'ReplyError') return unavailable(err);
    // The owner may have changed: learn the slot map again for the next write.
    void refreshSlots(this.#connection.client, this.#connection.timeoutMs);
    return new SsekitError(
      'unavailable',
      'ssekit: the connection to the Redis Cluster primary was lost or did not answer in time while appending (replicaAcks); the event may or may not have been stored, and may have been delivered. Retry later.',
      { cause: err },
    );
  }
}
