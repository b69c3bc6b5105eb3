/**
 * The events of a run, by name: the server's hub is typed with this map, and the page's client
 * too (a type-only import), so both sides agree on every name and payload.
 */
export interface RunEvents {
  /** First, published before `POST /runs` answers: the question asked. */
  start: { prompt: string; words: number };
  /** One piece of the answer, as a model streams tokens: a word, with its leading space. */
  token: { text: string };
  /** The final event of an answer that ran to its end. */
  done: { words: number };
  /**
   * The final event of an answer that could not finish; the message is safe to show. Not named
   * `error`: on an `EventSource`, listeners for `error` also hear its connection errors.
   */
  failed: { message: string };
}
