import { createHub } from '@ssekit/core';
import type { CloseReason, Hub, Sink, SubscribeOptions } from '@ssekit/core';
import { createRedisBackend } from '../../src/index.js';
import type { RedisBackend, RedisBackendOptions } from '../../src/index.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A sink that keeps what a stream wrote, as text. */
export class TextSink implements Sink {
  text = '';
  ended: CloseReason | undefined;
  /** The stream's `ready`: settles once its replay is written and its topics are delivered live. */
  ready: Promise<void> = Promise.resolve();

  write(chunk: Uint8Array): boolean {
    this.text += utf8.decode(chunk);
    return true;
  }

  end(reason: CloseReason): void {
    this.ended = reason;
  }
}

/**
 * Polls `check` until it holds; throws with `what` after the deadline. `refresh`, when given,
 * runs before each check (to read what `check` looks at, from Redis say).
 */
export async function until(
  check: () => boolean,
  what: string,
  timeoutMs = 10_000,
  refresh?: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await refresh?.();
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await refresh?.();
  }
}

/** One "process": a hub on its own Redis backend (its own connections). */
export interface Node {
  hub: Hub;
  backend: RedisBackend;
  /** Opens a stream on this hub into a fresh sink. */
  listen(options?: SubscribeOptions): TextSink;
  close(): Promise<void>;
}

/** Starts a hub on a Redis backend and waits until its bus listens. */
export async function startNode(options: RedisBackendOptions): Promise<Node> {
  const backend = createRedisBackend(options);
  const hub = createHub({ store: backend.store, bus: backend.bus, heartbeatMs: 0 });
  await backend.ready;
  return {
    hub,
    backend,
    listen: (subscribe) => {
      const sink = new TextSink();
      sink.ready = hub.subscribe(sink, subscribe).ready;
      return sink;
    },
    close: async () => {
      await hub.close();
      await backend.close();
    },
  };
}

/** The wire block of one event as the hub writes it. */
export function frame(id: string, data: string): string {
  return `id: ${id}\ndata: ${data}\n\n`;
}

export const RETRY = 'retry: 3000\n';
