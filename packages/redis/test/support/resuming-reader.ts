import { parseLastEventId } from '@ssekit/core';
import type { Node } from './harness.js';
import { TextSink } from './harness.js';

/** One event as a reader received it. */
export interface Received {
  readonly id: string;
  readonly data: string;
}

/**
 * A client that keeps reading: whenever its stream ends (a bus gap, a failed replay, a closed
 * hub) it opens a new one on the next hub of the list, resuming from the last id it received, as
 * a browser's EventSource would with `Last-Event-ID`. Before its first event it asks for the whole
 * history (`from: 'start'`), so it never starts live after events it should have had.
 */
export class ResumingReader {
  readonly received: Received[] = [];
  /** The `ssekit-reset` events it got: each is a break in exactness. */
  readonly resets: string[] = [];
  /** How many streams it opened. */
  streams = 0;
  #sink: TextSink | undefined;
  #offset = 0;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param nodes - the hubs it may connect to; it moves to the next one at each reconnect.
   * @param topics - what it reads.
   * @param first - the index of the hub it starts on.
   * @param retryMs - how long it waits before reconnecting.
   */
  constructor(
    private readonly nodes: readonly Node[],
    readonly topics: readonly string[],
    private readonly first: number,
    private readonly retryMs = 50,
  ) {
    this.#open();
  }

  /** Reads what arrived since the last call; call it often (the test polls). */
  poll(): void {
    const sink = this.#sink;
    if (sink === undefined) return;
    const end = sink.text.lastIndexOf('\n\n');
    if (end >= this.#offset) {
      for (const block of sink.text.slice(this.#offset, end).split('\n\n')) this.#block(block);
      this.#offset = end + 2;
    }
    if (sink.ended !== undefined && !this.#stopped && this.#timer === undefined) {
      this.#sink = undefined;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (!this.#stopped) this.#open();
      }, this.retryMs);
    }
  }

  /** Stops reconnecting. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #open(): void {
    const node = this.nodes[(this.first + this.streams) % this.nodes.length];
    this.streams++;
    const sink = new TextSink();
    this.#sink = sink;
    this.#offset = 0;
    const last = this.received.at(-1)?.id;
    try {
      if (node === undefined) throw new Error('no hub to connect to');
      node.hub.subscribe(
        sink,
        last === undefined
          ? { topics: this.topics, from: 'start' }
          : { topics: this.topics, lastEventId: parseLastEventId(last) },
      );
    } catch {
      // The hub refused at once (closed, say): treat it as a stream that ended.
      sink.end('error');
    }
  }

  #block(block: string): void {
    let id: string | undefined;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (event === 'ssekit-reset') this.resets.push(data.join('\n'));
    else if (id !== undefined) this.received.push({ id, data: data.join('\n') });
  }
}
