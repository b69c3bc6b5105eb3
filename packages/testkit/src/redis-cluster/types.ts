/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /**
   * How many primaries (Redis Cluster needs at least 3); each gets one replica.
   * @default 3
   */
  primaries?: number;
  /**
   * `--appendonly yes` on every node, so a node restarted by `start(port)` keeps its data.
   * @default false
   */
  appendonly?: boolean;
  /**
   * `cluster-node-timeout`: how long a node may be unreachable before it is failed over. Small,
   * so a test's failover takes a second or two.
   * @default 1000
   */
  nodeTimeoutMs?: number;
}

/** One shard of the cluster as its nodes see it now. */
export interface ClusterShard {
  /** The primary's port. */
  readonly primary: number;
  /** Its replicas' ports (live or not). */
  readonly replicas: readonly number[];
  /** Its slot ranges, `[first, last]` inclusive. */
  readonly slots: readonly (readonly [number, number])[];
}

/** A private Redis Cluster started by {@link startRedisCluster}. */
export interface RunningRedisCluster {
  /** Every node's address, for `new Cluster(nodes)` (ioredis) or any client's startup list. */
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** Every node as `redis://127.0.0.1:PORT`. */
  readonly urls: readonly string[];
  /** The temporary directory holding one folder per node. */
  readonly dir: string;
  /** The shards as a live node reports them (`CLUSTER NODES`), ordered by first slot. */
  shards(): Promise<ClusterShard[]>;
  /** The port of the primary serving `key`'s slot now (`CLUSTER KEYSLOT`, hash tags included). */
  primaryFor(key: string): Promise<number>;
  /** The PID of the node on `port`, `undefined` while it is not running. */
  pid(port: number): number | undefined;
  /**
   * Kills the primary on `port` (SIGKILL to its process), then waits until one of its replicas
   * serves its slots and every live node reports the cluster `ok` and every slot served.
   * @returns the promoted replica's port.
   */
  killPrimary(port: number): Promise<number>;
  /** Kills the node on `port` (SIGKILL) and returns at once: no waiting for a failover. */
  kill(port: number): Promise<void>;
  /**
   * Starts the node on `port` again with its node file (it rejoins; a former primary comes back
   * as a replica of its successor, or as the primary of its slots when nobody took over), and
   * waits until the cluster is healthy again.
   */
  start(port: number): Promise<void>;
  /** Resolves once every live node says the cluster is healthy (as after start). */
  healthy(timeoutMs?: number): Promise<void>;
  /** Ends exactly the processes this cluster started and removes its directory. */
  stop(): Promise<void>;
  /** What every node (and `redis-cli --cluster create`) printed, for failure messages. */
  output(): string;
}
