const ECHO_TIMEOUT_MS = 10_000;
const MAX_EARLY = 10_000;

/**
 * Matches a hub's own publishes with their envelopes coming back from the bus, which may happen
 * before `publish` learns the id (a store that appends and publishes in one step answers on
 * another connection than the one the echo arrives on). @internal
 */
export class PublishEcho {
  readonly #waiting = new Map<string, (delivered: number) => void>();
  readonly #early = new Map<string, number>();

  /** Resolves with the delivery count once the envelope `key` came back (0 after a timeout). */
  expect(key: string): Promise<number> {
    return new Promise<number>((resolve) => {
      const early = this.#early.get(key);
      if (early !== undefined) {
        this.#early.delete(key);
        resolve(early);
        return;
      }
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        resolve(0);
      }, ECHO_TIMEOUT_MS);
      (timer as { unref?: () => void }).unref?.();
      this.#waiting.set(key, (delivered) => {
        clearTimeout(timer);
        resolve(delivered);
      });
    });
  }

  /** The delivery count of `key` if its envelope came back already, else 0; nothing is awaited. */
  skip(key: string): Promise<number> {
    const early = this.#early.get(key);
    this.#early.delete(key);
    return Promise.resolve(early ?? 0);
  }

  /**
   * The envelope `key` came back and reached `delivered` streams.
   * @param keep - whether to keep it for a publish that does not wait for it yet.
   */
  arrived(key: string, delivered: number, keep = true): void {
    const resolve = this.#waiting.get(key);
    if (resolve !== undefined) {
      this.#waiting.delete(key);
      resolve(delivered);
      return;
    }
    if (!keep) return;
    if (this.#early.size >= MAX_EARLY) this.#early.delete(this.#early.keys().next().value as string);
    this.#early.set(key, delivered);
  }

  /** Gives up on `key` (its publish failed, or the hub closed). */
  cancel(key: string): void {
    this.#waiting.get(key)?.(0);
    this.#waiting.delete(key);
  }

  /** Gives up on every pending publish. */
  cancelAll(): void {
    for (const resolve of this.#waiting.values()) resolve(0);
    this.#waiting.clear();
    this.#early.clear();
  }
}
