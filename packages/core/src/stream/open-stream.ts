import { SsekitError } from '../errors.js';
import { openingBytes } from '../wire/frames.js';
import { closeOnAbort } from './close-on-abort.js';
import type { Sink } from './sink.js';
import { SseStream } from './stream.js';
import type { StreamOptions, StreamOwner } from './stream-types.js';
import { Ticker } from './ticker.js';

/** Options of {@link openStream}. */
export interface OpenStreamOptions extends StreamOptions {
  /** The `retry:` hint written first, in ms; `undefined` sends none. @default undefined */
  retry?: number;
  /** Comment interval on idle streams, ms; 0 turns it off. @default 15000 */
  heartbeatMs?: number;
  /** A transport that has not drained for this long ends the stream; 0 turns it off. @default 30000 */
  writeTimeoutMs?: number;
  /** Aborting it ends the stream with reason `'client'` (e.g. a Fetch `request.signal`). */
  signal?: AbortSignal;
}

/** Every key of {@link OpenStreamOptions}. @internal */
export const OPEN_STREAM_OPTION_KEYS: readonly string[] = [
  'retry',
  'heartbeatMs',
  'writeTimeoutMs',
  'signal',
  'maxBufferedBytes',
  'slowClientPolicy',
  'serialize',
] satisfies readonly (keyof OpenStreamOptions)[];

/**
 * Checks the options of a hand-driven stream, so an adapter can refuse them when its middleware
 * is made (and `openStream` before anything is written): every key known (the stream's and the
 * adapter's own), every value of the right type and range.
 * @param options - what the user passed.
 * @param factory - how the user called it, for messages.
 * @param ownKeys - the adapter's own option names (it checks their values).
 * @throws SsekitError `invalid_option`, naming the option and the fix.
 */
export function assertOpenStreamOptions(options: unknown, factory: string, ownKeys: readonly string[] = []): void {
  const fail = (message: string): never => {
    throw new SsekitError('invalid_option', `ssekit: ${factory}: ${message}`);
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options must be an object.');
  const given = options as Record<string, unknown>;
  const known = [...OPEN_STREAM_OPTION_KEYS, ...ownKeys];
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) fail(`unknown option \`${key}\`; it takes ${known.map((k) => `\`${k}\``).join(', ')}.`);
  }
  for (const name of ['retry', 'heartbeatMs', 'writeTimeoutMs'] as const) {
    const value = given[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)) {
      fail(
        `\`${name}\` must be a non-negative integer of milliseconds; got ${typeof value === 'number' ? value : typeof value}.`,
      );
    }
  }
  const budget = given.maxBufferedBytes;
  if (budget !== undefined && !(typeof budget === 'number' && budget > 0)) {
    fail('`maxBufferedBytes` must be a positive number of bytes.');
  }
  const policy = given.slowClientPolicy;
  if (policy !== undefined && policy !== 'disconnect' && policy !== 'drop-oldest') {
    fail("`slowClientPolicy` must be 'disconnect' or 'drop-oldest'.");
  }
  if (given.serialize !== undefined && typeof given.serialize !== 'function') fail('`serialize` must be a function.');
  const signal = given.signal as { aborted?: unknown } | null | undefined;
  if (signal !== undefined && typeof signal?.aborted !== 'boolean') fail('`signal` must be an AbortSignal.');
}

// Hand-driven streams with the same timing share one ticker (and one owner), as a hub's do.
const owners = new Map<string, StreamOwner>();

function ownerFor(heartbeatMs: number, writeTimeoutMs: number): StreamOwner {
  const key = `${heartbeatMs}/${writeTimeoutMs}`;
  let owner = owners.get(key);
  if (owner === undefined) {
    const ticker = new Ticker({ intervalMs: heartbeatMs, writeTimeoutMs, comment: '' });
    owner = {
      ticker,
      dropped: () => undefined,
      queued: () => undefined,
      ended: (stream) => {
        ticker.delete(stream);
      },
    };
    owners.set(key, owner);
  }
  return owner;
}

/**
 * Opens one hand-driven stream on a sink, without a hub: the application calls `send()` and
 * `close()`, and gets the same bounded backlog, heartbeats, write deadline and single cleanup
 * path as a hub's subscribers. Adapters wrap this (`openStream(req, res)` in `@ssekit/node`).
 *
 * @example
 * ```ts
 * const stream = openStream(sink, { retry: 3000 });
 * const timer = setInterval(() => stream.send({ data: new Date().toISOString() }), 1000);
 * stream.signal.addEventListener('abort', () => clearInterval(timer));
 * ```
 *
 * @param sink - where the bytes go.
 * @param options - retry hint, heartbeat, budget and policy.
 * @returns the stream; its `signal` aborts when it ends for any reason.
 * @throws SsekitError `invalid_option` for a bad option.
 */
export function openStream<TEvents extends object = Record<string, unknown>>(
  sink: Sink,
  options: OpenStreamOptions = {},
): SseStream<TEvents> {
  assertOpenStreamOptions(options, 'openStream()');
  const owner = ownerFor(options.heartbeatMs ?? 15_000, options.writeTimeoutMs ?? 30_000);
  const stream = new SseStream<TEvents>(sink, options, owner);
  owner.ticker.add(stream);
  if (options.retry !== undefined) stream.enqueue(openingBytes(options.retry));
  stream.flush();
  closeOnAbort(stream, options.signal);
  return stream;
}
