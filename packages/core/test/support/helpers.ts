import { expect } from 'vitest';
import { MemoryReplayStore, SsekitError } from '../../src/index.js';
import type { NewEvent, ReplayResult, ReplayStore, SsekitErrorCode, StoredEvent } from '../../src/index.js';

/** Asserts that `run` throws synchronously an {@link SsekitError} of `code`. */
export function expectThrowsCode(run: () => unknown, code: SsekitErrorCode): SsekitError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SsekitError);
  expect((caught as SsekitError).code).toBe(code);
  expect((caught as SsekitError).message.startsWith('ssekit:')).toBe(true);
  return caught as SsekitError;
}

/** Asserts that `promise` rejects with an {@link SsekitError} of `code`. */
export async function expectRejectsCode(promise: Promise<unknown>, code: SsekitErrorCode): Promise<SsekitError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(SsekitError);
  expect((caught as SsekitError).code).toBe(code);
  expect((caught as SsekitError).message.startsWith('ssekit:')).toBe(true);
  return caught as SsekitError;
}

/** A promise plus the function that settles it. */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

/** A promise a test opens when it wants to. */
export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * A real {@link MemoryReplayStore} behind a wrapper that records calls and can hold `since`
 * back: a way to stretch the replay window and publish while it is open.
 */
export class RecordingStore implements ReplayStore {
  readonly inner: MemoryReplayStore;
  readonly appends: { topic: string; id: string | undefined }[] = [];
  readonly sinceCalls: { topics: readonly string[]; lastEventId: string | undefined }[] = [];
  /** When set, `since` waits for it before it reads the store (so it sees events published meanwhile). */
  holdBefore: Gate | undefined;
  /** When set, `since` reads the store first, then waits for it (a snapshot that a slow network delays). */
  holdAfter: Gate | undefined;
  /** When set, `since` rejects with it. */
  failSince: Error | undefined;

  constructor(size = 1000) {
    this.inner = new MemoryReplayStore({ size });
  }

  /** When set, `append` waits for it (a remote store's round trip). */
  holdAppend: Gate | undefined;

  append(event: NewEvent): StoredEvent | Promise<StoredEvent> {
    this.appends.push({ topic: event.topic, id: event.id });
    const hold = this.holdAppend;
    if (hold === undefined) return this.inner.append(event);
    return hold.promise.then(() => this.inner.append(event));
  }

  completed(topics: readonly string[]): readonly string[] {
    return this.inner.completed(topics);
  }

  async since(topics: readonly string[], lastEventId: string | undefined): Promise<ReplayResult> {
    this.sinceCalls.push({ topics, lastEventId });
    if (this.failSince !== undefined) throw this.failSince;
    if (this.holdBefore !== undefined) await this.holdBefore.promise;
    const result = this.inner.since(topics, lastEventId);
    if (this.holdAfter !== undefined) await this.holdAfter.promise;
    return result;
  }
}

/** The wire block the hub sends for a published event: the store's `id:` line first. */
export function block(id: string, fields: { event?: string; data: string }): string {
  return `id: ${id}\n${fields.event !== undefined ? `event: ${fields.event}\n` : ''}data: ${fields.data}\n\n`;
}
