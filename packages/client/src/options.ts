import { MAX_DELAY } from './delays.js';
import { fail } from './errors.js';
import type { SsekitClientError } from './errors.js';
import type { ParseOption, SubscribeOptions } from './types.js';

const oneOf = (value: unknown, allowed: readonly unknown[]): boolean => allowed.includes(value);

const invalid = (name: string, expected: string): SsekitClientError =>
  fail('invalid_option', `\`${name}\` must be ${expected}.`);

/**
 * Checks `subscribe`'s options before anything is requested.
 * @param parse - the `parse` option, with its default.
 * @param fetcher - the `fetch` option, with its default.
 * @param method - the request's method, with its default.
 * @returns the stream's URL, a relative one resolved.
 * @throws SsekitClientError `invalid_option` for a bad option.
 * @internal
 */
export function checkOptions(
  url: string | URL,
  options: SubscribeOptions,
  parse: ParseOption,
  fetcher: typeof fetch,
  method: string,
): URL {
  const { headers, body } = options;
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
  return target;
}
