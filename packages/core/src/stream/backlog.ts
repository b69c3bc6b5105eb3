import { concatBytes } from '../wire/bytes.js';

/** Backlogs up to this size are joined into one write. */
const COALESCE_LIMIT = 64 * 1024;

/**
 * The bytes a stream holds for its client between writes, in order. Most turns hold one shared
 * buffer, kept without an array (no garbage per delivery); an array appears only when a second
 * chunk waits. @internal
 */
export class Backlog {
  #one: Uint8Array | undefined;
  #more: Uint8Array[] | undefined;
  /** Bytes held. */
  bytes = 0;

  push(chunk: Uint8Array): void {
    if (this.#more !== undefined) this.#more.push(chunk);
    else if (this.#one === undefined) this.#one = chunk;
    else {
      this.#more = [this.#one, chunk];
      this.#one = undefined;
    }
    this.bytes += chunk.byteLength;
  }

  /**
   * Empties the backlog into what should be written: one buffer (the only chunk, or the chunks
   * joined when small), or for a large backlog the chunks themselves, to write one by one (the
   * transport keeps references; a join would copy them once per subscriber).
   */
  take(): Uint8Array | readonly Uint8Array[] {
    const one = this.#one;
    const more = this.#more;
    const size = this.bytes;
    this.clear();
    if (one !== undefined) return one;
    if (more === undefined) return [];
    return size <= COALESCE_LIMIT ? concatBytes(more, size) : more;
  }

  /** Everything held, joined into one buffer, and the backlog emptied. */
  takeJoined(): Uint8Array {
    const chunks = this.#list();
    const size = this.bytes;
    this.clear();
    return concatBytes(chunks, size);
  }

  /**
   * Drops the oldest chunks until `incoming` more bytes fit in `budget`.
   * @returns how many chunks and bytes were dropped.
   */
  dropOldest(incoming: number, budget: number): { count: number; bytes: number } {
    const list = this.#list();
    let count = 0;
    let freed = 0;
    while (this.bytes - freed + incoming > budget && count < list.length) {
      freed += (list[count] as Uint8Array).byteLength;
      count++;
    }
    list.splice(0, count);
    this.#one = undefined;
    this.#more = list.length > 0 ? list : undefined;
    this.bytes -= freed;
    return { count, bytes: freed };
  }

  clear(): void {
    this.#one = undefined;
    this.#more = undefined;
    this.bytes = 0;
  }

  /** The backlog as one array (allocated only on the slow paths that need it). */
  #list(): Uint8Array[] {
    if (this.#more !== undefined) return this.#more;
    return this.#one === undefined ? [] : [this.#one];
  }
}
