import { MAX_DELAY } from './delays.js';
import { fail } from './errors.js';
import type { SsekitClientError } from './errors.js';
import type { SubscribeOptions } from './types.js';

/** The `'json'` parse: the data as JSON, or as its text when it is not JSON. @internal */
export const json = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
};

const oneOf = (value: unknown, allowed: readonly unknown[]): boolean => allowed.includes(value);

const invalid = (name: string, expected: string): SsekitClientError =>
  fail('invalid_option', `\`${name}\` must be ${expected}.`);

/** What `subscribe` runs with: its options checked, with their defaults. @internal */
export interface CheckedOptions extends Pick<
  SubscribeOptions,
  'body' | 'headers' | 'credentials' | 'signal' | 'onState' | 'onError'
> {
  readonly maxRetryMs: number;
  readonly inactivityMs: number;
  readonly fetcher: typeof fetch;
  readonly method: string;
  /** True when the resume point goes in the query (`?lastEventId=`), not the header. */
  readonly query: boolean;
  /** The reconnection time until the server sends its own. */
  readonly retry: number;
  readonly target: URL;
  readonly decode: (raw: string, type: string) => unknown;
}

/**
 * `subscribe`'s options with their defaults, checked before anything is requested.
 * @throws SsekitClientError `invalid_option` for a bad option.
 * @internal
 */
export function checkOptions(url: string | URL, options: SubscribeOptions): CheckedOptions {
  const {
    parse = 'json',
    body,
    headers,
    credentials,
    signal,
    onState,
    onError,
    maxRetryMs = 30_000,
    inactivityMs = 45_000,
    fetch: fetcher = globalThis.fetch,
  } = options;
  const method = options.method ?? (body == null ? 'GET' : 'POST');
  const query = options.sendLastEventId === 'query';
  const retry = options.retry ?? 3000;
  let target: URL;
  let checking = 'url';
  try {
    // Relative URLs resolve against the page (or worker) location, as fetch would.
    target = new URL(url, (globalThis as { location?: Location }).location?.href);
    checking = 'headers';
    if (typeof headers !== 'function') new Headers(headers);
  } catch {
    throw invalid(checking, 'valid for fetch');
  }
  for (const name of ['retry', 'maxRetryMs', 'inactivityMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= MAX_DELAY)) {
      throw invalid(name, 'a number of ms from 0 to 2^31 - 1');
    }
  }
  // Checked as untyped values: JavaScript callers get the same loud failure.
  if (!oneOf(parse, ['json', 'text']) && typeof parse !== 'function') {
    throw invalid('parse', "'json', 'text' or a function");
  }
  if (!oneOf(options.sendLastEventId, [undefined, 'header', 'query'])) {
    throw invalid('sendLastEventId', "'header' or 'query'");
  }
  if (typeof fetcher !== 'function') throw invalid('fetch', 'a function (this runtime has no global fetch)');
  if (body instanceof ReadableStream) throw invalid('body', 'resendable (text, bytes, Blob, FormData), not a stream');
  if (body != null && /^(GET|HEAD)$/i.test(method)) throw invalid('method', 'one that takes a body, e.g. POST');
  if (/[\r\n\0]/.test(options.lastEventId ?? '')) throw invalid('lastEventId', 'free of CR, LF and NUL');
  const decode = parse === 'json' ? json : parse === 'text' ? (raw: string) => raw : parse;
  return {
    body,
    headers,
    credentials,
    signal,
    onState,
    onError,
    maxRetryMs,
    inactivityMs,
    fetcher,
    method,
    query,
    retry,
    target,
    decode,
  };
}
