import { isSsekitError } from '../errors.js';

/**
 * A complete HTTP answer an adapter writes as is: a refusal, a preflight, or the retry answer
 * over a connection limit (`stream: true`: an event-stream body, sent with the stream headers).
 */
export interface HttpAnswer {
  /** The status. */
  readonly status: number;
  /** Headers, lower-case names; for a `stream` answer, the adapter adds the stream headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** The whole body. */
  readonly body: string;
  /** True when the body is an event stream (the retry answer). */
  readonly stream: boolean;
}

/**
 * The HTTP status an error stands for: its numeric `status` (or `statusCode`, as Fastify's and
 * http-errors' errors carry), or 500.
 * @param error - anything thrown.
 */
export function statusOf(error: unknown): number {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  return typeof code === 'number' && code >= 400 && code <= 599 ? code : 500;
}

/** The error's `headers` (http-errors' convention), when it has a record of strings there. */
export function headersOf(error: unknown): Record<string, string> {
  const headers = (error as { headers?: unknown } | null)?.headers;
  if (typeof headers !== 'object' || headers === null) return {};
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/**
 * Adds headers to an error's `headers` (http-errors' convention), for the answer made of it:
 * `Retry-After`, or the CORS headers a page needs to read a refusal. Its own win.
 * @returns the same error.
 */
export function withHeaders<T>(error: T, headers: Readonly<Record<string, string>>): T {
  if (Object.keys(headers).length === 0 || typeof error !== 'object' || error === null) return error;
  if (!Object.isExtensible(error)) return error;
  Object.assign(error, { headers: { ...headers, ...headersOf(error) } });
  return error;
}

/** What the client is told of a failure that is not its own (a 5xx): never its internals. */
function publicMessage(error: unknown, status: number): string {
  if (status < 500) return error instanceof Error ? error.message : 'ssekit: request refused';
  // ssekit's own 5xx messages, which say what to do and carry no internals (a backend's detail is
  // kept in `cause`).
  if (isSsekitError(error, 'closed') || isSsekitError(error, 'unavailable')) return error.message;
  return 'ssekit: internal error';
}

/**
 * The answer to a request refused before its stream started: the error's status, its
 * `headers`, and `{ "error": message }` (a 5xx's message is replaced: it may hold internals).
 * @param error - an `SsekitError`, an error with a `status`, or anything (500).
 */
export function refusalAnswer(error: unknown): HttpAnswer {
  const status = statusOf(error);
  return {
    status,
    headers: { ...headersOf(error), 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ error: publicMessage(error, status) }),
    stream: false,
  };
}
