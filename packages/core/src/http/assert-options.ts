import { SsekitError } from '../errors.js';
import { assertTopic } from '../hub/topics.js';
import { assertCorsOptions } from './cors.js';
import { ADMISSION_OPTION_KEYS } from './admission-options.js';
import { assertLimitRetry } from './retry-later.js';

// A header name is an HTTP token; a value holds no CR, LF or NUL.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE_FORBIDDEN = /[\r\n\0]/;

/**
 * Checks an adapter's options once, when its middleware, plugin or handler is made: every key
 * is known (the admission's and the adapter's own), and every value has the right type and
 * range. Throws `SsekitError('invalid_option')` naming the option and the fix.
 * @param options - what the user passed.
 * @param factory - how the user called it (`sse()`, `createSseHandler()`, ...), for messages.
 * @param ownKeys - the adapter's own option names (checked by the adapter itself).
 * @param needsHub - false where the hub comes from elsewhere (a Fastify route's options).
 */
export function assertAdmissionOptions(
  options: unknown,
  factory: string,
  ownKeys: readonly string[] = [],
  needsHub = true,
): void {
  const fail = (message: string): never => {
    throw new SsekitError('invalid_option', `ssekit: ${factory}: ${message}`);
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('pass an options object, e.g. { hub: createHub() }.');
  }
  const given = options as Record<string, unknown>;
  // Where the hub comes from elsewhere (a Fastify route under its plugin), a `hub` here would be
  // ignored: it is refused as unknown instead.
  const known = [...ADMISSION_OPTION_KEYS.filter((key) => needsHub || key !== 'hub'), ...ownKeys];
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const near = nearest(key, known);
    fail(
      `unknown option \`${key}\`${near === undefined ? '' : `; did you mean \`${near}\``}? It takes ${known.map((k) => `\`${k}\``).join(', ')}.`,
    );
  }
  const hub = given.hub as { subscribe?: unknown } | undefined;
  if (needsHub && typeof hub?.subscribe !== 'function') fail('`hub` must be a hub: pass { hub: createHub() }.');
  const topics = given.topics;
  if (topics !== undefined && typeof topics !== 'function') {
    if (!Array.isArray(topics) || topics.length === 0) {
      fail('`topics` must be a non-empty list of topic names or a function (request) => topics.');
    }
    for (const topic of topics as unknown[]) {
      try {
        assertTopic(topic as string);
      } catch (err) {
        fail(`\`topics\` holds ${JSON.stringify(topic)}: ${(err as Error).message.replace(/^ssekit: /, '')}`);
      }
    }
  }
  for (const name of ['authorize', 'clientKey', 'onError'] as const) {
    if (given[name] !== undefined && typeof given[name] !== 'function') fail(`\`${name}\` must be a function.`);
  }
  const retry = given.retry;
  if (retry !== undefined && (typeof retry !== 'number' || !Number.isSafeInteger(retry) || retry < 0)) {
    fail(
      `\`retry\` must be a non-negative integer of milliseconds; got ${typeof retry === 'number' ? retry : typeof retry}.`,
    );
  }
  assertHeaders(given.headers, fail);
  if (given.cors !== undefined) assertCorsOptions(given.cors as never);
  const limitResponse = given.limitResponse;
  if (limitResponse !== undefined && limitResponse !== 'retry' && limitResponse !== 429) {
    fail(`\`limitResponse\` must be 'retry' or 429; got ${JSON.stringify(limitResponse)}.`);
  }
  if (given.limitRetryMs !== undefined) assertLimitRetry(given.limitRetryMs as number);
}

function assertHeaders(headers: unknown, fail: (message: string) => never): void {
  if (headers === undefined) return;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    fail('`headers` must be an object of header names to string values.');
  }
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (!HEADER_NAME.test(name)) fail(`\`headers\` has an invalid header name ${JSON.stringify(name)}.`);
    if (typeof value !== 'string' || HEADER_VALUE_FORBIDDEN.test(value)) {
      fail(`\`headers.${name}\` must be a string without CR, LF or NUL.`);
    }
  }
}

/** The option a misspelled key most likely meant: a small edit away, or sharing a long prefix. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const distance = editDistance(name.toLowerCase(), key.toLowerCase());
    let shared = 0;
    while (shared < Math.min(name.length, key.length) && name[shared] === key[shared]) shared++;
    if ((distance <= 2 || shared >= 4) && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, for suggesting the option a misspelled key meant. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}
