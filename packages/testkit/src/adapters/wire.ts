import type { IncomingHttpHeaders } from 'node:http';
import { createHub } from '@ssekit/core';
import type { Hub, HubOptions } from '@ssekit/core';
import { expect, onTestFinished } from 'vitest';
import { request } from '../http.js';
import type { HttpAnswer } from '../http.js';
import { SseClient } from '../sse-client.js';
import type { ConnectOptions } from '../sse-client.js';
import type { Adapter } from './types.js';

/** The first bytes of every stream of a {@link testHub}: the hub's default `retry:` hint. */
export const RETRY = 'retry: 3000\n';

/** The comment that opens the retry answer over a connection limit. */
export const LIMITED = ': too many connections, retry later\n';

/** The message of a refusal for an origin `cors` does not allow. */
export const FORBIDDEN_ORIGIN = 'ssekit: this origin may not read event streams here.';

/** The headers every event stream carries, whatever the adapter. */
export const CONTRACT_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

/**
 * A hub for one test, closed when it finishes: no heartbeats (they would fall between the bytes
 * a test compares), the default `retry:` hint ({@link RETRY}).
 */
export function testHub<TEvents extends object = Record<string, unknown>>(options: HubOptions = {}): Hub<TEvents> {
  const hub = createHub<TEvents>({ heartbeatMs: 0, ...options });
  onTestFinished(() => hub.close());
  return hub;
}

/**
 * Opens a stream for one test, closed when it finishes; with `firstBytes`, waits until the
 * stream holds exactly them.
 */
export async function openClient(url: string, options: ConnectOptions = {}, firstBytes?: string): Promise<SseClient> {
  const client = await SseClient.connect(url, options);
  onTestFinished(() => {
    client.close();
  });
  if (firstBytes !== undefined) {
    await client.waitFor((c) => c.raw === firstBytes, 5000, JSON.stringify(firstBytes));
  }
  return client;
}

/** Response headers without `date` (it changes every second), after checking it is there. */
export function stable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { date, ...rest } = headers;
  expect(typeof date).toBe('string');
  return rest;
}

/** Every header of an event stream on `adapter` (without `date`), with `extra` (lower-case). */
export function streamHeaders(adapter: Adapter, extra: Record<string, string> = {}): IncomingHttpHeaders {
  return {
    ...extra,
    ...CONTRACT_HEADERS,
    connection: adapter.transport.streamConnection,
    'transfer-encoding': 'chunked',
  };
}

/** Every header of the answer to a `HEAD` for a stream: the stream's, with no body to frame. */
export function headHeaders(adapter: Adapter, extra: Record<string, string> = {}): IncomingHttpHeaders {
  return { ...extra, ...CONTRACT_HEADERS, connection: adapter.transport.streamConnection };
}

/** Every header of the retry answer over a connection limit whose body is `raw`. */
export function retryAnswerHeaders(
  adapter: Adapter,
  raw: string,
  extra: Record<string, string> = {},
): IncomingHttpHeaders {
  const { connection, 'transfer-encoding': chunked, ...headers } = streamHeaders(adapter, extra);
  return adapter.transport.sizedRetryAnswer
    ? { ...headers, connection, 'content-length': String(Buffer.byteLength(raw)) }
    : { ...headers, connection, 'transfer-encoding': chunked };
}

/**
 * Every header of a refusal whose body is `text` (the test clients send `Connection: close`).
 * @param extra - what the refusal carries besides: CORS headers, `Retry-After`.
 */
export function refusalHeaders(text: string, extra: Record<string, string> = {}): IncomingHttpHeaders {
  return {
    ...extra,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    connection: 'close',
  };
}

/** Every header of a `204` preflight answer on `adapter`, with the CORS ones given. */
export function preflightHeaders(adapter: Adapter, cors: Record<string, string>): IncomingHttpHeaders {
  return {
    ...cors,
    ...(adapter.transport.preflightLength ? { 'content-length': '0' } : {}),
    connection: 'close',
  };
}

/** A CORS preflight for `url`, as a browser sends it before an `EventSource` with `Last-Event-ID`. */
export function preflight(url: string, origin: string): Promise<HttpAnswer> {
  return request(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
  });
}

/** The CORS headers of a preflight allowed for `origin` (and asking for `Last-Event-ID`). */
export function allowedPreflight(
  origin: string,
  { credentials = false, maxAgeSeconds = 600 }: { credentials?: boolean; maxAgeSeconds?: number } = {},
): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': 'Last-Event-ID, Cache-Control',
    'access-control-max-age': String(maxAgeSeconds),
    ...(credentials ? { 'access-control-allow-credentials': 'true' } : {}),
    vary: 'Origin',
  };
}

/** The hint of a retry answer, after checking its exact bytes and its range. */
export function retryHint(raw: string, min: number, max: number): number {
  const hint = Number(/^: too many connections, retry later\nretry: (\d+)\n$/.exec(raw)?.[1]);
  expect(raw).toBe(`${LIMITED}retry: ${hint}\n`);
  expect(hint).toBeGreaterThanOrEqual(min);
  expect(hint).toBeLessThanOrEqual(max);
  return hint;
}

/** The message `run` throws, to compare error bodies with the exact text. */
export function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}

/** The JSON body of a refusal the matrix answers: `{ "error": message }`. */
export function refusalBody(message: string): string {
  return JSON.stringify({ error: message });
}
