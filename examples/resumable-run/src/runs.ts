import { randomInt, randomUUID } from 'node:crypto';
import type { Hub, PublishEvent, ReplayStore } from '@ssekit/core';
import type { RunEvents } from './events.js';
import { fakeAnswer } from './fake-answer.js';
import { HttpError } from './http.js';

/** The longest answer a run may ask for, in words. */
export const MAX_WORDS = 2000;
const MAX_PROMPT = 2000;

/** What `POST /runs` asks for. */
export interface RunRequest {
  prompt: string;
  /** How many words the answer has. */
  words: number;
  /** The fake model's seed: the same seed, the same answer. */
  seed: number;
}

/** A run's topic: one per run, so that it completes with the run. */
export function runTopic(id: string): string {
  return `run:${id}`;
}

/**
 * Checks a `POST /runs` body, `{ prompt?, words?, seed? }`; what is left out is chosen at random.
 * @throws HttpError 400, naming the field.
 */
export function parseRunRequest(body: unknown): RunRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'send a JSON object: {"prompt": "..."}');
  }
  const { prompt = '', words = 80 + randomInt(120), seed = randomInt(2 ** 31) } = body as Record<string, unknown>;
  if (typeof prompt !== 'string' || prompt.length > MAX_PROMPT) {
    throw new HttpError(400, `\`prompt\` must be a string of at most ${MAX_PROMPT} characters`);
  }
  if (!Number.isSafeInteger(words) || (words as number) < 1 || (words as number) > MAX_WORDS) {
    throw new HttpError(400, `\`words\` must be an integer from 1 to ${MAX_WORDS}`);
  }
  if (!Number.isSafeInteger(seed)) throw new HttpError(400, '`seed` must be an integer');
  return { prompt, words: words as number, seed: seed as number };
}

/** Starts runs, finds them, and stops the ones this process is producing. */
export interface Runs {
  /**
   * Starts a run: publishes its `start` event (so the run exists, on every process, before its
   * id is handed out), then produces the answer in the background.
   * @returns the run's id.
   */
  start(request: RunRequest): Promise<string>;
  /**
   * The topic of run `id`.
   * @throws HttpError 404 when no such run is kept (never started, or forgotten after its TTL).
   */
  topicOf(id: string): Promise<string>;
  /** Ends every run this process produces with a `failed` event, and waits for them. */
  stop(): Promise<void>;
}

/**
 * The producer side. Each answer is piped into its topic with `hub.pipe`: every word is
 * published (and kept) whether anyone reads or not, so readers come and go, reload and resume,
 * and the answer is never produced twice.
 */
export function createRuns(hub: Hub<RunEvents>, store: ReplayStore, tokenMs: number): Runs {
  const running = new Map<string, { stop: AbortController; done: Promise<void> }>();

  const produce = (id: string, request: RunRequest): void => {
    const stop = new AbortController();
    const token = (text: string): PublishEvent<RunEvents> => ({ event: 'token', data: { text } });
    const done = hub
      .pipe(runTopic(id), fakeAnswer(request.seed, request.words, tokenMs, stop.signal), {
        map: token,
        end: { event: 'done', data: { words: request.words } },
        // The final event when the source throws: a message for the reader, never the error's own.
        error: () => ({
          event: 'failed',
          data: {
            message: stop.signal.aborted
              ? 'the server stopped before this answer was complete; ask again'
              : 'the answer failed; ask again',
          },
        }),
      })
      .then(
        (result) => {
          if (result.error !== undefined && !stop.signal.aborted) console.error(`run ${id} failed`, result.error);
        },
        // A publish failed (the store is down, the hub closed): the run stops where it was.
        (err: unknown) => console.error(`run ${id} could not be published`, err),
      )
      .finally(() => running.delete(id));
    running.set(id, { stop, done });
  };

  return {
    async start(request) {
      const id = randomUUID();
      await hub.publish(runTopic(id), { event: 'start', data: { prompt: request.prompt, words: request.words } });
      produce(id, request);
      return id;
    },
    async topicOf(id) {
      const topic = runTopic(id);
      // Here the retained history is the record of runs, shared by every process on one Redis.
      // An app with a database would look the run up there (and check who may read it).
      const kept = await store.since([topic], undefined);
      if (!kept.ok || kept.events.length === 0) throw new HttpError(404, `no run ${id} (or it has expired)`);
      return topic;
    },
    async stop() {
      const runs = [...running.values()];
      for (const run of runs) run.stop.abort();
      await Promise.all(runs.map((run) => run.done));
    },
  };
}
