import { afterEach, expect } from 'vitest';
import { SsekitError, createHub, formatEvent } from '@ssekit/core';
import type { Hub, HubOptions, SsekitErrorCode } from '@ssekit/core';

const hubs: Hub[] = [];

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

/** A hub without timers (no heartbeats, no write deadline), closed after the test. */
export function hubFor(options: HubOptions = {}): Hub {
  const hub = createHub({ heartbeatMs: 0, writeTimeoutMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

/** The hub's default retry hint, the first bytes of every stream. */
export const RETRY = 'retry: 3000\n';

/** The bytes of a published event on the wire. */
export function frame(id: string, data: unknown, event?: string): string {
  return `id: ${id}\n${formatEvent({ event, data })}`;
}

/** A request to `path` on a placeholder origin. */
export function get(path: string, init: RequestInit = {}): Request {
  return new Request(`http://localhost${path}`, init);
}

/** Lets queued microtasks and one macrotask run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Reads a response body the way a runtime does, one `read()` at a time, keeping the text.
 */
export class BodyReader {
  text = '';
  done = false;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();

  constructor(body: ReadableStream<Uint8Array> | null) {
    if (body === null) throw new Error('the response has no body');
    this.reader = body.getReader();
  }

  /** One `read()`; resolves to the chunk's text, or `undefined` at the end. */
  async read(): Promise<string | undefined> {
    const { done, value } = await this.reader.read();
    if (done) {
      this.done = true;
      return undefined;
    }
    const text = this.#decoder.decode(value, { stream: true });
    this.text += text;
    return text;
  }

  /** Reads until `text` has `length` characters (or more), or the body ends. */
  async readUntil(length: number): Promise<string> {
    while (this.text.length < length && !this.done) await this.read();
    return this.text;
  }

  /** Reads to the end of the body. */
  async readToEnd(): Promise<string> {
    while (!this.done) await this.read();
    return this.text;
  }
}

/** What `run` returns or throws, as a promise: a synchronous throw becomes a rejection. */
export function call<T>(run: () => T | Promise<T>): Promise<T> {
  return Promise.resolve().then(run);
}

/**
 * Asserts that `outcome` rejects with an {@link SsekitError} of `code` whose message says what
 * to do, and returns it.
 */
export async function refusalOf(outcome: Promise<unknown>, code: SsekitErrorCode): Promise<SsekitError> {
  const caught = await outcome.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(SsekitError);
  expect((caught as SsekitError).code).toBe(code);
  expect((caught as SsekitError).message.startsWith('ssekit:')).toBe(true);
  return caught as SsekitError;
}
