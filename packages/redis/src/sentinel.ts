import type { RedisOptions } from 'ioredis';
import { SsekitError } from '@ssekit/core';

/**
 * Where to find the Redis primary through Redis Sentinel. ssekit opens its connections to the
 * primary the sentinels name, and after a failover to the one they promote.
 */
export interface SentinelConnectionOptions {
  /** The sentinels' addresses; ioredis asks them in turn. At least one. */
  sentinels: readonly { readonly host: string; readonly port: number }[];
  /** The name the sentinels monitor the primary under (`sentinel monitor <name> ...`). */
  name: string;
  /**
   * More ioredis options for every connection ssekit opens: `username`, `password`, `tls`,
   * `sentinelPassword`, `enableTLSForSentinelMode`, `natMap`, `failoverDetector`... ssekit's own
   * fail-fast options (no offline queue, no retries of a command) take precedence over them.
   * @default none
   */
  redisOptions?: Omit<RedisOptions, 'sentinels' | 'name'>;
}

/**
 * Throws `invalid_option` unless the sentinel options name a primary and at least one sentinel.
 * @internal
 */
export function checkSentinelOptions(sentinel: SentinelConnectionOptions): void {
  const fix = 'give `sentinel: { sentinels: [{ host, port }, ...], name }`';
  if (!Array.isArray(sentinel.sentinels) || sentinel.sentinels.length === 0) {
    throw new SsekitError('invalid_option', `ssekit: \`sentinel.sentinels\` must list at least one sentinel; ${fix}.`);
  }
  for (const address of sentinel.sentinels) {
    const { host, port } = address as { host?: unknown; port?: unknown };
    if (
      typeof host !== 'string' ||
      host === '' ||
      !Number.isInteger(port) ||
      (port as number) < 1 ||
      (port as number) > 65535
    ) {
      throw new SsekitError(
        'invalid_option',
        `ssekit: every entry of \`sentinel.sentinels\` needs a \`host\` and a \`port\` from 1 to 65535; ${fix}.`,
      );
    }
  }
  if (typeof sentinel.name !== 'string' || sentinel.name === '') {
    throw new SsekitError(
      'invalid_option',
      `ssekit: \`sentinel.name\` must be the name the sentinels monitor the primary under; ${fix}.`,
    );
  }
}

/**
 * The ioredis options of a command connection to the primary behind `sentinel`.
 * @param owned - ssekit's fail-fast options for the connections it opens.
 * @internal
 */
export function sentinelClientOptions(sentinel: SentinelConnectionOptions, owned: RedisOptions): RedisOptions {
  return {
    // A primary demoted while this connection stayed up answers writes with READONLY: reconnect,
    // which asks the sentinels for the new primary. The command itself fails (it is not resent).
    reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 1 : false),
    ...sentinel.redisOptions,
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.name,
    ...owned,
  };
}
