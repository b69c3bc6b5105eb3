import type { Cluster } from 'ioredis';
import { SsekitError } from '@ssekit/core';
import { ClusterLayout } from './layout.js';

/** Options of {@link RedisClusterBus}. */
export interface RedisClusterBusOptions {
  /**
   * Your ioredis `Cluster`, used for `SPUBLISH` and for its slot map; the bus opens its own
   * subscriber connection per primary with the cluster's node options (auth and TLS carry
   * over) and never closes your client.
   */
  cluster: Cluster;
  /** Where each topic's channel lives: `<prefix>{<group>}:c:<topic>`, in its group's slot. */
  layout: ClusterLayout;
  /**
   * How long a topic stays subscribed after its last stream on this process ended, ms.
   * @default 1000
   */
  lingerMs?: number;
  /**
   * How long an `SSUBSCRIBE` may go unanswered, ms, before the bus reads the slot map again
   * and subscribes on the slot's owner (a node that lost the slot answers nothing ioredis can
   * match).
   * @default 1000
   */
  subscribeTimeoutMs?: number;
  /**
   * How long a publish may take, ms, before it fails with `SsekitError('unavailable')` (the
   * cluster client holds commands while a shard fails over).
   * @default 5000
   */
  commandTimeoutMs?: number;
  /** Told about subscriber connection errors and messages it cannot read. @default ignores them */
  onError?: (error: Error) => void;
}

/** The options with their defaults, checked. @internal */
export interface ClusterBusSettings {
  readonly cluster: Cluster;
  readonly layout: ClusterLayout;
  readonly lingerMs: number;
  readonly subscribeTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly onError: (error: Error) => void;
}

/**
 * Checks the options of a cluster bus and fills in the defaults.
 * @throws SsekitError `invalid_option` naming the option and what it takes.
 * @internal
 */
export function clusterBusSettings(options: RedisClusterBusOptions): ClusterBusSettings {
  const refuse = (message: string): never => {
    throw new SsekitError('invalid_option', `ssekit: ${message}`);
  };
  // Checked as JavaScript callers may give anything.
  const given = (options as Partial<RedisClusterBusOptions> | undefined) ?? {};
  const { cluster, layout, onError } = given;
  const candidate = cluster as Partial<Cluster> | null | undefined;
  const looksLikeCluster =
    typeof candidate?.spublish === 'function' &&
    typeof candidate.nodes === 'function' &&
    Array.isArray(candidate.slots);
  if (!looksLikeCluster) {
    refuse('the cluster bus needs `cluster`, an ioredis `Cluster` (new Cluster(nodes, options)).');
  }
  if (!(layout instanceof ClusterLayout)) {
    refuse('the cluster bus needs `layout`, the ClusterLayout of the backend it belongs to.');
  }
  const integer = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const chosen = value ?? fallback;
    if (!Number.isSafeInteger(chosen) || chosen < min) {
      refuse(`the cluster bus \`${name}\` must be an integer of ms, at least ${min}; got ${String(value)}.`);
    }
    return chosen;
  };
  if (onError !== undefined && typeof onError !== 'function') {
    refuse('the cluster bus `onError` must be a function, (error: Error) => void.');
  }
  return {
    cluster: cluster as Cluster,
    layout: layout as ClusterLayout,
    lingerMs: integer('lingerMs', given.lingerMs, 1000, 0),
    subscribeTimeoutMs: integer('subscribeTimeoutMs', given.subscribeTimeoutMs, 1000, 1),
    commandTimeoutMs: integer('commandTimeoutMs', given.commandTimeoutMs, 5000, 1),
    onError: onError ?? (() => undefined),
  };
}
