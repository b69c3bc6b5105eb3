import { SsekitError } from '../errors.js';
import type { Ticker } from '../stream/ticker.js';
import type { Bus } from '../store/bus.js';
import type { ReplayStore } from '../store/replay-store.js';
import type { SlowClientPolicy } from '../stream/stream-types.js';
import type { FormatOptions } from '../wire/encoder.js';
import type { HubHooks } from './hooks.js';

/** Options of {@link createHub}. */
export interface HubOptions {
  /** History and ids. @default a {@link MemoryReplayStore} of `replaySize` per topic */
  store?: ReplayStore;
  /** Events per topic the default memory store keeps. @default 1000 */
  replaySize?: number;
  /**
   * How long the default memory store keeps a topic's history (and its completion) after its
   * last publish, ms; `0` keeps it for good.
   * @default completed topics one hour, open topics for good
   */
  topicTtlMs?: number;
  /** Most topics the default memory store keeps (least recently published forgotten first). @default 10000 */
  maxTopics?: number;
  /** Fan-out between processes. @default a {@link MemoryBus} (this process only) */
  bus?: Bus;
  /** The `retry:` hint every stream starts with, in ms; `undefined` sends none. @default 3000 */
  retry?: number;
  /** Comment interval for streams that were idle that long, ms; 0 turns it off. @default 15000 */
  heartbeatMs?: number;
  /** The heartbeat comment's text. @default '' (a bare `:` line) */
  heartbeatComment?: string;
  /**
   * A stream whose transport has not drained for this long (half-open TCP, a stalled proxy) is
   * evicted; 0 turns it off.
   * @default 30000
   */
  writeTimeoutMs?: number;
  /** Bytes held per slow client beyond the transport's own buffer. @default 1048576 */
  maxBufferedBytes?: number;
  /** What happens past that budget. @default 'disconnect' */
  slowClientPolicy?: SlowClientPolicy;
  /** How non-string `data` becomes text. @default JSON.stringify */
  serialize?: FormatOptions['serialize'];
  /** Lifecycle callbacks for logs and metrics. @default none */
  hooks?: HubHooks;
  /**
   * Open streams the hub accepts; `subscribe` past it throws `too_many_connections`.
   * @default Infinity
   */
  maxConnections?: number;
  /** Open streams per `clientKey`. @default Infinity */
  maxConnectionsPerClient?: number;
  /**
   * Streams end (reason `'lifetime'`) after this long, so long-lived connections rotate across
   * servers and authorization is checked again on reconnect; 0 for never.
   * @default 0
   */
  maxLifetimeMs?: number;
  /**
   * Each stream's lifetime is shortened by a random fraction up to this, so streams opened
   * together do not all reconnect together.
   * @default 0.1
   */
  lifetimeJitter?: number;
  /**
   * The longest a queued event may wait so that several go out in one write, ms. `0` (the
   * default) adapts: an idle hub writes each event at once; under load (publishes arriving
   * faster than one pass over every socket takes), the events that queue meanwhile leave
   * together, one write per socket. A positive value always waits that long after the first
   * event, for fewer writes at the cost of latency.
   * @default 0
   */
  flushIntervalMs?: number;
  /**
   * Most topics one stream may subscribe to; a request for more is refused with `invalid_topic`
   * (400). Each topic costs the hub a set entry and a resume a store read.
   * @default 64
   */
  maxTopicsPerStream?: number;
  /**
   * Most events one resume may replay; past it the client gets `ssekit-reset` (reason
   * `'too_large'`) and live events, instead of a history that would hold the server up.
   * @default 10000
   */
  maxReplayEvents?: number;
  /**
   * Most event text one resume may replay, in characters; past it, as for `maxReplayEvents`.
   * @default 16777216 (16 Mi)
   */
  maxReplayBytes?: number;
}

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
