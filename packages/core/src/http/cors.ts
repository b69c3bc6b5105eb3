import { SsekitError } from '../errors.js';
import { refusalAnswer, withHeaders } from './refusal.js';
import type { HttpAnswer } from './refusal.js';

/**
 * Cross-origin access to event streams. Off unless given: without it no `Access-Control-*`
 * header is sent, so a page on another origin cannot read the stream.
 *
 * The answer names the request's own origin (`Access-Control-Allow-Origin: <origin>` and
 * `Vary: Origin`), never `*`, so it stays correct when credentials are allowed.
 */
export interface CorsOptions {
  /**
   * The origins allowed to read streams, as `scheme://host[:port]` (e.g.
   * `'https://app.example.com'`), or a function deciding per origin. `'*'` in the list allows
   * every origin, and only without `credentials`.
   */
  origins: readonly string[] | ((origin: string) => boolean);
  /**
   * Lets the page send cookies and HTTP authentication (`new EventSource(url, { withCredentials:
   * true })`) and read the answer: sends `Access-Control-Allow-Credentials: true`.
   * @default false
   */
  credentials?: boolean;
  /** How long browsers may cache a preflight answer, in seconds. @default 600 */
  maxAgeSeconds?: number;
  /**
   * Request headers a preflight allows. `EventSource` sends `Last-Event-ID` when it reconnects
   * (and some browsers `Cache-Control`); fetch-based clients may add `Authorization`.
   * @default ['Last-Event-ID', 'Cache-Control']
   */
  allowHeaders?: readonly string[];
}

/**
 * What a request's origin gets: whether it may read the stream, and the headers its answer
 * carries either way (`Vary: Origin` always, the `Access-Control-*` ones when allowed).
 */
export interface CorsCheck {
  /** True when the origin may read the stream (or send the preflighted request). */
  allowed: boolean;
  /** The answer's headers, either way; lower-case names. */
  headers: Record<string, string>;
}

interface CorsPolicy {
  allows(origin: string): boolean;
  credentials: boolean;
  maxAgeSeconds: number;
  allowHeaders: string;
}

const policies = new WeakMap<CorsOptions, CorsPolicy>();

/**
 * Checks `cors` once and remembers the result; adapters call it when they are created, so a
 * mistake throws there and not as a 500 on every request.
 * @param cors - the options.
 * @throws SsekitError `invalid_option` for an origin that is not `scheme://host[:port]`, for
 * `'*'` with credentials, or for a bad `maxAgeSeconds`.
 */
export function assertCorsOptions(cors: CorsOptions): void {
  policyOf(cors);
}

function policyOf(cors: CorsOptions): CorsPolicy {
  let policy = policies.get(cors);
  if (policy === undefined) {
    policy = buildPolicy(cors);
    policies.set(cors, policy);
  }
  return policy;
}

function buildPolicy(cors: CorsOptions): CorsPolicy {
  const credentials = cors.credentials ?? false;
  const maxAgeSeconds = cors.maxAgeSeconds ?? 600;
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new SsekitError('invalid_option', 'ssekit: `cors.maxAgeSeconds` must be a non-negative integer.');
  }
  const allowHeaders = (cors.allowHeaders ?? ['Last-Event-ID', 'Cache-Control']).join(', ');
  const { origins } = cors;
  if (typeof origins === 'function') return { allows: origins, credentials, maxAgeSeconds, allowHeaders };
  if (origins.includes('*')) {
    if (credentials) {
      throw new SsekitError(
        'invalid_option',
        "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.",
      );
    }
    return { allows: () => true, credentials, maxAgeSeconds, allowHeaders };
  }
  const allowed = new Set(origins.map(normalizeOrigin));
  return { allows: (origin) => allowed.has(origin), credentials, maxAgeSeconds, allowHeaders };
}

// Browsers send the origin serialized (lower-case scheme and host, no default port, no slash);
// the list is brought to the same form so `https://App.example.com/` matches too.
function normalizeOrigin(entry: string): string {
  if (entry === 'null') return entry;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    url = new URL('invalid:');
  }
  if (url.origin === 'null' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new SsekitError(
      'invalid_option',
      `ssekit: \`cors.origins\` entries are origins like 'https://app.example.com'; got ${JSON.stringify(entry)}.`,
    );
  }
  return url.origin;
}

/** The refusal of a request from an origin not allowed (403). */
export function forbiddenOrigin(): SsekitError {
  return new SsekitError('forbidden', 'ssekit: this origin may not read event streams here.');
}

/**
 * The CORS answer to a stream request (a `GET`) from `origin`. A request without `Origin`
 * (same-origin, or not from a browser) is allowed with no `Access-Control-*` header.
 * @param cors - the options.
 * @param origin - the request's `Origin` header, `undefined` when it has none (or it is empty).
 * @throws SsekitError `invalid_option` for bad options (see {@link assertCorsOptions}).
 */
export function checkCors(cors: CorsOptions, origin: string | undefined): CorsCheck {
  const policy = policyOf(cors);
  // The answer depends on Origin whatever it is, so caches must key on it.
  const headers: Record<string, string> = { vary: 'Origin' };
  if (origin === undefined || origin === '') return { allowed: true, headers };
  if (!policy.allows(origin)) return { allowed: false, headers };
  headers['access-control-allow-origin'] = origin;
  if (policy.credentials) headers['access-control-allow-credentials'] = 'true';
  return { allowed: true, headers };
}

/**
 * The CORS answer to a preflight (`OPTIONS`) from `origin`: when allowed, the headers of a `204`
 * (the origin, method `GET`, the allowed request headers, `Access-Control-Max-Age`); a preflight
 * without `Origin` is not allowed.
 * @param cors - the options.
 * @param origin - the request's `Origin` header, `undefined` when it has none.
 * @throws SsekitError `invalid_option` for bad options (see {@link assertCorsOptions}).
 */
export function checkPreflight(cors: CorsOptions, origin: string | undefined): CorsCheck {
  const policy = policyOf(cors);
  if (origin === undefined || origin === '' || !policy.allows(origin)) {
    return { allowed: false, headers: { vary: 'Origin' } };
  }
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': policy.allowHeaders,
    'access-control-max-age': String(policy.maxAgeSeconds),
    vary: 'Origin',
  };
  if (policy.credentials) headers['access-control-allow-credentials'] = 'true';
  return { allowed: true, headers };
}

/**
 * The whole answer to a CORS preflight (`OPTIONS`) from `origin`: `204` with the allowed origin,
 * method `GET`, the allowed request headers and `Access-Control-Max-Age`, or a `403` refusal for
 * an origin not allowed (or no `Origin` at all).
 * @param cors - the stream's CORS options.
 * @param origin - the request's `Origin` header.
 */
export function preflightAnswer(cors: CorsOptions, origin: string | undefined): HttpAnswer {
  const { allowed, headers } = checkPreflight(cors, origin);
  if (!allowed) return refusalAnswer(withHeaders(forbiddenOrigin(), headers));
  return { status: 204, headers: { ...headers, 'content-length': '0' }, body: '', stream: false };
}
