import { SsekitError } from '@ssekit/core';
import type { Redis } from 'ioredis';

/**
 * How many replicas must have an appended event before its publish resolves; see
 * `RedisReplayStoreOptions.replicaAcks`.
 */
export interface ReplicaAcksOptions {
  /** Replicas that must acknowledge the write (`WAIT` numreplicas). At least 1. */
  replicas: number;
  /** How long to wait for them, in ms (`WAIT` timeout); positive and below `commandTimeoutMs`. */
  timeoutMs: number;
}

/**
 * What {@link ReplicaAcks} needs of a connection: the client whose writes `WAIT` counts (its
 * `close` tells that older writes can no longer be confirmed), and a way to run a command on it
 * that fails as `SsekitError('unavailable')`. `Connection` is one; a cluster node is another.
 * @internal
 */
export interface AcksConnection {
  readonly client: Redis;
  run<T>(command: (client: Redis) => Promise<T>): Promise<T>;
}

/**
 * Waits for replicas after appends, a group commit: `WAIT` counts every write made before it on
 * its connection, so the appends whose scripts came back in the same turn of the event loop share
 * one `WAIT`, sent on the same command connection right after them. A `WAIT` blocks that
 * connection until it returns; one per batch keeps that cost to one replica round trip.
 * @internal
 */
export class ReplicaAcks {
  readonly #replicas: number;
  readonly #timeoutMs: number;
  readonly #connection: AcksConnection;
  /** Counts the connection's closes: a `WAIT` on a newer connection says nothing of older writes. */
  #generation = 0;
  /** The next `WAIT`, not sent yet; settles with the generation it was answered on. */
  #pending: Promise<number> | undefined;
  readonly #onClose = (): void => {
    this.#generation++;
  };

  constructor(options: ReplicaAcksOptions, connection: AcksConnection) {
    this.#replicas = options.replicas;
    this.#timeoutMs = options.timeoutMs;
    this.#connection = connection;
    connection.client.on('close', this.#onClose);
  }

  /** Take it before sending a write, and hand it to {@link ReplicaAcks.confirm} after. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Resolves once enough replicas hold every write sent before now on the connection.
   * @param generation - {@link ReplicaAcks.generation} from before the write was sent.
   * @throws SsekitError `unavailable` when fewer replicas acknowledged in time, or the connection
   * changed since the write (its replicas cannot be asked any more).
   */
  async confirm(generation: number): Promise<void> {
    if (generation !== this.#generation) throw connectionChanged();
    this.#pending ??= this.#schedule();
    if ((await this.#pending) !== generation) throw connectionChanged();
  }

  /** Stops following the connection. */
  close(): void {
    this.#connection.client.off('close', this.#onClose);
  }

  #schedule(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      // The next turn of the event loop: script replies that arrived together join this batch.
      setImmediate(() => {
        this.#pending = undefined;
        const generation = this.#generation;
        this.#connection
          .run((client) => client.wait(this.#replicas, this.#timeoutMs))
          .then((acknowledged) => {
            if (generation !== this.#generation) throw connectionChanged();
            if (acknowledged < this.#replicas) throw this.#short(acknowledged);
            return generation;
          })
          .then(resolve, reject);
      });
    });
  }

  #short(acknowledged: number): SsekitError {
    return new SsekitError(
      'unavailable',
      `ssekit: the event was stored on the Redis primary, but only ${acknowledged} of ${this.#replicas} replicas acknowledged it within ${this.#timeoutMs} ms (replicaAcks), so a failover may lose it; it may also have been delivered already. Retry when the replicas are back.`,
    );
  }
}

function connectionChanged(): SsekitError {
  return new SsekitError(
    'unavailable',
    'ssekit: the Redis connection changed before replicas acknowledged the event (replicaAcks); it may or may not have been stored. Retry later.',
  );
}

/**
 * Throws `invalid_option` for a `replicaAcks` the store cannot honour, naming the fix.
 * @internal
 */
export function checkReplicaAcks(option: ReplicaAcksOptions | undefined, commandTimeoutMs: number): void {
  if (option === undefined) return;
  const example = 'e.g. `replicaAcks: { replicas: 1, timeoutMs: 500 }`';
  // JavaScript callers may pass anything.
  if (typeof option !== 'object' || (option as unknown) === null) {
    throw new SsekitError('invalid_option', `ssekit: \`replicaAcks\` must be an object, ${example}.`);
  }
  if (!Number.isSafeInteger(option.replicas) || option.replicas < 1) {
    throw new SsekitError(
      'invalid_option',
      `ssekit: \`replicaAcks.replicas\` must be an integer of at least 1 (omit \`replicaAcks\` to not wait), ${example}.`,
    );
  }
  if (!Number.isSafeInteger(option.timeoutMs) || option.timeoutMs < 1 || option.timeoutMs >= commandTimeoutMs) {
    throw new SsekitError(
      'invalid_option',
      `ssekit: \`replicaAcks.timeoutMs\` must be a positive integer of ms below \`commandTimeoutMs\` (${commandTimeoutMs}), ${example}.`,
    );
  }
}
