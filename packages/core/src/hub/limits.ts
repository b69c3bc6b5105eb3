import { SsekitError } from '../errors.js';

/** Connection limits of a hub. @internal */
export class ConnectionLimits {
  rejected = 0;
  readonly #max: number;
  readonly #perClient: number;
  readonly #byClient = new Map<string, number>();

  constructor(max: number | undefined, perClient: number | undefined) {
    this.#max = max ?? Infinity;
    this.#perClient = perClient ?? Infinity;
  }

  /**
   * Claims a slot, or throws `too_many_connections`.
   * @param open - streams open now.
   * @param clientKey - who is asking, when per-client limits apply.
   */
  claim(open: number, clientKey: string | undefined): void {
    if (open >= this.#max) {
      this.rejected++;
      throw new SsekitError('too_many_connections', 'ssekit: the server is at its connection limit; retry later.');
    }
    if (clientKey === undefined || this.#perClient === Infinity) return;
    const count = this.#byClient.get(clientKey) ?? 0;
    if (count >= this.#perClient) {
      this.rejected++;
      throw new SsekitError(
        'too_many_connections',
        'ssekit: this client has too many open streams; close one or retry later.',
      );
    }
    this.#byClient.set(clientKey, count + 1);
  }

  /** Gives back a slot claimed for `clientKey`. */
  release(clientKey: string | undefined): void {
    if (clientKey === undefined || this.#perClient === Infinity) return;
    const count = (this.#byClient.get(clientKey) ?? 1) - 1;
    if (count <= 0) this.#byClient.delete(clientKey);
    else this.#byClient.set(clientKey, count);
  }
}
