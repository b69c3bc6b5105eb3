import { SsekitError } from '../errors.js';
import type { Ticker } from '../stream/ticker.js';
import type { HubOptions } from './hub-types.js';

function nonNegativeInteger(options: HubOptions, name: keyof HubOptions): void {
  const value = options[name];
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)) {
    throw new SsekitError('invalid_option', `ssekit: \`${name}\` must be a non-negative integer.`);
  }
}

/** Every key of {@link HubOptions}, for the check of unknown keys. */
const HUB_OPTION_KEYS: readonly string[] = [
  'store',
  'replaySize',
  'topicTtlMs',
  'maxTopics',
  'bus',
  'retry',
  'heartbeatMs',
  'heartbeatComment',
  'writeTimeoutMs',
  'maxBufferedBytes',
  'slowClientPolicy',
  'serialize',
  'hooks',
  'maxConnections',
  'maxConnectionsPerClient',
  'maxLifetimeMs',
  'lifetimeJitter',
  'maxTopicsPerStream',
  'maxReplayEvents',
  'maxReplayBytes',
  'flushIntervalMs',
] satisfies readonly (keyof HubOptions)[];

/**
 * Throws `invalid_option` for an unknown key or an option out of range, when the hub is created.
 * @internal
 */
export function assertHubOptions(options: HubOptions): void {
  for (const key of Object.keys(options)) {
    if (!HUB_OPTION_KEYS.includes(key)) {
      throw new SsekitError(
        'invalid_option',
        `ssekit: createHub(): unknown option \`${key}\`; it takes ${HUB_OPTION_KEYS.map((k) => `\`${k}\``).join(', ')}.`,
      );
    }
  }
  for (const name of [
    'retry',
    'heartbeatMs',
    'writeTimeoutMs',
    'replaySize',
    'maxLifetimeMs',
    'topicTtlMs',
    'flushIntervalMs',
  ] as const) {
    nonNegativeInteger(options, name);
  }
  for (const name of ['maxTopics', 'maxTopicsPerStream', 'maxReplayEvents', 'maxReplayBytes'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) {
      throw new SsekitError('invalid_option', `ssekit: \`${name}\` must be a positive integer.`);
    }
  }
  const policy = options.slowClientPolicy as string | undefined;
  if (policy !== undefined && policy !== 'disconnect' && policy !== 'drop-oldest') {
    throw new SsekitError('invalid_option', "ssekit: `slowClientPolicy` must be 'disconnect' or 'drop-oldest'.");
  }
  for (const name of ['maxBufferedBytes', 'maxConnections', 'maxConnectionsPerClient'] as const) {
    const value = options[name];
    if (value !== undefined && !(value > 0)) {
      throw new SsekitError('invalid_option', `ssekit: \`${name}\` must be a positive number.`);
    }
  }
  const jitter = options.lifetimeJitter;
  if (jitter !== undefined && !(jitter >= 0 && jitter < 1)) {
    throw new SsekitError('invalid_option', 'ssekit: `lifetimeJitter` must be a fraction from 0 to below 1.');
  }
}

/** Topics per stream, events and characters per resume, a stream's lifetime and its jitter. @internal */
export interface HubLimits {
  topics: number;
  replayEvents: number;
  replayBytes: number;
  lifetimeMs: number;
  jitter: number;
}

/** The limits `options` set, with their defaults. @internal */
export function hubLimits(options: HubOptions): HubLimits {
  return {
    topics: options.maxTopicsPerStream ?? 64,
    replayEvents: options.maxReplayEvents ?? 10_000,
    replayBytes: options.maxReplayBytes ?? 16 * 1024 * 1024,
    lifetimeMs: options.maxLifetimeMs ?? 0,
    jitter: options.lifetimeJitter ?? 0.1,
  };
}

/** The tick at which a stream opened now has lived its (jittered) lifetime; 0 for none. @internal */
export function lifetimeEnd(limits: HubLimits, ticker: Ticker): number {
  if (limits.lifetimeMs <= 0) return 0;
  const lifetime = limits.lifetimeMs * (1 - limits.jitter * Math.random());
  return ticker.value + Math.max(1, Math.round(lifetime / ticker.tickMs));
}
