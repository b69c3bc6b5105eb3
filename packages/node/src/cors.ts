import { SsekitError } from '@ssekit/core';
import type { NodeRequest } from './headers.js';
import type { NodeResponse } from './node-sink.js';

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

/** Checked, normalized CORS settings. @internal */
export interface CorsPolicy {
  allows(origin: string): boolean;
  credentials: boolean;
  maxAgeSeconds: number;
  allowHeaders: string;
}

const policies = new WeakMap<CorsOptions, CorsPolicy>();

/**
 * Checks `cors` once and remembers the result.
 * @throws SsekitError `invalid_option` for an origin that is not `scheme://host[:port]`, for
 * `'*'` with credentials, or for a bad `maxAgeSeconds`.
 * @internal
 */
export function corsPolicy(cors: CorsOptions): CorsPolicy {
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

/** The request's `Origin` header, if it has one. */
function originOf(req: NodeRequest): string | undefined {
  const origin = req.headers.origin;
  return typeof origin === 'string' && origin !== '' ? origin : undefined;
}

function forbiddenOrigin(): SsekitError {
  return new SsekitError('forbidden', 'ssekit: this origin may not read event streams here.');
}

/**
 * Applies the CORS policy to a request before its stream starts: a request from an origin not
 * allowed throws `forbidden` (403); an allowed one gets its `Access-Control-*` headers set on
 * `res`, so they go out with the stream or with any refusal that follows. A request without
 * `Origin` (same-origin, or not from a browser) gets no such header.
 * @param req - the request.
 * @param res - its response, not started yet.
 * @param cors - the options.
 * @throws SsekitError `forbidden` for an origin not allowed.
 */
export function applyCors(req: NodeRequest, res: NodeResponse, cors: CorsOptions): void {
  const policy = corsPolicy(cors);
  // The answer depends on Origin whatever it is, so caches must key on it.
  res.setHeader('vary', 'Origin');
  const origin = originOf(req);
  if (origin === undefined) return;
  if (!policy.allows(origin)) throw forbiddenOrigin();
  res.setHeader('access-control-allow-origin', origin);
  if (policy.credentials) res.setHeader('access-control-allow-credentials', 'true');
}

/**
 * Answers a CORS preflight (`OPTIONS`): `204` with the allowed origin, method `GET`, the
 * allowed request headers and `Access-Control-Max-Age`, or `403` with `{ "error" }` for an
 * origin not allowed. `createSseHandler` calls it for every `OPTIONS` request when `cors` is set;
 * routers that mount `startStream` themselves route `OPTIONS` here.
 * @param req - the `OPTIONS` request.
 * @param res - its response.
 * @param cors - the same options as the stream's.
 */
export function handlePreflight(req: NodeRequest, res: NodeResponse, cors: CorsOptions): void {
  const policy = corsPolicy(cors);
  const origin = originOf(req);
  if (origin === undefined || !policy.allows(origin)) {
    const body = JSON.stringify({ error: forbiddenOrigin().message });
    res.writeHead(403, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      vary: 'Origin',
    });
    res.end(body);
    return;
  }
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': policy.allowHeaders,
    'access-control-max-age': String(policy.maxAgeSeconds),
    vary: 'Origin',
    'content-length': '0',
  };
  if (policy.credentials) headers['access-control-allow-credentials'] = 'true';
  res.writeHead(204, headers);
  res.end();
}
