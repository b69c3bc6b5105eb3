import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { createParser } from 'eventsource-parser';

/** One event as an `EventSource` would see it. */
export interface ReceivedEvent {
  /** `undefined` for unnamed events (`message`). */
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/** Options of {@link connectSse}. */
export interface ConnectOptions {
  headers?: Record<string, string>;
  lastEventId?: string;
  /** Resolve the connection only after the response headers arrived. @default true */
  waitForHeaders?: boolean;
}

/**
 * A streaming SSE client over a real socket, for tests: it keeps the raw bytes, parses them
 * with an independent spec parser, and can stop reading to play a stalled client.
 */
export class SseClient {
  status = 0;
  headers: IncomingHttpHeaders = {};
  /** Everything received, decoded as UTF-8. */
  raw = '';
  /** Every raw chunk as received. */
  bytes: Buffer[] = [];
  readonly events: ReceivedEvent[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  /** Settles when the response ends or the connection closes. */
  readonly ended: Promise<void>;
  /** True when the response ended cleanly (its last chunk arrived), not by a broken connection. */
  completed = false;
  #request: http.ClientRequest;
  #response: http.IncomingMessage | undefined;
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly #decoder = new TextDecoder('utf-8');
  readonly #parser = createParser({
    onEvent: (event) => {
      this.events.push({ event: event.event, data: event.data, id: event.id });
      this.#wake();
    },
    onComment: (comment) => {
      this.comments.push(comment);
      this.#wake();
    },
    onRetry: (retry) => {
      this.retries.push(retry);
      this.#wake();
    },
  });

  private constructor(request: http.ClientRequest, ended: Promise<void>) {
    this.#request = request;
    this.ended = ended;
  }

  /** True once the stream ended. */
  get isEnded(): boolean {
    return this.#ended;
  }

  /**
   * Opens a stream.
   * @param url - the stream's URL.
   * @param options - headers, `Last-Event-ID`.
   */
  static connect(url: string, options: ConnectOptions = {}): Promise<SseClient> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    let client!: SseClient;
    let markEnded!: () => void;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    return new Promise((resolve, reject) => {
      const request = http.get(url, { headers, agent: false }, (res) => {
        client.#response = res;
        client.status = res.statusCode ?? 0;
        client.headers = res.headers;
        res.on('data', (chunk: Buffer) => {
          client.bytes.push(chunk);
          const text = client.#decoder.decode(chunk, { stream: true });
          client.raw += text;
          client.#parser.feed(text);
          client.#wake();
        });
        const finish = (): void => {
          if (client.#ended) return;
          client.#ended = true;
          markEnded();
          client.#wake();
        };
        res.on('end', () => {
          client.completed = true;
          finish();
        });
        res.on('close', finish);
        res.on('error', finish);
        resolve(client);
      });
      client = new SseClient(request, ended);
      request.on('error', (err) => {
        if (client.#response === undefined) reject(err);
        if (!client.#ended) {
          client.#ended = true;
          markEnded();
          client.#wake();
        }
      });
    });
  }

  /**
   * Waits until `condition` holds, checking after every chunk.
   * @param condition - what to wait for.
   * @param timeoutMs - how long at most; then it throws with what was received.
   */
  async waitFor(condition: (client: SseClient) => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(this.raw.slice(-2000))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `count` events in all. */
  waitForEvents(count: number, timeoutMs = 5000): Promise<void> {
    return this.waitFor((c) => c.events.length >= count, timeoutMs, `${count} events`);
  }

  /** Stops reading from the socket, as a stalled client does. */
  pause(): void {
    this.#response?.pause();
    this.#response?.socket.pause();
  }

  /** Reads again. */
  resume(): void {
    this.#response?.socket.resume();
    this.#response?.resume();
  }

  /** Closes the connection (an abort, from the server's side). */
  close(): void {
    this.#request.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
