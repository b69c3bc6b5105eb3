/** Completed topics a hub remembers at most: the older ones are asked of the store again. */
const REMEMBERED = 10_000;

/**
 * The topics a hub knows completed: from the final events it delivered or replayed, and from its
 * store. Bounded; forgetting one costs a store read, never a wrong answer. @internal
 */
export class Completions {
  readonly #topics = new Set<string>();

  mark(topic: string): void {
    if (this.#topics.has(topic)) return;
    this.#topics.add(topic);
    if (this.#topics.size > REMEMBERED) this.#topics.delete(this.#topics.values().next().value as string);
  }

  has(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** True when every one of `topics` completed. */
  all(topics: readonly string[]): boolean {
    return topics.length > 0 && topics.every((topic) => this.#topics.has(topic));
  }

  /** A topic was forgotten by the store (or published to again after a restart): not known any more. */
  forget(topic: string): void {
    this.#topics.delete(topic);
  }
}
