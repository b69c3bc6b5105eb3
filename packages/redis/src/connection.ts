import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { SsekitError } from '@ssekit/core';
import { checkSentinelOptions, sentinelClientOptions } from './sentinel.js';
import type { SentinelConnectionOptions } from './sentinel.js';

/** Where the Redis connections come from; shared by every factory of this package. */
export interface RedisConnectionOptions {
  /**
   * Your ioredis client, used as is for commands; ssekit duplicates it for its subscriber
   * connection (closing that one itself) and never closes yours. Give it
   * `enableOfflineQueue: false` and `maxRetriesPerRequest: 0`, so a command during an outage
   * fails at once instead of waiting for Redis (or being sent twice after a reconnect).
   * Exactly one of `client`, `url` and `sentinel` is required (or, for `createRedisBackend`,
   * `cluster`). A client made with ioredis's
   * `sentinels` and `name` options works as is: the duplicate follows the sentinels too.
   */
  client?: Redis;
  /**
   * A `redis://` or `rediss://` URL: ssekit opens its connections with the options above,
   * reconnects forever (at most 1 s apart) and closes them on `close()`.
   */
  url?: string;
  /**
   * Redis behind Sentinel: ssekit opens its connections to the primary the sentinels name, as
   * for `url`, and after a failover reconnects to the one they promote (streams then end and
   * resume from the store, as after any outage).
   */
  sentinel?: SentinelConnectionOptions;
  /**
   * How long one Redis command may take, in ms, before the call fails with
   * `SsekitError('unavailable')` (a half-open TCP connection would otherwise hang it).
   * @default 5000
   */
  commandTimeoutMs?: number;
  /**
   * Told about connection errors of the connections ssekit opened and about messages on the
   * bus channel it cannot read. Outages also surface as rejected publishes.
   * @default ignores them
   */
  onError?: (error: Error) => void;
}

/** Options of the command connections this package opens from a URL. */
export const OWNED_COMMAND_OPTIONS: RedisOptions = {
  // Fail fast while Redis is away: no offline queue, and a command in flight when the
  // connection drops is rejected at once rather than resent (it may have run already).
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (times: number) => Math.min(times * 100, 1000),
};

/**
 * A command connection plus the rules every command goes through: refuse at once while the
 * connection is down, give up after `commandTimeoutMs`, report failures as `unavailable`.
 * @internal
 */
export class Connection {
  readonly client: Redis;
  readonly owned: boolean;
  readonly timeoutMs: number;
  readonly onError: (error: Error) => void;
  #closed = false;
  /** The connection attempt callers wait for, shared so they add one listener in all. */
  #attempt: Promise<void> | undefined;

  constructor(options: RedisConnectionOptions, what: string) {
    const sources = [options.client, options.url, options.sentinel].filter((source) => source !== undefined);
    if ('cluster' in options && (options as { cluster?: unknown }).cluster !== undefined) {
      throw new SsekitError(
        'invalid_option',
        `ssekit: ${what} does not take \`cluster\`: on a Redis Cluster the store and the bus work as one, so use createRedisBackend({ cluster }).`,
      );
    }
    if (sources.length !== 1) {
      throw new SsekitError(
        'invalid_option',
        `ssekit: ${what} needs exactly one of \`client\`, \`url\` and \`sentinel\`.`,
      );
    }
    if (options.sentinel !== undefined) checkSentinelOptions(options.sentinel);
    const timeoutMs = options.commandTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
      throw new SsekitError('invalid_option', 'ssekit: `commandTimeoutMs` must be a positive integer of ms.');
    }
    this.timeoutMs = timeoutMs;
    this.onError = options.onError ?? (() => undefined);
    if (options.client !== undefined) {
      this.client = options.client;
      this.owned = false;
    } else {
      this.client =
        options.sentinel === undefined
          ? new Redis(options.url as string, OWNED_COMMAND_OPTIONS)
          : new Redis(sentinelClientOptions(options.sentinel, OWNED_COMMAND_OPTIONS));
      this.owned = true;
      this.client.on('error', (error: Error) => this.onError(error));
    }
  }

  /**
   * Runs `command` once the connection is ready.
   * @throws SsekitError `unavailable` when Redis cannot be reached or the command fails.
   */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the Redis backend is closed.');
    try {
      await this.#ready();
      return await withTimeout(command(this.client), this.timeoutMs);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Closes the client when this package opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.owned) await quit(this.client);
  }

  async #ready(): Promise<void> {
    const client = this.client;
    if (client.status === 'ready') return;
    if (client.status === 'wait') void client.connect().catch(() => undefined);
    // Only a connection attempt in progress is worth waiting for (it ends within ms when Redis
    // is down); a client between attempts means Redis is away now.
    if (client.status !== 'wait' && client.status !== 'connecting' && client.status !== 'connect') {
      throw new Error(`the connection is ${client.status}`);
    }
    this.#attempt ??= new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        client.off('ready', settle);
        client.off('close', settle);
        client.off('end', settle);
        this.#attempt = undefined;
        if (client.status === 'ready') resolve();
        else reject(new Error(`the connection is ${client.status}`));
      };
      client.on('ready', settle);
      client.on('close', settle);
      client.on('end', settle);
    });
    await withTimeout(this.#attempt, this.timeoutMs);
  }
}

/** Wraps any failure of a Redis call as `SsekitError('unavailable')`. */
export function unavailable(err: unknown): SsekitError {
  if (err instanceof SsekitError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  // The detail (an address, a server message) stays in `cause`: the message may reach a client.
  return new SsekitError('unavailable', `ssekit: Redis is unreachable (${kindOf(detail)}); retry later.`, {
    cause: err,
  });
}

/**
 * Settles as `promise` does, or rejects when it has not settled within `ms`. @internal
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/** Closes a connection: politely when it is up, at once otherwise. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await withTimeout(client.quit(), 1000);
      return;
    } catch {
      // Fall through: the connection went away while quitting.
    }
  }
  client.disconnect();
}

/** What kind of failure a Redis error is, in words safe to show a client (no address, no data). */
function kindOf(detail: string): string {
  if (/timed? ?out/i.test(detail)) return 'a command timed out';
  if (/ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|closed|connection is/i.test(detail)) return 'no connection';
  return 'a command failed';
}
